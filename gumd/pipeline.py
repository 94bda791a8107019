"""From observer events to stored observations: when to capture, what to skip, and the write.

The pipeline owns the capture decision:
- capture after an input burst settles, on a focus change, and on a slow
  heartbeat while the user is active; at most one per minimum interval (a
  capture asked for sooner is deferred, not lost);
- never while paused, idle, locked, or when the focused window is excluded;
  an excluded window that shows elsewhere on screen is blanked in the frame;
- a frame that is a near-duplicate of a recent one of its monitor is skipped;
- the capture path's own CPU time stays within a budget (a share of one core
  over a sliding window): over it, the next capture is deferred until the
  window allows it, and then shows the screen as it is at that moment.
It also keeps focus spans (ActivityWatch-style heartbeats). Everything is
stored only after the privacy stage; the observation is stored before any
model sees it.

While the database cannot be written (disk full, I/O error), observations
are held in memory, oldest first, up to `hold_max`, and written in order as
soon as a write succeeds again; beyond that the oldest are dropped and
counted. Focus spans are not kept while writes fail.
"""

from __future__ import annotations

import logging
import resource
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable

from gumd.observers.base import Event, FocusChange, Frame, InputBurst, Presence
from gumd.observers.screen import NearDuplicates
from gumd.observers.window import WindowInfo
from gumd.privacy import CaptureControl, Exclusions, blank, redact
from gumd.retention import FrameArchive
from gumd.store import NewObservation, Store, retryable_write_error
from gumd.store.capture import FocusSpan
from gumd.transcribe import Transcriber

log = logging.getLogger(__name__)

Grab = Callable[[str], "list[Frame] | Frame | None"]


def heartbeat(last: FocusSpan, beat: FocusSpan, pulsetime: float) -> FocusSpan | None:
    """ActivityWatch's heartbeat merge: `last` extended to cover `beat` when both show the same window and
    `beat` starts no later than `pulsetime` after `last` ends; None when they do not merge."""
    if (last.app, last.title) != (beat.app, beat.title) or beat.started_at > last.ended_at + pulsetime:
        return None
    return FocusSpan(started_at=min(last.started_at, beat.started_at), ended_at=max(last.ended_at, beat.ended_at),
                     app=last.app, title=last.title, page_title=last.page_title or beat.page_title,
                     source=last.source, id=last.id)


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


@dataclass
class CaptureCounts:
    grabs: int = 0
    frames_new: int = 0
    frames_duplicate: int = 0
    blanked: int = 0  # frames with an excluded window painted out
    excluded: int = 0  # captures dropped because the focused window is excluded
    stored: int = 0
    deferred: int = 0  # captures put off because the CPU budget was spent (taken later, not lost)
    deferred_wait_s: float = 0.0  # summed over deferred captures: how much later than asked they were taken
    deferred_wait_max_s: float = 0.0
    locked: int = 0  # captures not taken because a screen locker showed
    cpu_s: float = 0.0  # CPU seconds of the capture path (grab, checks, OCR, redaction, the write)
    dropped: int = 0  # observations that could not be stored and fell out of the in-memory hold


class Pipeline:
    """Consumes events in order; `tick(now)` runs the time-driven parts (deferred captures, heartbeat, idle).

    `grab(reason)` returns the frames of every monitor (the one in use first); `windows()` lists the visible
    windows (None where the platform cannot tell).
    """

    def __init__(
        self,
        store: Store,
        transcriber: Transcriber,
        exclusions: Exclusions,
        grab: Grab | None = None,
        min_interval_s: float = 2.0,
        source: str = "screen",
        control: CaptureControl | None = None,
        windows: Callable[[], list[WindowInfo] | None] | None = None,
        heartbeat_s: float = 30.0,
        idle_s: float = 120.0,
        duplicates: NearDuplicates | None = None,
        archive: FrameArchive | None = None,
        pulsetime_s: float = 5.0,
        budget: CpuBudget | None = None,
        locker: Callable[[], str | None] | None = None,
        cpu_clock: Callable[[], float] = capture_cpu_seconds,
        hold_max: int = 500,
    ):
        self.store = store
        self.transcriber = transcriber
        self.exclusions = exclusions
        self.grab = grab
        self.min_interval_s = min_interval_s
        self.source = source
        self.control = control or CaptureControl()
        self.windows = windows
        self.heartbeat_s = heartbeat_s
        self.idle_s = idle_s
        self.duplicates = duplicates or NearDuplicates()
        self.archive = archive
        self.pulsetime_s = pulsetime_s
        self.budget = budget or CpuBudget(0.0)
        self.locker = locker
        self.cpu_clock = cpu_clock
        self.focus: FocusChange | None = None
        self.presence = "active"
        self.last_activity: float | None = None
        self.inputs: list[InputBurst] = []
        self.counts = CaptureCounts()
        self._last_capture = float("-inf")
        self._deferred: str | None = None  # a capture asked for inside the minimum interval, or over budget
        self._over_budget_since: float | None = None  # when the pending capture was first put off by the budget
        self._span: FocusSpan | None = None
        self._span_written = 0.0
        self._was_allowed = True
        self._forgotten_until = float("-inf")
        self._locker_shown = False  # a screen locker showed at the last capture: no focus span until it goes
        self.held: deque[NewObservation] = deque()  # not yet stored: the database refused the write
        self.hold_max = hold_max
        self.store_error: str | None = None  # why the last write failed, until one succeeds
        self._next_flush = 0.0

    @property
    def stored(self) -> int:
        return self.counts.stored

    @property
    def excluded(self) -> int:
        return self.counts.excluded

    # -- events ------------------------------------------------------------
    def handle(self, event: Event) -> int | None:
        """Take one event; return the id of the observation it produced, if any."""
        if isinstance(event, FocusChange):
            self.focus = event
            self._end_span(event.at)
            self._start_span(event.at)
            return self._capture("focus", event.at)
        if isinstance(event, InputBurst):
            if not self.control.allows():
                return None  # input while paused is not kept, not even as counts
            self._active(event.ended_at)
            self.inputs.append(event)
            return self._capture("input", event.ended_at)
        if isinstance(event, Presence):
            return self._presence(event)
        if isinstance(event, Frame):
            return self._ingest([event])
        raise TypeError(f"unknown event {event!r}")

    def tick(self, now: float) -> int | None:
        """Deferred captures once due, the idle check, span heartbeats, and the slow heartbeat capture."""
        if self.held and time.monotonic() >= self._next_flush:
            self.flush_held()
        allowed = self.control.allows()
        if allowed and not self._was_allowed:
            self.transcriber.forget()  # after a pause, nothing seen before it is reused
            self.duplicates.forget()
        self._was_allowed = allowed
        if self.presence == "active" and (self.last_activity is None or now - self.last_activity >= self.idle_s):
            self._presence(Presence(at=now, state="idle", since=self.last_activity or now))
            return None
        if self.presence != "active":
            return None
        self._beat(now)
        if self._deferred and now - self._last_capture >= self.min_interval_s and self.budget.allows(now):
            return self._capture(self._deferred, now)
        if now - self._last_capture >= self.heartbeat_s:
            return self._capture("heartbeat", now)
        return None

    def forgot(self, until: float) -> None:
        """The user forgot a span of time ending at `until`: drop whatever is held in memory from it, and any
        observation in flight that started before it ends. Safe to call from another thread."""
        self._forgotten_until = until
        self.held = deque(o for o in list(self.held) if o.started_at > until)
        self._span = None
        self.inputs = []
        self.transcriber.forget()
        self.duplicates.forget()

    def close(self, now: float) -> None:
        """Write the open focus span; call at shutdown."""
        self._end_span(now)

    def _presence(self, event: Presence) -> int | None:
        if event.state == "active":
            self._active(max(event.since, event.at - 1.0))
            return None
        if self.presence == "active":
            self._end_span(event.since if event.state == "idle" else event.at)
        self.presence = event.state
        self._deferred = None
        self._over_budget_since = None
        return None

    def _active(self, at: float) -> None:
        self.last_activity = max(self.last_activity or at, at)
        if self.presence != "active":
            self.presence = "active"
            self._start_span(at)

    # -- focus spans -------------------------------------------------------
    def _focus_excluded(self) -> bool:
        f = self.focus
        return f is not None and self.exclusions.excludes(f.app, f.title, f.private)

    def _start_span(self, at: float) -> None:
        if self._span or self.focus is None or self.presence != "active" or not self.control.allows():
            return
        if self._locker_shown:
            return
        if self._focus_excluded():
            return
        f = self.focus
        span = FocusSpan(started_at=at, ended_at=at, app=f.app, title=redact(f.title).text,
                         page_title=redact(f.page_title).text, source="focus")
        self._span = FocusSpan(**{**span.__dict__, "id": self._write(self.store.capture.add_span, span)})
        self._span_written = at

    def _beat(self, now: float) -> None:
        if self._span is None:
            self._start_span(now)
            return
        if not self.control.allows():
            self._end_span(self._span.ended_at)
            return
        beat = FocusSpan(started_at=now, ended_at=now, app=self._span.app, title=self._span.title)
        merged = heartbeat(self._span, beat, self.pulsetime_s)
        if merged is None:  # a gap longer than the pulsetime (the machine slept): a new span
            self._end_span(self._span.ended_at)
            self._start_span(now)
            return
        self._span = merged
        if now - self._span_written >= self.heartbeat_s:
            self._write(self.store.capture.extend_span, merged.id, now)
            self._span_written = now

    def _end_span(self, at: float) -> None:
        if self._span is not None:
            end = max(self._span.started_at, at)
            if end > self._span.started_at:
                self._write(self.store.capture.extend_span, self._span.id, end)
            else:
                self._write(self.store.capture.remove_span, self._span.id)  # no time spent there while present
            self._span = None

    # -- capture -----------------------------------------------------------
    def _capture(self, reason: str, at: float) -> int | None:
        if self.grab is None or not self.control.allows() or self.presence != "active":
            self._deferred = None
            self._over_budget_since = None
            return None
        if at - self._last_capture < self.min_interval_s:
            self._deferred = reason
            return None
        if not self.budget.allows(at):
            if self._over_budget_since is None:  # counted once per capture put off, however long it waits
                self._over_budget_since = at
                self.counts.deferred += 1
            self._deferred = reason
            return None
        if self._over_budget_since is not None:
            waited = at - self._over_budget_since
            self.counts.deferred_wait_s += waited
            self.counts.deferred_wait_max_s = max(self.counts.deferred_wait_max_s, waited)
            self._over_budget_since = None
        self._deferred = None
        if self._focus_excluded():
            self.counts.excluded += 1
            self.inputs.clear()
            return None
        start = self.cpu_clock()
        try:
            return self._take(reason, at)
        finally:
            spent = self.cpu_clock() - start
            self.counts.cpu_s += spent
            self.budget.spend(at, spent)

    def _take(self, reason: str, at: float) -> int | None:
        if self._locked_by_locker(at):
            return None
        before = self._visible()
        grabbed = self.grab(reason)
        after = self._visible()
        frames = [grabbed] if isinstance(grabbed, Frame) else list(grabbed or [])
        self._last_capture = at
        if self._locked_by_locker(at):  # it showed while the screen was read
            return None
        if not frames:
            return None
        self.counts.grabs += 1
        if any(w.rect is None for w in after if self._window_excluded(w)):
            self.counts.excluded += 1  # an excluded window we cannot place: drop the whole frame
            return None
        if any(self._window_excluded(w) for w in before + after):
            original = frames
            for windows in (before, after):  # each bottom to top; excluded in either list is painted out
                stack = [(w.rect, self._window_excluded(w)) for w in windows if w.rect]
                frames = [blank(f, stack) for f in frames]
            self.counts.blanked += sum(b is not f for b, f in zip(frames, original))
        return self._ingest(frames)

    def _locked_by_locker(self, at: float) -> bool:
        """True when a screen locker's window shows: then no capture, no focus span, and no input counts (what
        is typed into a locker is a password)."""
        name = self.locker() if self.locker is not None else None
        if not name:
            self._locker_shown = False
            return False
        if not self._locker_shown:
            log.info("a screen locker shows (%s): no capture until it goes", name)
        self._locker_shown = True
        self.counts.locked += 1
        self._last_capture = at
        self.inputs.clear()
        self._end_span(at)
        return True

    def _visible(self) -> list[WindowInfo]:
        return (self.windows() or []) if self.windows else []

    def _window_excluded(self, w: WindowInfo) -> bool:
        return self.exclusions.excludes(w.app, w.title, w.private)

    def _ingest(self, frames: list[Frame]) -> int | None:
        if not self.control.allows():
            return None
        if self._focus_excluded():
            self.counts.excluded += 1
            self.inputs.clear()
            return None
        new = [f for f in frames if self.duplicates.is_new(f)]
        self.counts.frames_duplicate += len(frames) - len(new)
        self.counts.frames_new += len(new)
        if not new:
            return None  # the input counts wait for the next frame that shows something new
        transcript = self.transcriber.transcribe(new, self.focus, self.inputs, self.source)
        obs = transcript.observation
        self.inputs = []
        if obs.started_at <= self._forgotten_until:  # in flight while the user forgot its time: never stored
            self.transcriber.forget()
            self.duplicates.forget()
            return None
        if not (obs.text.strip() or obs.title.strip()):
            return None
        if self.held:
            self.flush_held()
        if self.held or (obs_id := self._write(self.store.observations.add, obs)) is None:
            self._hold(obs)
            return None
        self.counts.stored += 1
        self._writes_again()
        if self.archive is not None:
            self.archive.keep(obs_id, [f.image for f in new], transcript.secret_boxes)
        return obs_id

    # -- the database refusing writes ---------------------------------------
    def _write(self, write, *args):
        """`write(*args)`; None when the database refuses the write for now (logged once, until one succeeds)."""
        try:
            result = write(*args)
        except Exception as e:
            reason = retryable_write_error(e)
            if reason is None:
                raise
            if self.store_error is None:
                log.warning("the database refuses writes (%s): new observations are held in memory, up to %d, "
                            "and written when it takes writes again", reason, self.hold_max)
            self.store_error = reason
            self._next_flush = time.monotonic() + 2.0
            return None
        return result

    def _hold(self, obs: NewObservation) -> None:
        if len(self.held) >= self.hold_max:
            self.held.popleft()
            self.counts.dropped += 1
            if self.counts.dropped == 1:
                log.warning("more than %d observations wait for the database: the oldest are dropped (counted in "
                            "/v1/status as capture.observations_dropped)", self.hold_max)
        self.held.append(obs)

    def flush_held(self) -> None:
        """Write the held observations, oldest first, until the database refuses one again."""
        written = 0
        while self.held:
            if self._write(self.store.observations.add, self.held[0]) is None:
                return
            self.held.popleft()
            self.counts.stored += 1
            written += 1
        self._writes_again(written)

    def _writes_again(self, held_written: int = 0) -> None:
        if self.store_error is not None:
            log.info("the database takes writes again: %d held observations written", held_written)
            self.store_error = None
