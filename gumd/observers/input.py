"""Input activity through pynput: counts per burst and named shortcuts, never the characters typed."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

from gumd.observers.base import Emit, InputBurst, Observer

_MODIFIERS = {
    "ctrl": "ctrl", "ctrl_l": "ctrl", "ctrl_r": "ctrl",
    "alt": "alt", "alt_l": "alt", "alt_r": "alt",
    "cmd": "super", "cmd_l": "super", "cmd_r": "super",
    "shift": "shift", "shift_l": "shift", "shift_r": "shift",
}
_ORDER = ("ctrl", "alt", "super", "shift")
# AltGr is not a shortcut modifier: on many layouts it types characters ('@', '{', '€') that may be part of a password.


@dataclass(frozen=True)
class Settle:
    """Seconds without input after which a burst is over, by the kind of its last input, and the longest burst."""

    click: float = 0.3
    keys: float = 0.7
    scroll: float = 0.5
    longest: float = 10.0


def key_name(key, platform: str = sys.platform) -> str | None:
    """A stable lowercase name for a pynput key ('tab', 's', 'f5'); None when unknown."""
    name = getattr(key, "name", None)
    if name:
        return name
    char = getattr(key, "char", None)
    if char and char.isprintable():
        return char.lower()
    vk = getattr(key, "vk", None)
    if vk is not None and 0x20 < vk < 0x7F and platform != "darwin":  # X11 keysyms for ASCII equal the
        return chr(vk).lower()  # character; macOS key codes number the keys by place (0x01 is S) instead
    return None


class BurstTracker:
    """Folds single input events into bursts.

    A burst ends when no input came for the settle time of its last kind of
    input (a click settles sooner than typing), or once it has run for
    `Settle.longest` seconds, so that long typing still yields captures.
    A shortcut is a key pressed while ctrl, alt or super is held ("ctrl+s",
    "alt+tab"); shift alone is not, since shift+letter is typing.
    """

    def __init__(self, settle: Settle | None = None, began: threading.Event | None = None):
        self.settle = settle or Settle()
        self.began = began or threading.Event()  # set when a burst begins, so a waiter need not poll
        self._lock = threading.Lock()
        self._held: set[str] = set()
        self._reset()

    def _reset(self) -> None:
        self._start = self._last = 0.0
        self._wait = 0.0
        self._keys = self._clicks = self._scrolls = 0
        self._shortcuts: list[str] = []

    def _touch(self, now: float, wait: float) -> None:
        if not self._start:
            self._start = now
            self.began.set()
        self._last = now
        self._wait = wait

    def key_down(self, name: str | None, now: float) -> None:
        with self._lock:
            if name in _MODIFIERS:
                self._held.add(_MODIFIERS[name])
                return
            self._touch(now, self.settle.keys)
            self._keys += 1
            if name and self._held & {"ctrl", "alt", "super"}:
                mods = [m for m in _ORDER if m in self._held]
                self._shortcuts.append("+".join(mods + [name]))

    def key_up(self, name: str | None) -> None:
        with self._lock:
            if name in _MODIFIERS:
                self._held.discard(_MODIFIERS[name])

    def click(self, now: float) -> None:
        with self._lock:
            self._touch(now, self.settle.click)
            self._clicks += 1

    def scroll(self, now: float) -> None:
        with self._lock:
            self._touch(now, self.settle.scroll)
            self._scrolls += 1

    def due(self) -> float | None:
        """When the open burst will have settled or run too long, if no more input comes; None when none is open."""
        with self._lock:
            if not self._start:
                return None
            return min(self._last + self._wait, self._start + self.settle.longest)

    def settled(self, now: float) -> InputBurst | None:
        """The finished burst, once it settled or ran too long; else None."""
        with self._lock:
            if not self._start:
                return None
            if now - self._last < self._wait and now - self._start < self.settle.longest:
                return None
            burst = InputBurst(
                started_at=self._start, ended_at=self._last, keys=self._keys, clicks=self._clicks,
                scrolls=self._scrolls, shortcuts=tuple(self._shortcuts),
            )
            self._reset()
            return burst


class InputObserver(Observer):
    """pynput keyboard and mouse listeners feeding a BurstTracker; emits each settled burst."""

    def __init__(self, settle: Settle | None = None):
        self.tracker = BurstTracker(settle)
        self._stop = threading.Event()
        self._listeners: list = []
        self._thread: threading.Thread | None = None

    def start(self, emit: Emit) -> None:
        from pynput import keyboard, mouse  # imported lazily: pynput needs a display at import

        t = self.tracker
        self._listeners = [
            keyboard.Listener(
                on_press=lambda k: t.key_down(key_name(k), time.time()),
                on_release=lambda k: t.key_up(key_name(k)),
            ),
            mouse.Listener(
                on_click=lambda x, y, button, pressed: t.click(time.time()) if pressed else None,
                on_scroll=lambda x, y, dx, dy: t.scroll(time.time()),
            ),
        ]
        for listener in self._listeners:
            listener.daemon = True
            listener.start()
        self._thread = threading.Thread(target=self._run, args=(emit,), name="gumd-input", daemon=True)
        self._thread.start()

    def _run(self, emit: Emit) -> None:
        """Sleeps until a burst begins, then until it is due to settle (later input moves that on): no polling."""
        began = self.tracker.began
        while not self._stop.is_set():
            due = self.tracker.due()
            if due is None:
                began.wait()
                began.clear()
                continue
            self._stop.wait(max(due - time.time(), 0.0) + 0.01)
            burst = self.tracker.settled(time.time())
            if burst:
                emit(burst)

    def stop(self) -> None:
        self._stop.set()
        self.tracker.began.set()
        for listener in self._listeners:
            # Not joined: on Xorg a stopped pynput listener returns only at the next input
            # event (pynput issue #583); its threads are daemons and hold no gumd state.
            listener.stop()
        if self._thread:
            self._thread.join(timeout=2)
