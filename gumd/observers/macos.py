"""macOS through its own APIs (PyObjC): windows from Quartz Window Services, the frontmost app from NSWorkspace,
idle time from CGEventSource, the lock from the session dictionary, and the permissions the OS asks for.

Every call goes through a `MacAPI`; `system_api()` builds the real one and is the only place PyObjC is
imported, so this module imports on any platform (the tests drive it with a scripted stand-in).
"""

from __future__ import annotations

import ctypes
import ctypes.util
from dataclasses import dataclass
from typing import Any, Callable

from gumd.observers.session import SessionBackend
from gumd.observers.window import DisplayUnavailable, WindowBackend, WindowInfo, _runs_private

SHARING_NONE = 0  # kCGWindowSharingNone: the window's pixels never reach a screenshot
NORMAL_LAYER = 0  # kCGNormalWindowLevel: app windows; the menu bar, Dock and panels sit above, the desktop below
LOCKER = "loginwindow"  # the process that shows the lock screen
SETTINGS = "System Settings > Privacy & Security > "
PYOBJC = "pip install pyobjc-framework-Quartz pyobjc-framework-Cocoa pyobjc-framework-ApplicationServices"


@dataclass(frozen=True)
class MacAPI:
    """What gumd calls on a Mac: the Quartz module (CoreGraphics), the shared NSWorkspace, and the
    Accessibility and Input Monitoring checks (each True, False, or None where it cannot be asked)."""

    quartz: Any
    workspace: Any
    accessibility: Callable[[], bool | None]
    input_monitoring: Callable[[], bool | None]


def system_api() -> MacAPI:
    """The real API through PyObjC; DisplayUnavailable says what to install where it is missing."""
    try:
        import Quartz
        from AppKit import NSWorkspace
        from ApplicationServices import AXIsProcessTrusted
    except ImportError as e:
        raise DisplayUnavailable(f"PyObjC is missing ({e}): {PYOBJC}") from e
    return MacAPI(Quartz, NSWorkspace.sharedWorkspace(), lambda: bool(AXIsProcessTrusted()), _input_monitoring)


def _input_monitoring() -> bool | None:
    """IOHIDCheckAccess(kIOHIDRequestTypeListenEvent): 0 is granted. PyObjC does not wrap it."""
    path = ctypes.util.find_library("IOKit")
    if path is None:
        return None
    check = getattr(ctypes.cdll.LoadLibrary(path), "IOHIDCheckAccess", None)
    if check is None:  # before macOS 10.15 there was no such permission
        return True
    check.restype, check.argtypes = ctypes.c_int, [ctypes.c_int]
    return check(1) == 0


@dataclass(frozen=True)
class Permission:
    """One permission the OS asks the user for: granted (None: could not be checked), what is lost without
    it, and how to grant it."""

    name: str
    granted: bool | None
    without: str
    how: str


def permissions(api: MacAPI) -> list[Permission]:
    """Screen Recording, Accessibility and Input Monitoring, as macOS reports them for this process."""
    preflight = getattr(api.quartz, "CGPreflightScreenCaptureAccess", None)  # macOS 10.15 and later
    app = "the app that runs gumd (your terminal, or python3 for the launchd agent), then restart gumd"
    return [
        Permission("screen recording", bool(preflight()) if preflight else None,
                   "window titles are blank and screenshots show only the desktop",
                   f"turn on {app} in {SETTINGS}Screen & System Audio Recording (\"Screen Recording\" "
                   "before macOS 15)"),
        Permission("accessibility", api.accessibility(), "no input counts: captures come on the heartbeat only",
                   f"turn on {app} in {SETTINGS}Accessibility"),
        Permission("input monitoring", api.input_monitoring(), "no key counts or shortcuts",
                   f"turn on {app} in {SETTINGS}Input Monitoring"),
    ]


def screen_locked(quartz: Any) -> bool:
    """True while the lock screen shows, or this user's session is not the one on the console (fast user
    switching); also where there is no GUI session to read."""
    session = quartz.CGSessionCopyCurrentDictionary()
    if session is None:
        return True
    return bool(session.get("CGSSessionScreenIsLocked", False)) or not session.get("kCGSSessionOnConsoleKey", True)


def _info(window: Any) -> WindowInfo:
    bounds = window.get("kCGWindowBounds") or {}
    rect = (int(bounds["X"]), int(bounds["Y"]), int(bounds["Width"]), int(bounds["Height"])) if bounds else None
    pid = int(window["kCGWindowOwnerPID"])
    return WindowInfo(app=str(window.get("kCGWindowOwnerName") or ""), title=str(window.get("kCGWindowName") or ""),
                      pid=pid, rect=rect, private=_runs_private(pid))


class MacWindowBackend(WindowBackend):
    """Quartz's on-screen window list (front to back; windows on other Spaces and minimised ones are not on
    screen) and NSWorkspace's frontmost app. Titles are blank without Screen Recording."""

    def __init__(self, api: MacAPI):
        self._api = api

    def _on_screen(self) -> list[Any]:
        """Windows that can show in a screenshot, front to back: on screen, not below the normal layer (the
        desktop), and not withheld from capture (a withheld window shows what lies under it instead)."""
        q = self._api.quartz
        listed = q.CGWindowListCopyWindowInfo(
            q.kCGWindowListOptionOnScreenOnly | q.kCGWindowListExcludeDesktopElements, q.kCGNullWindowID) or []
        return [w for w in listed if w.get("kCGWindowIsOnscreen")
                and w.get("kCGWindowLayer", NORMAL_LAYER) >= NORMAL_LAYER
                and w.get("kCGWindowSharingState") != SHARING_NONE]

    def active_window(self) -> WindowInfo | None:
        """The frontmost app's top normal window; the app alone (no title, no place) when it shows none."""
        app = self._api.workspace.frontmostApplication()
        if app is None:
            return None
        pid = int(app.processIdentifier())
        for window in self._on_screen():
            if window["kCGWindowOwnerPID"] == pid and window.get("kCGWindowLayer") == NORMAL_LAYER:
                return _info(window)
        return WindowInfo(app=str(app.localizedName() or ""), title="", pid=pid, private=_runs_private(pid))

    def visible_windows(self) -> list[WindowInfo]:
        return [_info(w) for w in reversed(self._on_screen())]  # bottom to top, as the guard stacks them

    def pointer(self) -> tuple[int, int] | None:
        q = self._api.quartz
        at = q.CGEventGetLocation(q.CGEventCreate(None))
        return (int(at.x), int(at.y))

    def locker(self) -> str | None:
        return LOCKER if screen_locked(self._api.quartz) else None


class MacSessionBackend(SessionBackend):
    """Idle time from CGEventSource's combined session state; the lock from the session dictionary."""

    def __init__(self, api: MacAPI):
        self._quartz = api.quartz

    def idle_seconds(self) -> float:
        q = self._quartz
        return float(q.CGEventSourceSecondsSinceLastEventType(q.kCGEventSourceStateCombinedSessionState,
                                                              q.kCGAnyInputEventType))

    def locked(self) -> bool:
        return screen_locked(self._quartz)
