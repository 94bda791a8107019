"""Observers against a real X server: xdotool input, openbox focus, mss frames. How input bursts are cut and
named, without X: tests/unit/test_input_bursts.py."""

import queue
import time

import pytest

from gumd.observers.base import FocusChange
from gumd.observers.input import InputObserver, Settle
from gumd.observers.screen import NearDuplicates, Screen
from gumd.observers.window import FocusObserver, X11Backend
from tests.support.environment import wait_for


@pytest.fixture
def on_display(xserver, monkeypatch):
    monkeypatch.setenv("DISPLAY", xserver.display)
    return xserver


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
