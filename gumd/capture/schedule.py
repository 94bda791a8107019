"""When to capture: at most one capture per minimum interval, a slow heartbeat, and a CPU budget.

A capture asked for inside the minimum interval, or while the budget is spent, is deferred, not lost: it is
taken once both allow it, and then shows the screen as it is at that moment.
"""

from __future__ import annotations

import resource
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator


def capture_cpu_seconds() -> float:
    """CPU seconds of the calling thread plus those of child processes waited for (a `tesseract` command)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.thread_time() + children.ru_utime + children.ru_stime


class CpuBudget:
    """The capture path's CPU time over a sliding window of `window_s` seconds, against `share` of one core.

    A capture is allowed when the CPU spent in the window plus what a capture costs (the mean of the last 8)
    stays within share x window_s, so the budget is not overshot by the capture that crosses it. The captures
    that spent it age out of the window; a deferred capture waits at most about window_s. A share of 0 turns
    the budget off.
    """

    def __init__(self, share: float, window_s: float = 300.0):
        self.share = share
        self.window_s = window_s
        self._spent: deque[tuple[float, float]] = deque()  # (when, CPU seconds)
        self._costs: deque[float] = deque(maxlen=8)
        self._lock = threading.Lock()  # the API reads `used` from its own thread

    def spend(self, at: float, cpu_s: float) -> None:
        with self._lock:
            self._spent.append((at, max(cpu_s, 0.0)))
            self._costs.append(max(cpu_s, 0.0))

    def _expire(self, now: float) -> None:
        while self._spent and self._spent[0][0] <= now - self.window_s:
            self._spent.popleft()

    def _over(self, now: float) -> float:
        """CPU seconds by which one more capture now would exceed the allowance (<= 0: it fits)."""
        allowance = self.share * self.window_s
        estimate = min(sum(self._costs) / len(self._costs), allowance) if self._costs else 0.0
        self._expire(now)
        return sum(cpu for _, cpu in self._spent) + estimate - allowance

    def used(self, now: float) -> float:
        """The share of one core the capture path used over the window ending now."""
        with self._lock:
            self._expire(now)
            return sum(cpu for _, cpu in self._spent) / self.window_s

    def allows(self, now: float) -> bool:
        if self.share <= 0:
            return True
        with self._lock:
            return self._over(now) <= 1e-9

    def wait_s(self, now: float) -> float:
        """Seconds until `allows` is True again (0 when it is now)."""
        if self.allows(now):
            return 0.0
        with self._lock:
            over = self._over(now)
            for at, cpu in self._spent:  # oldest first: the window drops them in this order
                over -= cpu
                if over <= 1e-9:
                    return at + self.window_s - now
        return 0.0


@dataclass(frozen=True)
class ScheduleStatus:
    frames_deferred: int  # captures put off because the CPU budget was spent (taken later, not lost)
    deferred_wait_s: float  # summed over deferred captures: how much later than asked they were taken
    deferred_wait_max_s: float
    cpu_s: float  # CPU seconds of the capture path (grab, checks, OCR, redaction, the write)
    cpu_share: float  # share of one core used over the budget's window
    cpu_budget: float  # the budget's share; 0 = no budget


class Schedule:
    """Decides whether a capture asked for now is taken, deferred, or due on a tick; meters its CPU time."""

    def __init__(self, min_interval_s: float = 2.0, heartbeat_s: float = 30.0, budget: CpuBudget | None = None,
                 cpu_clock: Callable[[], float] = capture_cpu_seconds):
        self.min_interval_s = min_interval_s
        self.heartbeat_s = heartbeat_s
        self.budget = budget or CpuBudget(0.0)
        self.cpu_clock = cpu_clock
        self.deferred = 0
        self.deferred_wait_s = 0.0
        self.deferred_wait_max_s = 0.0
        self.cpu_s = 0.0
        self._last_capture = float("-inf")
        self._pending: str | None = None  # a capture asked for inside the minimum interval, or over budget
        self._over_budget_since: float | None = None  # when the pending capture was first put off by the budget

    def cancel(self) -> None:
        """Drop the pending capture (capture stopped: paused, idle, locked)."""
        self._pending = None
        self._over_budget_since = None

    def admit(self, reason: str, at: float) -> bool:
        """True when a capture for `reason` may be taken at `at`; otherwise it is kept pending."""
        if at - self._last_capture < self.min_interval_s:
            self._pending = reason
            return False
        if not self.budget.allows(at):
            if self._over_budget_since is None:  # counted once per capture put off, however long it waits
                self._over_budget_since = at
                self.deferred += 1
            self._pending = reason
            return False
        if self._over_budget_since is not None:
            waited = at - self._over_budget_since
            self.deferred_wait_s += waited
            self.deferred_wait_max_s = max(self.deferred_wait_max_s, waited)
            self._over_budget_since = None
        self._pending = None
        return True

    def due(self, now: float) -> str | None:
        """The reason for a capture due at `now`: the pending one once allowed, else the heartbeat."""
        if self._pending and now - self._last_capture >= self.min_interval_s and self.budget.allows(now):
            return self._pending
        if now - self._last_capture >= self.heartbeat_s:
            return "heartbeat"
        return None

    def taken(self, at: float) -> None:
        """A capture was taken (or refused after the screen was looked at) at `at`."""
        self._last_capture = at

    @contextmanager
    def metered(self, at: float) -> Iterator[None]:
        """Count the CPU time spent inside against the budget."""
        start = self.cpu_clock()
        try:
            yield
        finally:
            spent = self.cpu_clock() - start
            self.cpu_s += spent
            self.budget.spend(at, spent)

    def status(self, now: float) -> ScheduleStatus:
        return ScheduleStatus(
            frames_deferred=self.deferred, deferred_wait_s=round(self.deferred_wait_s, 1),
            deferred_wait_max_s=round(self.deferred_wait_max_s, 1), cpu_s=round(self.cpu_s, 2),
            cpu_share=round(self.budget.used(now), 4), cpu_budget=self.budget.share)
