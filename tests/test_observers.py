"""Observers against a real X server: xdotool input, openbox focus, mss frames."""

import queue
import time

import pytest

from gumd.observers.base import FocusChange, InputBurst
from gumd.observers.input import BurstTracker, InputObserver, Settle
from gumd.observers.screen import NearDuplicates, Screen
from gumd.observers.window import FocusObserver, X11Backend
from tests.conftest import wait_for


@pytest.fixture
def on_display(xserver, monkeypatch):
    monkeypatch.setenv("DISPLAY", xserver.display)
    return xserver


def test_burst_tracker_names_shortcuts_and_keeps_no_characters():
    t = BurstTracker(Settle(click=0.5, keys=0.5, scroll=0.5))
    for ch in "hunter2":
        t.key_down(ch, 10.0)
    t.key_down("ctrl_l", 10.1)
    t.key_down("s", 10.1)
    t.key_up("ctrl_l")
    t.key_down("shift", 10.2)
    t.key_down("a", 10.2)  # shift+a is typing, not a shortcut
    t.key_up("shift")
    t.click(10.3)
    assert t.settled(10.5) is None  # still inside the settle window
    burst = t.settled(10.9)
    assert burst == InputBurst(started_at=10.0, ended_at=10.3, keys=9, clicks=1, scrolls=0, shortcuts=("ctrl+s",))
    assert "hunter2" not in repr(burst) and t.settled(20.0) is None


def test_burst_settles_by_its_last_kind_of_input_and_long_typing_is_cut():
    t = BurstTracker(Settle(click=0.3, keys=0.8, scroll=0.5, longest=5.0))
    t.click(1.0)
    assert t.settled(1.35).clicks == 1  # a click settles after 0.3 s
    t.key_down("a", 2.0)
    assert t.settled(2.5) is None  # typing waits 0.8 s
    assert t.settled(2.85).keys == 1
    bursts = []
    for i in range(80):  # typing without a pause for 8 s: a burst ends after 5 s anyway
        now = 10.0 + i * 0.1
        t.key_down("a", now)
        bursts += [b for b in [t.settled(now + 0.05)] if b]
    assert [b.keys for b in bursts] == [51]
    assert t.settled(30.0).keys == 29


def test_altgr_characters_are_not_recorded_as_shortcuts():
    t = BurstTracker(Settle(click=0.1, keys=0.1, scroll=0.1))
    t.key_down("alt_gr", 1.0)
    t.key_down("q", 1.0)  # '@' on a German layout: part of what is typed, never named
    t.key_up("alt_gr")
    assert t.settled(2.0).shortcuts == ()


def test_input_observer_counts_real_keys_and_shortcuts_without_the_text(on_display, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("typing target\n")
    on_display.xterm("input-target", text)
    events: queue.Queue = queue.Queue()
    observer = InputObserver(Settle(click=0.4, keys=0.4, scroll=0.4))
    observer.start(events.put)
    try:
        time.sleep(0.5)
        on_display.run("xdotool", "type", "--delay", "30", "sesame42")
        on_display.run("xdotool", "key", "ctrl+s", "alt+Tab")
        on_display.run("xdotool", "click", "1")
        bursts = []
        wait_for(lambda: bursts.append(events.get(timeout=3)) or sum(b.keys for b in bursts) >= 10, 15, what="a burst")
    finally:
        observer.stop()
        on_display.run("xdotool", "mousemove_relative", "1", "1", "key", "shift")  # lets pynput's threads end
    keys = sum(b.keys for b in bursts)
    shortcuts = [s for b in bursts for s in b.shortcuts]
    assert keys >= 10 and "ctrl+s" in shortcuts and "alt+tab" in shortcuts
    assert sum(b.clicks for b in bursts) >= 1
    assert "sesame42" not in repr(bursts)


def test_focus_observer_reports_app_and_title_of_the_active_window(on_display, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("focus\n")
    events: queue.Queue = queue.Queue()
    observer = FocusObserver(X11Backend(), poll_s=0.1)
    observer.start(events.put)
    try:
        on_display.xterm("focus-one", text)
        on_display.xterm("focus-two", text)
        seen = []
        wait_for(lambda: seen.append(events.get(timeout=3)) or seen[-1].title == "focus-two", 15, what="focus-two")
    finally:
        observer.stop()
    assert all(isinstance(e, FocusChange) for e in seen)
    assert seen[-1].app == "XTerm"


def test_screen_skips_a_frame_identical_to_the_last(on_display, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("still screen\n")
    on_display.xterm("still", text)
    time.sleep(0.5)
    screen, seen = Screen(), NearDuplicates(max_cells=0)
    [first] = screen.grab("test")
    assert first.image.size == (1280, 800) and seen.is_new(first)
    assert not seen.is_new(screen.grab("test")[0])
    on_display.xterm("changed", text)
    time.sleep(0.3)
    assert seen.is_new(screen.grab("test")[0])
    assert (seen.kept, seen.skipped) == (2, 1)
    screen.close()
