"""Windows on screen (the focused one, and every visible one with its place), per platform behind `WindowBackend`
(X11 here, macOS in gumd.observers.macos; gumd.observers.platform chooses).

The focus observer polls the focused window and emits a FocusChange when app or
title changes. The pipeline asks `visible_windows()` right before and after a
screenshot, so that an excluded window is blanked wherever it shows, not only
when it has focus.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import lru_cache

from gumd.observers.base import Emit, FocusChange, Observer

log = logging.getLogger(__name__)

BROWSERS = {"chromium", "chromium-browser", "google-chrome", "firefox", "firefox-esr", "brave-browser",
            "microsoft-edge", "vivaldi-stable", "opera", "librewolf", "navigator"}
# A browser launched in private mode says so only on its command line (Chromium's incognito windows carry no X hint).
PRIVATE_FLAGS = {"--incognito", "-incognito", "--private-window", "-private-window", "-private", "--inprivate"}
_BROWSER_SUFFIX = re.compile(r"\s[-—–]\s[^-—–]*$")
# Screen lockers by WM_CLASS (instance or class, lowercased). While one shows, nothing is captured.
LOCKERS = {"i3lock", "xscreensaver", "xsecurelock", "light-locker", "xlock", "xtrlock", "slock", "physlock",
           "gnome-screensaver", "mate-screensaver", "cinnamon-screensaver", "xfce4-screensaver",
           "kscreenlocker_greet", "lightdm-gtk-greeter", "unity-greeter", "xss-lock"}


class DisplayUnavailable(RuntimeError):
    """No display gumd can watch; the message says what is missing."""


@dataclass(frozen=True)
class WindowInfo:
    """A top-level window: app (X11: WM_CLASS class; macOS: the owning app's name), title, and where it is on the
    virtual screen, frame included."""

    app: str
    title: str
    pid: int | None = None
    rect: tuple[int, int, int, int] | None = None  # left, top, width, height
    private: bool = False  # its process runs in a browser's private mode


def page_title(app: str, title: str) -> str:
    """The web page's title inside a browser window title ('Inbox - Mail - Chromium' -> 'Inbox - Mail'); '' elsewhere."""
    if app.lower() not in BROWSERS:
        return ""
    return _BROWSER_SUFFIX.sub("", title).strip()


def _command_line(pid: int) -> list[str]:
    """A process's arguments: from /proc where there is one (Linux), else from `ps` (macOS); [] when gone."""
    if os.path.isdir("/proc/self"):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                return f.read().decode("utf-8", "replace").split("\0")
        except OSError:
            return []
    try:
        ps = subprocess.run(["ps", "-ww", "-o", "command=", "-p", str(pid)], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return ps.stdout.split()


@lru_cache(maxsize=256)
def _runs_private(pid: int | None) -> bool:
    return bool(pid) and any(a in PRIVATE_FLAGS for a in _command_line(pid))


class WindowBackend(ABC):
    @abstractmethod
    def active_window(self) -> WindowInfo | None:
        """The focused window, or None when nothing has focus."""

    def visible_windows(self) -> list[WindowInfo] | None:
        """Every window that may show on screen now; None where the platform cannot tell."""
        return None

    def pointer(self) -> tuple[int, int] | None:
        """Where the mouse pointer is on the virtual screen, if the platform tells."""
        return None

    def locker(self) -> str | None:
        """The name of a screen locker that shows now (X11: its WM_CLASS), or None (also where the platform cannot
        tell)."""
        return None

    events = False  # True when wait_for_change returns on a change rather than after its timeout

    def wait_for_change(self, timeout: float, stop: threading.Event) -> None:
        """Block until the focused window or its title may have changed, `timeout` passed, or `stop` is set."""
        stop.wait(timeout)

    def wake(self) -> None:
        """End a wait_for_change early (from another thread)."""

    def close(self) -> None:
        """Release the connection to the window system, if one is held."""


class X11Backend(WindowBackend):
    """EWMH through python-xlib: _NET_ACTIVE_WINDOW, _NET_CLIENT_LIST_STACKING, _NET_WM_NAME (else WM_NAME),
    WM_CLASS, _NET_WM_PID, _NET_FRAME_EXTENTS, _NET_WM_STATE and _NET_WM_DESKTOP."""

    def __init__(self, display: str | None = None):
        from Xlib import X, display as xdisplay, error

        self._X, self._error = X, error
        try:
            self._d = xdisplay.Display(display)
        except Exception as e:  # Xlib raises several unrelated types for a missing display
            raise DisplayUnavailable(f"cannot open X display {display or os.environ.get('DISPLAY')!r}: {e}") from e
        self._lock = threading.Lock()  # one Display is not safe to share between threads
        self._display_name = display
        self._events_display = None  # a second connection, for the thread that waits for changes
        self._watched = 0
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._root = self._d.screen().root
        atom = self._d.intern_atom
        self._active, self._name, self._pid = atom("_NET_ACTIVE_WINDOW"), atom("_NET_WM_NAME"), atom("_NET_WM_PID")
        self._stacking, self._state, self._hidden = (
            atom("_NET_CLIENT_LIST_STACKING"), atom("_NET_WM_STATE"), atom("_NET_WM_STATE_HIDDEN"))
        self._desktop, self._current_desktop = atom("_NET_WM_DESKTOP"), atom("_NET_CURRENT_DESKTOP")
        self._extents, self._utf8 = atom("_NET_FRAME_EXTENTS"), atom("UTF8_STRING")

    def _cardinals(self, win, atom) -> list[int]:
        prop = win.get_full_property(atom, self._X.AnyPropertyType)
        return list(prop.value) if prop and len(prop.value) else []

    def _info(self, win, with_rect: bool) -> WindowInfo:
        name = win.get_full_property(self._name, self._utf8)
        title = name.value.decode("utf-8", "replace") if name and name.value else (win.get_wm_name() or "")
        if isinstance(title, bytes):
            title = title.decode("latin-1", "replace")
        cls = win.get_wm_class()
        pids = self._cardinals(win, self._pid)
        pid = int(pids[0]) if pids else None
        rect = None
        if with_rect:
            geo = win.get_geometry()
            pos = self._root.translate_coords(win, 0, 0)
            left, right, top, bottom = (self._cardinals(win, self._extents) + [0, 0, 0, 0])[:4]
            rect = (pos.x - left, pos.y - top, geo.width + left + right, geo.height + top + bottom)
        return WindowInfo(app=(cls[1] if cls else "") or "", title=title, pid=pid, rect=rect, private=_runs_private(pid))

    def active_window(self) -> WindowInfo | None:
        with self._lock:
            try:
                ids = self._cardinals(self._root, self._active)
                if not ids or not ids[0]:
                    return None
                return self._info(self._d.create_resource_object("window", ids[0]), with_rect=True)
            except self._error.XError:  # the window vanished between two calls
                return None

    def visible_windows(self) -> list[WindowInfo]:
        with self._lock:
            desktop = (self._cardinals(self._root, self._current_desktop) or [0])[0]
            out = []
            for wid in self._cardinals(self._root, self._stacking):
                try:
                    win = self._d.create_resource_object("window", wid)
                    if win.get_attributes().map_state != self._X.IsViewable:
                        continue
                    if self._hidden in self._cardinals(win, self._state):
                        continue
                    on = self._cardinals(win, self._desktop)
                    if on and on[0] not in (desktop, 0xFFFFFFFF):
                        continue
                    out.append(self._info(win, with_rect=True))
                except self._error.XError:
                    continue
            return out

    def pointer(self) -> tuple[int, int] | None:
        with self._lock:
            p = self._root.query_pointer()
            return (p.root_x, p.root_y)

    def locker(self) -> str | None:
        """A locker among the mapped windows: override-redirect ones on the root (i3lock, xscreensaver) and
        managed ones (EWMH client list), by WM_CLASS."""
        with self._lock:
            managed = self._cardinals(self._root, self._stacking)
            children = [c.id for c in self._root.query_tree().children]
            for wid in children + managed:
                try:
                    win = self._d.create_resource_object("window", wid)
                    attrs = win.get_attributes()
                    if attrs.map_state != self._X.IsViewable or (wid in children and not attrs.override_redirect):
                        continue  # a root child that is not override-redirect is a WM frame: its client is managed
                    for name in win.get_wm_class() or ():
                        if name and name.lower() in LOCKERS:
                            return name.lower()
                except self._error.XError:
                    continue
            return None

    events = True

    def wait_for_change(self, timeout: float, stop: threading.Event) -> None:
        """Sleeps on the X connection until a property of the root (_NET_ACTIVE_WINDOW) or of the focused window
        (its title) changes: no polling while nothing happens."""
        import select

        from Xlib import display as xdisplay

        if stop.is_set():
            return
        if self._events_display is None:
            self._events_display = xdisplay.Display(self._display_name)
            self._events_display.screen().root.change_attributes(event_mask=self._X.PropertyChangeMask)
        d = self._events_display
        prop = d.screen().root.get_full_property(self._active, self._X.AnyPropertyType)
        active = int(prop.value[0]) if prop and len(prop.value) else 0
        if active and active != self._watched:  # its title changes come as PropertyNotify on it
            d.create_resource_object("window", active).change_attributes(
                event_mask=self._X.PropertyChangeMask, onerror=lambda *_: None)
            self._watched = active
        d.flush()
        if not d.pending_events():
            select.select([d, self._wake_r], [], [], timeout)
            stop.wait(0.05)  # a focus change comes as several property changes: take them as one
        while d.pending_events():
            d.next_event()
        try:
            while os.read(self._wake_r, 64):
                pass
        except BlockingIOError:
            pass

    def wake(self) -> None:
        os.write(self._wake_w, b"x")

    def close(self) -> None:
        """Drop the connection to the X server (it may be gone already)."""
        with self._lock:
            for d in (self._d, self._events_display):
                try:
                    if d is not None:
                        d.close()
                except Exception:  # a connection the server closed cannot be closed cleanly
                    log.debug("closing the X connection failed", exc_info=True)
            self._events_display = None


def default_backend() -> WindowBackend:
    """The backend for this session; raises DisplayUnavailable where none works."""
    if os.environ.get("DISPLAY"):
        return X11Backend()
    if os.environ.get("WAYLAND_DISPLAY"):
        raise DisplayUnavailable("Wayland without XWayland is not supported yet: set DISPLAY or run under X11")
    raise DisplayUnavailable("no display: set DISPLAY (X11) to let gumd watch the screen, or run with --no-capture")


class FocusObserver(Observer):
    """Reads the focused window whenever the backend says it may have changed (else every `poll_s`) and emits a
    FocusChange whenever app or title changes; with an event-driven backend it also reads every 30 s."""

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
            except Exception as e:
                self.failed("reading the focused window", e)
                info = None
            if info is not None and (info.app, info.title) != last:
                last = (info.app, info.title)
                emit(FocusChange(at=time.time(), app=info.app, title=info.title,
                                 page_title=page_title(info.app, info.title), private=info.private))
            try:
                self.backend.wait_for_change(30.0 if self.backend.events else self.poll_s, self._stop)
            except Exception as e:
                self.failed("waiting for a window change", e)
                self._stop.wait(self.poll_s)

    def stop(self) -> None:
        self._stop.set()
        self.backend.wake()
        if self._thread:
            self._thread.join(timeout=2)
