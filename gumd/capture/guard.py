"""The exclusions applied at capture: an excluded focused window is not captured at all, and an excluded
window that shows elsewhere on screen is painted out of the frame."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from gumd.observers.base import FocusChange, Frame
from gumd.observers.window import WindowInfo
from gumd.privacy import Exclusions, blank


@dataclass(frozen=True)
class GuardStatus:
    excluded: int  # captures dropped because an excluded window had the focus or could not be placed
    frames_blanked: int  # frames with an excluded window painted out


class WindowGuard:
    """Applies `exclusions` (replaced when the user's rules change) to the focused window and to the visible
    windows that `windows()` lists, bottom to top (None where the platform cannot tell)."""

    def __init__(self, exclusions: Exclusions | None = None,
                 windows: Callable[[], list[WindowInfo] | None] | None = None):
        self.exclusions = exclusions or Exclusions()
        self.windows = windows
        self.excluded = 0
        self.blanked = 0

    def focus_excluded(self, focus: FocusChange | None) -> bool:
        return focus is not None and self.exclusions.excludes(focus.app, focus.title, focus.private)

    def visible(self) -> list[WindowInfo]:
        return (self.windows() or []) if self.windows else []

    def screen(self, frames: list[Frame], before: list[WindowInfo], after: list[WindowInfo]) -> list[Frame] | None:
        """`frames` with every excluded window in `before` or `after` painted out; None (counted as excluded)
        when an excluded window cannot be placed."""
        if any(w.rect is None for w in after if self._excluded(w)):
            self.excluded += 1  # an excluded window we cannot place: drop the whole frame
            return None
        if any(self._excluded(w) for w in before + after):
            original = frames
            for windows in (before, after):  # each bottom to top; excluded in either list is painted out
                stack = [(w.rect, self._excluded(w)) for w in windows if w.rect]
                frames = [blank(f, stack) for f in frames]
            self.blanked += sum(b is not f for b, f in zip(frames, original))
        return frames

    def _excluded(self, w: WindowInfo) -> bool:
        return self.exclusions.excludes(w.app, w.title, w.private)

    def status(self) -> GuardStatus:
        return GuardStatus(excluded=self.excluded, frames_blanked=self.blanked)
