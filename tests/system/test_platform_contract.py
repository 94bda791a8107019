"""The contract every desktop backend keeps (gumd.observers.platform), proven against X11 on a real Xvfb with
openbox, and against the macOS backend driven by the scripted stand-in of PyObjC (tests/support/scripted_mac.py).

Each scene drives its desktop the way a user would (open a window, minimise it, send it to another desktop or
Space, move the pointer, lock the screen); the backend under test only reads.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import time

import pytest
from PIL import Image

from gumd.capture.display import Display, display_parts
from gumd.capture.guard import WindowGuard
from gumd.observers.base import FocusChange, Frame, Presence
from gumd.observers.platform import open_desktop
from gumd.privacy import Exclusions
from tests.support.environment import require, wait_for
from tests.support.scripted_mac import ScriptedMac


class X11Scene:
    """xterms with a chosen WM_CLASS on the session's Xvfb, moved by xdotool; the screen saver as the lock."""

    def __init__(self, x):
        self.x = x
        self.desktop = open_desktop("linux")
        self.procs: list[subprocess.Popen] = []
        self.ids: dict[str, str] = {}

    def open(self, app: str, title: str, private: bool = False) -> int:
        args = [require("xterm"), "-class", app, "-T", title, "-geometry", "40x8+200+150",
                "-e", "bash", "-c", "exec sleep 600"] + (["--incognito"] if private else [])
        proc = self.x.spawn(*args)
        self.procs.append(proc)
        self.ids[title] = self.x.window(re.escape(title))
        self.x.run("xdotool", "windowactivate", "--sync", self.ids[title])
        return proc.pid

    def minimise(self, title: str) -> None:
        self.x.run("xdotool", "windowminimize", "--sync", self.ids[title])

    def to_other_space(self, title: str) -> None:
        self.x.run("xdotool", "set_desktop_for_window", self.ids[title], "1")

    def touch(self) -> None:
        self.x.run("xdotool", "mousemove_relative", "1", "1")

    def lock(self) -> None:
        self.x.run("xset", "s", "activate")

    def unlock(self) -> None:
        self.x.run("xset", "s", "reset")

    def move_pointer(self, x: int, y: int) -> None:
        self.x.run("xdotool", "mousemove", str(x), str(y))

    def close(self) -> None:
        self.unlock()
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=10)
        self.desktop.close()


class ScriptedMacScene:
    """The macOS backend over the stand-in; each window is owned by a real process, as on a Mac, so that the
    private-mode check reads a real command line."""

    def __init__(self):
        self.mac = ScriptedMac()
        self.desktop = open_desktop("darwin", self.mac.api())
        self.procs: list[subprocess.Popen] = []
        self.by_title = {}

    def open(self, app: str, title: str, private: bool = False) -> int:
        proc = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(600)"]
                                + (["--incognito"] if private else []), stdout=subprocess.PIPE)
        self.procs.append(proc)
        proc.stdout.readline()  # its window shows once it runs, as an app's does, not while it is still forking
        self.by_title[title] = self.mac.open(app, title, proc.pid, bounds=(200, 150, 400, 300))
        return proc.pid

    def minimise(self, title: str) -> None:
        self.by_title[title].on_screen = False

    def to_other_space(self, title: str) -> None:
        self.by_title[title].on_screen = False

    def touch(self) -> None:
        self.mac.last_input = time.monotonic()

    def lock(self) -> None:
        self.mac.locked = True

    def unlock(self) -> None:
        self.mac.locked = False

    def move_pointer(self, x: int, y: int) -> None:
        self.mac.pointer = (float(x), float(y))

    def close(self) -> None:
        for proc in self.procs:
            proc.terminate()
            proc.wait(timeout=10)
            proc.stdout.close()
        self.desktop.close()


@pytest.fixture(params=["x11", "scripted-macos"])
def scene(request, monkeypatch):
    if request.param == "x11":
        x = request.getfixturevalue("xserver")
        monkeypatch.setenv("DISPLAY", x.display)
        made = X11Scene(x)
    else:
        made = ScriptedMacScene()
    yield made
    made.close()


def focused_on(scene, title: str):
    return wait_for(lambda: (w := scene.desktop.windows.active_window()) is not None and w.title == title and w,
                    15, what=f"focus on {title!r}")


def test_the_focused_window_names_its_app_title_and_process(scene):
    pid = scene.open("Ledger", "contract ledger")
    focused = focused_on(scene, "contract ledger")
    assert (focused.app, focused.pid, focused.private) == ("Ledger", pid, False)
    left, top, width, height = focused.rect
    assert width > 0 and height > 0


def test_visible_windows_run_bottom_to_top_without_minimised_or_other_space_ones(scene):
    for title in ("stack below", "stack minimised", "stack elsewhere", "stack above"):
        scene.open("Notes", title)
    focused_on(scene, "stack above")

    def stacked() -> list[str]:
        return [w.title for w in scene.desktop.windows.visible_windows() if w.title.startswith("stack ")]

    assert stacked() == ["stack below", "stack minimised", "stack elsewhere", "stack above"]
    scene.minimise("stack minimised")
    scene.to_other_space("stack elsewhere")
    wait_for(lambda: stacked() == ["stack below", "stack above"], 15, what="only the shown windows")
    assert all(w.rect and w.rect[2] > 0 for w in scene.desktop.windows.visible_windows()
               if w.title.startswith("stack "))


def test_a_private_browser_window_is_known_from_the_window_list_before_any_grab(scene):
    scene.open("Browser", "contract everyday")
    scene.open("Browser", "contract gift list", private=True)
    assert focused_on(scene, "contract gift list").private
    private = {w.title: w.private for w in scene.desktop.windows.visible_windows() if w.title.startswith("contract ")}
    assert private == {"contract everyday": False, "contract gift list": True}

    guard = WindowGuard(Exclusions(), windows=scene.desktop.windows.visible_windows)
    focused = scene.desktop.windows.active_window()
    assert guard.focus_excluded(FocusChange(at=0, app=focused.app, title=focused.title, private=focused.private))
    left, top, width, height = next(w.rect for w in guard.visible() if w.title == "contract gift list")
    white = Frame(at=0, image=Image.new("RGB", (1280, 800), "white"))
    [shown] = guard.screen([white], guard.visible(), guard.visible())
    assert shown.image.getpixel((left + width // 2, top + height // 2)) == (0, 0, 0)


def test_idle_time_grows_without_input_and_input_resets_it(scene):
    scene.touch()
    first = scene.desktop.session.idle_seconds()
    later = wait_for(lambda: (s := scene.desktop.session.idle_seconds()) >= first + 1 and s, 15, what="idle time")
    scene.touch()
    wait_for(lambda: scene.desktop.session.idle_seconds() < later, 15, what="idle time reset by input")


def test_a_locked_screen_shows_in_the_session_until_it_is_unlocked(scene):
    assert not scene.desktop.session.locked()
    scene.lock()
    wait_for(scene.desktop.session.locked, 15, what="the lock")
    scene.unlock()
    wait_for(lambda: not scene.desktop.session.locked(), 15, what="the unlock")


def test_the_pointer_is_read_where_it_was_moved(scene):
    scene.move_pointer(321, 234)
    wait_for(lambda: scene.desktop.windows.pointer() == (321, 234), 15, what="the pointer")


def test_the_daemons_capture_display_runs_on_the_mac_backend(xserver, monkeypatch, settings):
    """What `gumd run` (the launchd agent's command) builds on a Mac, over the stand-in: focus changes, the
    visible windows, presence and the lock reach the pipeline (pixels come from Xvfb, mss being the grabber
    on both platforms)."""
    monkeypatch.setenv("DISPLAY", xserver.display)
    mac = ScriptedMac()
    events: queue.Queue = queue.Queue()
    display = Display(settings, events.put,
                      connect=lambda s: display_parts(s, lambda: open_desktop("darwin", mac.api())))
    display.start()
    try:
        mac.open("Notes", "groceries", os.getpid(), bounds=(10, 20, 300, 200))
        seen: list = []
        wait_for(lambda: seen.append(events.get(timeout=3)) or any(
            isinstance(e, FocusChange) and (e.app, e.title) == ("Notes", "groceries") for e in seen), 15,
            what="the focus change")
        assert [(w.app, w.rect) for w in display.visible_windows()] == [("Notes", (10, 20, 300, 200))]
        mac.locked = True
        assert display.locker() == "loginwindow"
        wait_for(lambda: seen.append(events.get(timeout=3)) or any(
            isinstance(e, Presence) and e.state == "locked" for e in seen), 15, what="the locked presence")
        assert [f.image.size for f in display.grab("test")] == [(1280, 800)]
    finally:
        display.stop()
        xserver.run("xdotool", "mousemove_relative", "1", "1", "key", "shift")  # lets pynput's threads end
