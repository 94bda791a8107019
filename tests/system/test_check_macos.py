"""scripts/check-macos, the check a Mac user runs: here over the scripted stand-in of PyObjC, with pixels from
Xvfb (mss grabs on both platforms)."""

import importlib.machinery
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gumd.observers.screen import Screen
from tests.support.scripted_mac import ScriptedMac

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "check-macos"


def load_script():
    loader = importlib.machinery.SourceFileLoader("check_macos", str(SCRIPT))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("check_macos", loader))
    loader.exec_module(module)
    return module


@pytest.fixture
def screen(xserver, monkeypatch):
    monkeypatch.setenv("DISPLAY", xserver.display)
    made = Screen()
    yield made
    made.close()


def test_it_prints_what_the_backend_sees_and_passes_when_all_is_granted(screen, tmp_path):
    mac = ScriptedMac(pointer=(40.0, 50.0))
    mac.open("Notes", "groceries", os.getpid(), bounds=(10, 20, 300, 200))
    lines: list[str] = []
    status = load_script().check(mac.api(), screen, save=tmp_path, raw=True, out=lines.append)
    text = "\n".join(lines)
    assert status == 0, text
    assert "  #0: 1280x800 at (0, 0)" in text and "title='groceries'" in text
    assert "  'Notes' 'groceries' pid" in text and "pointer: (40, 50)" in text and "locked: False" in text
    assert "grab #0: 1280x800 pixels (the display's size in points" in text and (tmp_path / "grab-0.png").exists()
    assert "LACKS" not in text and text.endswith("all read, all granted")


def test_it_names_each_missing_permission_with_its_fix_and_fails(screen):
    mac = ScriptedMac(screen_recording=False, input_monitoring=False)
    lines: list[str] = []
    assert load_script().check(mac.api(), screen, out=lines.append) == 1
    text = "\n".join(lines)
    assert "screen recording: MISSING: window titles are blank" in text
    assert "input monitoring: MISSING" in text and "accessibility: granted" in text
    assert "fix: turn on the app that runs gumd" in text and text.endswith("2 problem(s): see above")


def test_elsewhere_it_says_it_needs_a_mac():
    done = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not macOS" in done.stderr
