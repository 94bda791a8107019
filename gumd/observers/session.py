"""Whether the user is at the screen: active, idle (no input for a while) or locked.

On X11 the MIT-SCREEN-SAVER extension tells both: the server's idle counter
(reset by every real or XTest input event) and whether the screen saver or a
locker that uses it is on.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod

from gumd.observers.base import Emit, Observer, Presence

log = logging.getLogger(__name__)


class SessionBackend(ABC):
    @abstractmethod
    def idle_seconds(self) -> float:
        """Seconds since the last input event anywhere in the session."""

    @abstractmethod
    def locked(self) -> bool:
        """True while the screen is locked or blanked by the screen saver."""

    def close(self) -> None:
        """Release the connection to the session, if one is held."""


class X11SessionBackend(SessionBackend):
    """XScreenSaverQueryInfo through python-xlib."""

    def __init__(self, display: str | None = None):
        from Xlib import display as xdisplay
        from Xlib.ext import screensaver

        from gumd.observers.window import DisplayUnavailable

        try:
            self._d = xdisplay.Display(display)
        except Exception as e:  # Xlib raises several unrelated types for a missing display
            raise DisplayUnavailable(f"cannot open X display: {e}") from e
        if not self._d.has_extension("MIT-SCREEN-SAVER"):
            raise DisplayUnavailable("the X server lacks the MIT-SCREEN-SAVER extension gumd reads idle time from")
        self._query = screensaver.query_info
        self._root = self._d.screen().root

    def _info(self):
        return self._query(self._root)

    def idle_seconds(self) -> float:
        return self._info().idle / 1000.0

    def locked(self) -> bool:
        return self._info().state != 0  # ScreenSaverOff = 0; On = 1, Cycle = 2

    def close(self) -> None:
        try:
            self._d.close()
        except Exception:  # a connection the server closed cannot be closed cleanly
            log.debug("closing the X connection failed", exc_info=True)


class SessionObserver(Observer):
    """Polls the session and emits a Presence event whenever the state changes."""

    def __init__(self, backend: SessionBackend, idle_after_s: float, poll_s: float = 1.0):
        self.backend = backend
        self.idle_after_s = idle_after_s
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def state(self, now: float) -> Presence:
        idle = self.backend.idle_seconds()
        if self.backend.locked():
            return Presence(at=now, state="locked", since=now - idle)
        if idle >= self.idle_after_s:
            return Presence(at=now, state="idle", since=now - idle)
        return Presence(at=now, state="active", since=now - idle)

    def start(self, emit: Emit) -> None:
        self._thread = threading.Thread(target=self._run, args=(emit,), name="gumd-session", daemon=True)
        self._thread.start()

    def _run(self, emit: Emit) -> None:
        last, last_emit = None, 0.0
        keepalive = min(10.0, self.idle_after_s / 2)  # input the pipeline does not count (pointer moves) is presence too
        while not self._stop.is_set():
            try:
                p = self.state(time.time())
                if p.state != last or (p.state == "active" and p.at - last_emit >= keepalive):
                    last, last_emit = p.state, p.at
                    emit(p)
            except Exception as e:
                self.failed("reading the session state", e)
            self._stop.wait(self.poll_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
