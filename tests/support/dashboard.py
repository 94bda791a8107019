"""Debian's Chromium driven by Playwright, and the steps every dashboard test takes: log in with a fresh
link, open a view and wait until it is loaded."""

from __future__ import annotations

import contextlib
import subprocess
from pathlib import Path
from typing import Iterator

from playwright import sync_api as playwright_sync

from tests.support.environment import GUMD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDE, NARROW = {"width": 1280, "height": 800}, {"width": 420, "height": 800}


@contextlib.contextmanager
def chromium(profile: Path) -> Iterator[playwright_sync.BrowserContext]:
    """A headless Chromium with its own profile directory."""
    with playwright_sync.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, viewport=WIDE)
        try:
            yield context
        finally:
            context.close()


def login_link(daemon) -> str:
    r = subprocess.run([*GUMD, "--data-dir", str(daemon.data), "dashboard", "--no-open"], env=daemon.env,
                       capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def log_in(page, daemon) -> None:
    """Open a fresh login link in `page`: the login page hands the tab its key and moves on to /dashboard."""
    response = page.goto(login_link(daemon))
    assert response.ok
    page.wait_for_url(f"{daemon.base}/dashboard")
    page.wait_for_selector("body[data-ready='1']", state="attached")


def open_view(page, view: str) -> None:
    page.evaluate("document.body.dataset.ready = ''")
    if page.url.endswith("#" + view):
        page.reload()  # no hashchange for the same hash: load the view afresh
    else:
        page.goto(page.url.split("#")[0] + "#" + view)
    page.wait_for_selector(f"body[data-view='{view}'][data-ready='1']", state="attached")
    page.wait_for_load_state("networkidle")
