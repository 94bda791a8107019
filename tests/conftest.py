"""Fixtures for every tier: a real X server (Xvfb + openbox), the packaged model, settings on a fresh data dir.

A missing Xvfb, window manager or model fails the suite: nothing is skipped. The unit tier
(tests/unit) uses neither the model nor an X server; collection refuses a unit test that asks for one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gumd.config import Settings
from gumd.models.registry import PRESETS, assemble
from tests.support.environment import settings_for
from tests.support.xserver import start_desktop

UNIT = Path(__file__).resolve().parent / "unit"
HEAVY = {"xserver", "model_path", "model_settings"}


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        heavy = HEAVY & set(getattr(item, "fixturenames", ()))
        if heavy and UNIT in item.path.parents:
            raise pytest.UsageError(f"{item.nodeid} uses {', '.join(sorted(heavy))}: a unit test runs without "
                                    "the model or an X server; put it in tests/integration or tests/system")


@pytest.fixture(scope="session")
def xserver():
    """Xvfb at 1280x800 with openbox, shared by the session."""
    x = start_desktop()
    yield x
    x.stop()


@pytest.fixture(scope="session")
def model_path(tmp_path_factory) -> Path:
    """The packaged default model (491 MB), assembled and checksum-verified once for the whole session."""
    return assemble(PRESETS["qwen2.5-coder-0.5b"], tmp_path_factory.mktemp("models"))


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings on a fresh data dir, ignoring the user's config and environment; no model is assembled."""
    return settings_for(tmp_path)


@pytest.fixture
def model_settings(tmp_path, model_path) -> Settings:
    """`settings` with the packaged model."""
    return settings_for(tmp_path, model=str(model_path))
