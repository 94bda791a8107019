"""Whether the user is there: active, idle (no input for `idle_s`) or locked, and the screen locker's window."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PresenceStatus:
    presence: str  # active | idle | locked
    locked_skips: int  # captures not taken because a screen locker showed


class UserPresence:
    """The presence state the pipeline captures in, from input, the session's reports and the locker.

    `locker()` names a screen locker's window while one shows (None when none does or it cannot be told).
    """

    def __init__(self, idle_s: float = 120.0, locker: Callable[[], str | None] | None = None):
        self.idle_s = idle_s
        self.locker = locker
        self.state = "active"
        self.last_activity: float | None = None
        self.locker_shown = False  # a screen locker showed at the last capture: no focus span until it goes
        self.locked_skips = 0

    @property
    def active(self) -> bool:
        return self.state == "active"

    def input_at(self, at: float) -> bool:
        """Input at `at`; True when it makes an absent user active again."""
        self.last_activity = max(self.last_activity or at, at)
        if self.state == "active":
            return False
        self.state = "active"
        return True

    def idle_due(self, now: float) -> bool:
        """True when an active user has given no input for `idle_s`."""
        return self.active and (self.last_activity is None or now - self.last_activity >= self.idle_s)

    def locker_showing(self) -> bool:
        """True when a screen locker's window shows (counted as a capture skipped); logged when it appears."""
        name = self.locker() if self.locker is not None else None
        if not name:
            self.locker_shown = False
            return False
        if not self.locker_shown:
            log.info("a screen locker shows (%s): no capture until it goes", name)
        self.locker_shown = True
        self.locked_skips += 1
        return True

    def status(self) -> PresenceStatus:
        return PresenceStatus(presence=self.state, locked_skips=self.locked_skips)
