"""The focused window (app and title), per platform behind `WindowBackend`, and the observer that polls it."""

from __future__ import annotations

import logging
import os
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass

from gumd.observers.base import Emit, FocusChange, Observer

log = logging.getLogger(__name__)


class DisplayUnavailable(RuntimeError):
    """No display gumd can watch; the message says what is missing."""


@dataclass(frozen=True)
class WindowInfo:
    app: str
    title: str
    pid: int | None = None


class WindowBackend(ABC):
    @abstractmethod
    def active_window(self) -> WindowInfo | None:
        """The focused window, or None when nothing has focus."""


class X11Backend(WindowBackend):
    """EWMH through python-xlib: _NET_ACTIVE_WINDOW, _NET_WM_NAME (else WM_NAME), WM_CLASS, _NET_WM_PID."""

    def __init__(self, display: str | None = None):
        from Xlib import X, display as xdisplay, error

        self._X, self._error = X, error
        try:
            self._d = xdisplay.Display(display)
        except Exception as e:  # Xlib raises several unrelated types for a missing display
            raise DisplayUnavailable(f"cannot open X display {display or os.environ.get('DISPLAY')!r}: {e}") from e
        self._root = self._d.screen().root
        atom = self._d.intern_atom
        self._active, self._name, self._pid = atom("_NET_ACTIVE_WINDOW"), atom("_NET_WM_NAME"), atom("_NET_WM_PID")
        self._utf8 = atom("UTF8_STRING")

    def active_window(self) -> WindowInfo | None:
        try:
            prop = self._root.get_full_property(self._active, self._X.AnyPropertyType)
            if not prop or not prop.value or not prop.value[0]:
                return None
            win = self._d.create_resource_object("window", prop.value[0])
            name = win.get_full_property(self._name, self._utf8)
            title = name.value.decode("utf-8", "replace") if name and name.value else (win.get_wm_name() or "")
            if isinstance(title, bytes):
                title = title.decode("latin-1", "replace")
            cls = win.get_wm_class()
            pid = win.get_full_property(self._pid, self._X.AnyPropertyType)
            return WindowInfo(
                app=(cls[1] if cls else "") or "",
                title=title,
                pid=int(pid.value[0]) if pid and len(pid.value) else None,
            )
        except self._error.XError:  # the window vanished between the two calls
            return None


def default_backend() -> WindowBackend:
    """The backend for this session; raises DisplayUnavailable where none works."""
    if os.environ.get("DISPLAY"):
        return X11Backend()
    if os.environ.get("WAYLAND_DISPLAY"):
        raise DisplayUnavailable("Wayland without XWayland is not supported yet: set DISPLAY or run under X11")
    raise DisplayUnavailable("no display: set DISPLAY (X11) to let gumd watch the screen, or run with --no-capture")


class FocusObserver(Observer):
    """Polls the focused window and emits a FocusChange whenever app or title changes."""

    def __init__(self, backend: WindowBackend, poll_s: float = 0.5):
        self.backend = backend
        self.poll_s = poll_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, emit: Emit) -> None:
        self._thread = threading.Thread(target=self._run, args=(emit,), name="gumd-focus", daemon=True)
        self._thread.start()

    def _run(self, emit: Emit) -> None:
        last: tuple[str, str] | None = None
        while not self._stop.is_set():
            try:
                info = self.backend.active_window()
            except Exception:
                log.exception("reading the focused window failed")
                info = None
            if info is not None and (info.app, info.title) != last:
                last = (info.app, info.title)
                emit(FocusChange(at=time.time(), app=info.app, title=info.title))
            self._stop.wait(self.poll_s)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
