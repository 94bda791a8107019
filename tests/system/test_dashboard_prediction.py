"""The dashboard's prediction card against a real `gumd run` that has seen no action yet (capture off)."""

from __future__ import annotations

import pytest

from tests.support.daemon import gumd_run
from tests.support.dashboard import chromium, log_in, open_view

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, model_path, xserver):
    tmp = tmp_path_factory.mktemp("dashboard-empty")
    env = {**xserver.env, "GUMD_CONFIG": str(tmp / "none.toml")}
    with gumd_run(tmp, tmp / "data", env, model_path, "--no-capture", ready_state="off") as running:
        yield running


def test_the_prediction_card_says_no_guess_yet_and_nothing_else_without_a_prediction(daemon, tmp_path):
    assert daemon.client.predict_next()["actions"] == []
    with chromium(tmp_path / "profile") as browser:
        page = browser.new_page()
        log_in(page, daemon)
        open_view(page, "transparency")
        assert page.locator("#prediction").inner_text().strip() == "No guess yet"
        assert page.locator("#prediction > *").count() == 1
