"""What only the macOS backend does, over the scripted stand-in of PyObjC: the window list's layers and sharing
states, titles without Screen Recording, the frontmost app without a window, the lock, the permissions, and the
guarantee that Linux never imports PyObjC. The behaviour every backend shares:
tests/system/test_platform_contract.py."""

import os
import subprocess
import sys

import pytest
from PIL import Image

from gumd.capture.guard import WindowGuard
from gumd.doctor import check_macos_permissions
from gumd.observers.macos import LOCKER, MacSessionBackend, MacWindowBackend, permissions
from gumd.observers.base import FocusChange, Frame
from gumd.observers.platform import missing_permissions, open_desktop
from gumd.observers.window import DisplayUnavailable
from gumd.privacy import Exclusions
from tests.support.scripted_mac import DESKTOP_ICON_LAYER, DESKTOP_LAYER, SHARING_NONE, ScriptedMac

PID = os.getpid()  # a real process, without private-mode flags


def backend(mac: ScriptedMac) -> MacWindowBackend:
    return MacWindowBackend(mac.api())


def test_only_windows_a_screenshot_can_show_are_stacked_menu_bar_on_top():
    mac = ScriptedMac()
    mac.open("Finder", "Desktop", PID, bounds=(0, 0, 1440, 900), layer=DESKTOP_LAYER)
    mac.open("Finder", "", PID, bounds=(0, 0, 1440, 900), layer=DESKTOP_ICON_LAYER)
    mac.open("Notes", "groceries", PID)
    mac.open("Secret Viewer", "withheld", PID, sharing=SHARING_NONE)
    mac.open("Window Server", "Menubar", PID, bounds=(0, 0, 1440, 24), layer=24)
    listed = [(w.app, w.title, w.rect) for w in backend(mac).visible_windows()]
    assert listed == [("Notes", "groceries", (100, 100, 600, 400)), ("Window Server", "Menubar", (0, 0, 1440, 24))]


def test_an_excluded_mac_app_is_painted_out_from_the_window_list_where_it_shows():
    mac = ScriptedMac()
    mac.open("Notes", "groceries", PID, bounds=(0, 0, 800, 600))
    mac.open("Keychain Access", "login", PID, bounds=(100, 50, 300, 200))
    guard = WindowGuard(Exclusions(), windows=backend(mac).visible_windows)
    white = Frame(at=0, image=Image.new("RGB", (1440, 900), "white"))
    [shown] = guard.screen([white], guard.visible(), guard.visible())
    assert shown.image.getpixel((250, 150)) == (0, 0, 0) and shown.image.getpixel((600, 400)) == (255, 255, 255)
    assert guard.focus_excluded(FocusChange(at=0, app="Keychain Access", title=""))


def test_the_focused_window_is_the_frontmost_apps_top_normal_window_not_a_panel_above_it():
    mac = ScriptedMac()
    mac.open("Mail", "Inbox", PID)
    mac.open("Mail", "Draft to Ana", PID, bounds=(50, 60, 700, 500))
    mac.open("Window Server", "Menubar", 88, bounds=(0, 0, 1440, 24), layer=24)
    mac.frontmost = PID
    focused = backend(mac).active_window()
    assert (focused.app, focused.title, focused.rect) == ("Mail", "Draft to Ana", (50, 60, 700, 500))


def test_a_frontmost_app_with_no_window_on_screen_is_focused_without_title_or_place():
    mac = ScriptedMac()
    mac.open("Preview", "scan.pdf", PID, on_screen=False)  # minimised
    focused = backend(mac).active_window()
    assert (focused.app, focused.title, focused.pid, focused.rect) == ("Preview", "", PID, None)
    mac.frontmost = None
    assert backend(mac).active_window() is None


def test_without_screen_recording_titles_are_blank_and_the_permission_says_why():
    mac = ScriptedMac(screen_recording=False)
    mac.open("Safari", "Bank statement", PID)
    focused = backend(mac).active_window()
    assert (focused.app, focused.title) == ("Safari", "")
    [screen] = [p for p in permissions(mac.api()) if p.name == "screen recording"]
    assert screen.granted is False and "titles are blank" in screen.without


def test_a_locked_screen_or_a_session_switched_away_shows_the_locker():
    mac = ScriptedMac()
    windows, session = backend(mac), MacSessionBackend(mac.api())
    assert (windows.locker(), session.locked()) == (None, False)
    mac.locked = True
    assert (windows.locker(), session.locked()) == (LOCKER, True)
    mac.locked, mac.on_console = False, False  # another user is at the screen
    assert (windows.locker(), session.locked()) == (LOCKER, True)


def test_gumd_run_is_told_which_permissions_are_missing_and_what_it_loses():
    mac = ScriptedMac(accessibility=False)
    [line] = missing_permissions("darwin", mac.api())
    assert line.startswith("accessibility is not granted: no input counts") and "Privacy & Security" in line
    [unknown] = missing_permissions("darwin", ScriptedMac(input_monitoring=None).api())
    assert unknown.startswith("input monitoring is unknown (it could not be checked): no key counts")
    assert missing_permissions("darwin", ScriptedMac().api()) == [] and missing_permissions("linux") == []


def test_doctor_names_each_missing_permission_and_where_to_grant_it():
    mac = ScriptedMac(screen_recording=False, input_monitoring=None)
    checks = {c.name: c for c in check_macos_permissions(mac.api())}
    assert checks["accessibility"].level == "ok"
    screen = checks["screen recording"]
    assert screen.level == "fail" and "titles are blank" in screen.detail
    assert "Privacy & Security > Screen & System Audio Recording" in screen.fix
    assert checks["input monitoring"].level == "fail" and "could not be checked" in checks["input monitoring"].detail


PYOBJC_MODULES = ("objc", "Quartz", "AppKit", "Foundation", "ApplicationServices")


def test_gumd_on_linux_never_imports_pyobjc(tmp_path):
    for name in PYOBJC_MODULES:  # importable here, so that an import anywhere in gumd would show
        (tmp_path / f"{name}.py").write_text("")
    code = ("import sys, gumd.daemon, gumd.doctor, gumd.tray, gumd.capture.display, gumd.observers.platform, "
            "gumd.observers.macos, gumd.cli\n"
            "from gumd.doctor import check_display\n"
            "check_display({})\n"
            f"print(sorted(set({PYOBJC_MODULES!r}) & set(sys.modules)))")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), os.getcwd()])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=True)
    assert out.stdout.strip() == "[]"


def test_without_pyobjc_a_mac_desktop_says_what_to_install():
    with pytest.raises(DisplayUnavailable, match="pip install pyobjc-framework-Quartz"):
        open_desktop("darwin")
