"""A scripted stand-in for the part of PyObjC gumd calls on a Mac, for the tests that run where no Mac is.

It answers in the documented shapes: CGWindowListCopyWindowInfo gives window dictionaries front to back with
their real keys (kCGWindowOwnerName, kCGWindowName, kCGWindowLayer, kCGWindowBounds, kCGWindowIsOnscreen,
kCGWindowOwnerPID, kCGWindowSharingState, kCGWindowNumber), omits kCGWindowName as macOS does without Screen
Recording, leaves out windows that are not on screen when asked for on-screen ones only, and omits
kCGWindowIsOnscreen where it would be false. The constants carry CoreGraphics' values.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace

from gumd.observers.macos import MacAPI

# CGWindow.h, CGEventTypes.h, CGEventSource.h
ON_SCREEN_ONLY, EXCLUDE_DESKTOP_ELEMENTS, NULL_WINDOW = 1 << 0, 1 << 4, 0
COMBINED_SESSION_STATE, ANY_INPUT_EVENT = 0, 0xFFFFFFFF
SHARING_NONE, SHARING_READ_ONLY = 0, 1
DESKTOP_LAYER, DESKTOP_ICON_LAYER = -2147483623, -2147483603  # kCGDesktopWindowLevel, kCGDesktopIconWindowLevel


@dataclass
class ScriptedWindow:
    owner: str
    title: str
    pid: int
    bounds: tuple[int, int, int, int]
    layer: int = 0
    on_screen: bool = True  # False: minimised, or on another Space
    sharing: int = SHARING_READ_ONLY
    number: int = 0

    def as_dictionary(self, screen_recording: bool) -> dict:
        x, y, w, h = self.bounds
        d = {"kCGWindowOwnerName": self.owner, "kCGWindowOwnerPID": self.pid, "kCGWindowLayer": self.layer,
             "kCGWindowBounds": {"X": float(x), "Y": float(y), "Width": float(w), "Height": float(h)},
             "kCGWindowSharingState": self.sharing, "kCGWindowNumber": self.number, "kCGWindowAlpha": 1.0,
             "kCGWindowStoreType": 1, "kCGWindowMemoryUsage": 1024}
        if self.on_screen:
            d["kCGWindowIsOnscreen"] = True
        if screen_recording:
            d["kCGWindowName"] = self.title
        return d


@dataclass
class ScriptedMac:
    """The desktop the stand-in reports: windows front to back, the frontmost app's pid, the last input, the
    lock, the pointer and the permissions; change them and the API answers accordingly."""

    windows: list[ScriptedWindow] = field(default_factory=list)
    frontmost: int | None = None
    last_input: float = field(default_factory=time.monotonic)
    locked: bool = False
    on_console: bool = True
    pointer: tuple[float, float] = (0.0, 0.0)
    screen_recording: bool = True
    accessibility: bool = True
    input_monitoring: bool | None = True

    def open(self, owner: str, title: str, pid: int, bounds=(100, 100, 600, 400), **kwargs) -> ScriptedWindow:
        """A window shown in front of the others, its app made frontmost."""
        window = ScriptedWindow(owner, title, pid, bounds, number=len(self.windows) + 1, **kwargs)
        self.windows.insert(0, window)
        self.frontmost = pid
        return window

    def api(self) -> MacAPI:
        quartz = SimpleNamespace(
            kCGWindowListOptionOnScreenOnly=ON_SCREEN_ONLY,
            kCGWindowListExcludeDesktopElements=EXCLUDE_DESKTOP_ELEMENTS, kCGNullWindowID=NULL_WINDOW, kCGEventSourceStateCombinedSessionState=COMBINED_SESSION_STATE,
            kCGAnyInputEventType=ANY_INPUT_EVENT,
            CGWindowListCopyWindowInfo=self._window_list,
            CGEventSourceSecondsSinceLastEventType=self._seconds_since,
            CGSessionCopyCurrentDictionary=self._session,
            CGEventCreate=lambda source: SimpleNamespace(location=self.pointer),
            CGEventGetLocation=lambda event: SimpleNamespace(x=event.location[0], y=event.location[1]),
            CGPreflightScreenCaptureAccess=lambda: self.screen_recording,
        )
        workspace = SimpleNamespace(frontmostApplication=self._frontmost)
        return MacAPI(quartz, workspace, lambda: self.accessibility, lambda: self.input_monitoring)

    def _window_list(self, option: int, relative_to: int) -> tuple[dict, ...]:
        assert relative_to == NULL_WINDOW
        shown = [w for w in self.windows if w.on_screen or not option & ON_SCREEN_ONLY]
        if option & EXCLUDE_DESKTOP_ELEMENTS:
            shown = [w for w in shown if w.layer != DESKTOP_ICON_LAYER]  # Finder's desktop icons
        return tuple(w.as_dictionary(self.screen_recording) for w in shown)

    def _seconds_since(self, state: int, event_type: int) -> float:
        assert (state, event_type) == (COMBINED_SESSION_STATE, ANY_INPUT_EVENT)
        return time.monotonic() - self.last_input

    def _session(self) -> dict:
        session = {"kCGSSessionUserIDKey": 501, "kCGSSessionOnConsoleKey": self.on_console,
                   "kCGSessionLoginDoneKey": True, "kCGSSessionUserNameKey": "user"}
        if self.locked:
            session["CGSSessionScreenIsLocked"] = True
        return session

    def _frontmost(self):
        if self.frontmost is None:
            return None
        owner = next((w.owner for w in self.windows if w.pid == self.frontmost), "Finder")
        return SimpleNamespace(processIdentifier=lambda: self.frontmost, localizedName=lambda: owner)
