"""The pipeline's view of the display (X11 or macOS, gumd.observers.platform): every monitor grabbed, the
visible windows, a screen locker; and the link that notices the display going away and reconnects
(gumd.observers.display)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

from gumd.config import Settings
from gumd.observers.base import Emit, Frame
from gumd.observers.display import DisplayLink, DisplayParts
from gumd.observers.platform import Desktop, missing_permissions, open_desktop
from gumd.observers.window import WindowInfo

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class DisplayStatus:
    display: str | None  # connected | unreachable; None when capture is off
    error: str | None  # why capture cannot reach the display


def display_parts(settings: Settings, desktop: Callable[[], Desktop] = open_desktop) -> DisplayParts:
    """Everything that talks to the display, connected: window backend, screen, and the observers, over the
    desktop that `desktop()` opens (this platform's by default)."""
    from gumd.observers.input import InputObserver, Settle
    from gumd.observers.session import SessionObserver
    from gumd.observers.window import FocusObserver

    s = settings
    opened = desktop()
    try:
        opened.screen.monitors()  # connect now: a display that is gone fails here, not at the first grab
    except Exception:
        opened.close()
        raise
    settle = Settle(click=s.capture_settle_click_s, keys=s.capture_settle_keys_s, scroll=s.capture_settle_scroll_s)
    parts = DisplayParts(opened.windows, opened.screen,
                         [FocusObserver(opened.windows, s.window_poll_s), InputObserver(settle)])
    if opened.session is not None:
        parts.observers.append(SessionObserver(opened.session, s.capture_idle_s))
        parts.closers.append(opened.session.close)
    return parts


class Display:
    """The display for capture, connected at construction so that a missing one stops start-up with its reason
    (DisplayUnavailable); start() starts its observers, which `emit` their events; stop() lets it go."""

    def __init__(self, settings: Settings, emit: Emit, connect: Callable[[Settings], DisplayParts] = display_parts):
        self._first: DisplayParts | None = connect(settings)
        for line in missing_permissions():  # the OS asks the user for these; capture takes what it can meanwhile
            log.warning("capture: %s", line)
        self.link = DisplayLink(lambda: connect(settings), emit)

    def start(self) -> None:
        first, self._first = self._first, None
        self.link.start(first)

    def stop(self) -> None:
        self.link.close()

    def grab(self, reason: str) -> list[Frame] | None:
        """Every monitor, the one holding the focused window (else the pointer) first; None while the display
        cannot be reached."""
        def grab(parts: DisplayParts) -> list[Frame]:
            focused = parts.backend.active_window()
            if focused is not None and focused.rect is not None:
                left, top, width, height = focused.rect
                first = (left + width // 2, top + height // 2)
            else:
                first = parts.backend.pointer()
            return parts.screen.grab(reason, first)

        return self._use(grab)

    def visible_windows(self) -> list[WindowInfo] | None:
        return self._use(lambda parts: parts.backend.visible_windows())

    def locker(self) -> str | None:
        """A screen locker's name while one shows (X11: its WM_CLASS; macOS: loginwindow); None when none does
        or the display cannot be reached."""
        return self._use(lambda parts: parts.backend.locker())

    def thread_died(self, error: BaseException | None) -> bool:
        """True when an exception no thread caught means the display went away (pynput's listeners die so)."""
        return error is not None and self.link.report(error)

    def status(self) -> DisplayStatus:
        return DisplayStatus(display=self.link.state, error=self.link.error)

    def _use(self, use: Callable[[DisplayParts], T]) -> T | None:
        """use(parts) on the display; None while it cannot be reached (the link reports the failure)."""
        parts = self.link.parts
        if parts is None:
            return None
        try:
            return use(parts)
        except Exception as e:
            if self.link.report(e, parts):
                return None
            raise


def log_thread_deaths(display: Display | None) -> Callable[[threading.ExceptHookArgs], Any]:
    """A threading.excepthook: an exception no thread caught goes to the display link when the display went
    away, else to the log with its traceback."""
    def died(args: threading.ExceptHookArgs) -> None:
        if display is not None and display.thread_died(args.exc_value):
            return
        log.error("thread %s died", getattr(args.thread, "name", "?"),
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
    return died
