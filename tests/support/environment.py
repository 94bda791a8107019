"""The ground every test stands on: the repository, the gumd command line, required tools, fresh settings,
and polling for a condition."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import pytest

from gumd.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
GUMD = [sys.executable, "-m", "gumd.cli"]


def require(tool: str) -> str:
    """The path of a command-line tool the test needs; fails the test (never skips it) when it is missing."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed: run scripts/setup --test", pytrace=False)
    return path


def wait_for(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll until predicate() is truthy; return its value, or fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def settings_for(tmp_path: Path, **values) -> Settings:
    """Settings on a fresh data dir, ignoring the user's own config file and environment."""
    return load_settings({"data_dir": str(tmp_path / "data"), **values}, environ={}, config_file=tmp_path / "absent.toml")
