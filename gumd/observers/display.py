"""The capture side's hold on the X display: the parts that talk to it, noticing that it went away, and the
reconnect.

Everything that holds an X connection (the window backend, the screen grabber, the focus, input and session
observers) is built together by one function and lives in one `DisplayParts`. When any of them finds the
display gone (the X server died, its socket closed), `DisplayLink` logs one line, stops them, says why in
`error`, and rebuilds them in a thread of its own, retrying with backoff (1 s doubling to 30 s) until the
display answers again; capture then resumes with no help.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from gumd.observers.base import Emit, Observer

if TYPE_CHECKING:  # screen and window import mss and Xlib, which need a display
    from gumd.observers.screen import Screen
    from gumd.observers.window import WindowBackend

log = logging.getLogger(__name__)


@dataclass
class DisplayParts:
    """Everything that holds a connection to one X display; `close()` drops them all."""

    backend: WindowBackend
    screen: Screen
    observers: list[Observer] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for observer in self.observers:
            try:
                observer.stop()
            except Exception:  # stopping an observer whose connection is dead may fail; it holds nothing else
                log.debug("stopping %s failed", type(observer).__name__, exc_info=True)
        for close in [self.screen.close, *self.closers, self.backend.close]:
            try:
                close()
            except Exception:
                log.debug("closing a display connection failed", exc_info=True)


def display_gone(error: BaseException) -> bool:
    """True for what a closed or unreachable X connection raises: python-xlib's connection errors, mss's (XCB)
    screenshot errors, and the socket's own."""
    from mss.exception import ScreenShotError
    from Xlib import error as xerror

    return isinstance(error, (xerror.ConnectionClosedError, xerror.DisplayError, ScreenShotError, ConnectionError))


class DisplayLink:
    """Keeps capture connected to the display: `start()` connects (its errors propagate, as at start-up they
    should); later losses are reported to `report()` and repaired in the background."""

    def __init__(self, build: Callable[[], DisplayParts], emit: Emit, first_retry_s: float = 1.0,
                 max_retry_s: float = 30.0):
        self._build = build
        self._emit = emit
        self.first_retry_s = first_retry_s
        self.max_retry_s = max_retry_s
        self.parts: DisplayParts | None = None
        self.error: str | None = None  # why capture cannot reach the display; None while it can
        self.losses = 0
        self._lock = threading.Lock()
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> str:
        return "connected" if self.error is None else "unreachable"

    def start(self, parts: DisplayParts | None = None) -> None:
        """Connect (or take `parts` already built) and start the observers; errors connecting propagate."""
        self._attach(parts or self._build())
        self._thread = threading.Thread(target=self._watch, name="gumd-display", daemon=True)
        self._thread.start()

    def report(self, error: BaseException, parts: DisplayParts | None = None) -> bool:
        """Anything that talks to the display tells its errors here; True when the error means the display is
        gone (then capture stops and a reconnect begins; only the first report is logged). `parts` is what the
        caller used: an error from parts already replaced is taken over and ignored."""
        if not display_gone(error):
            return False
        with self._lock:
            if parts is not None and parts is not self.parts:
                return True
            if self.error is None:
                self.losses += 1
                where = "the display" if sys.platform == "darwin" else f"the X display {os.environ.get('DISPLAY', '')}"
                self.error = f"cannot reach {where}: {type(error).__name__}: {error}"[:300]
                log.warning("%s; capture stops until it answers again (retrying, at most every %.0f s)",
                            self.error, self.max_retry_s)
                self._lost.set()
        return True

    def close(self) -> None:
        self._stop.set()
        self._lost.set()
        if self._thread:
            self._thread.join(timeout=5)
        with self._lock:
            parts, self.parts = self.parts, None
        if parts is not None:
            parts.close()

    def _attach(self, parts: DisplayParts) -> None:
        for observer in parts.observers:
            observer.on_error = lambda e, p=parts: self.report(e, p)
        with self._lock:
            self.parts = parts
        for observer in parts.observers:
            observer.start(self._emit)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._lost.wait()
            if self._stop.is_set():
                return
            with self._lock:
                parts, self.parts = self.parts, None
            if parts is not None:
                parts.close()
            lost_at, delay = time.monotonic(), self.first_retry_s
            while not self._stop.wait(delay):
                try:
                    parts = self._build()
                except Exception as e:  # still gone: the next try waits twice as long
                    log.debug("the X display still does not answer: %s", e)
                    delay = min(delay * 2, self.max_retry_s)
                    continue
                with self._lock:
                    self.error = None
                    self._lost.clear()
                self._attach(parts)
                log.info("capture reached the X display again after %.0f s", time.monotonic() - lost_at)
                break
