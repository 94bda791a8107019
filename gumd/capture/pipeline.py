"""The capture decision: from observer events to stored observations, through the capture parts.

- capture after an input burst settles, on a focus change, and on a slow heartbeat while the user is
  active, as `Schedule` allows (minimum interval, CPU budget; a capture put off is deferred, not lost);
- never while paused, idle, locked, or when the focused window is excluded; an excluded window that shows
  elsewhere on screen is blanked in the frame (`WindowGuard`);
- a frame that is a near-duplicate of a recent one of its monitor is skipped (`Handoff`);
- with a vision model, the frames it should read are queued for it (`ScreenReading`), their observations
  stored as "reading" until it has.
It also keeps focus spans. Everything is stored only after the privacy stage; the observation is stored
before any model sees it, or held in memory while the database refuses writes (`HeldWrites`); focus spans
are not kept while writes fail.
"""

from __future__ import annotations

from typing import Callable

from gumd.capture.focus import FocusSpans
from gumd.capture.guard import WindowGuard
from gumd.capture.handoff import Handoff
from gumd.capture.presence import UserPresence
from gumd.capture.reading import ScreenReading
from gumd.capture.schedule import Schedule
from gumd.capture.writes import HeldWrites
from gumd.observers.base import Event, FocusChange, Frame, InputBurst, Presence
from gumd.privacy import CaptureControl

Grab = Callable[[str], "list[Frame] | Frame | None"]


class Pipeline:
    """Consumes events in order; `tick(now)` runs the time-driven parts (deferred captures, heartbeat, idle).

    `grab(reason)` returns the frames of every monitor (the one in use first); without it nothing is grabbed
    and only frames handed in as events are taken. Parts left out get their defaults.
    """

    def __init__(self, handoff: Handoff, writes: HeldWrites, *, grab: Grab | None = None,
                 control: CaptureControl | None = None, guard: WindowGuard | None = None,
                 schedule: Schedule | None = None, presence: UserPresence | None = None,
                 reading: ScreenReading | None = None):
        self.handoff = handoff
        self.reading = reading
        self.writes = writes
        self.grab = grab
        self.control = control or CaptureControl()
        self.guard = guard or WindowGuard()
        self.schedule = schedule or Schedule()
        self.presence = presence or UserPresence()
        self.spans = FocusSpans(writes, write_every_s=self.schedule.heartbeat_s)
        self.focus: FocusChange | None = None
        self.inputs: list[InputBurst] = []
        self._was_allowed = True

    # -- events ------------------------------------------------------------
    def handle(self, event: Event) -> int | None:
        """Take one event; return the id of the observation it produced, if any."""
        if isinstance(event, FocusChange):
            self.focus = event
            self.spans.end(event.at)
            self._start_span(event.at)
            return self._capture("focus", event.at)
        if isinstance(event, InputBurst):
            if not self.control.allows():
                return None  # input while paused is not kept, not even as counts
            self._active(event.ended_at)
            self.inputs.append(event)
            return self._capture("input", event.ended_at)
        if isinstance(event, Presence):
            self._presence(event)
            return None
        if isinstance(event, Frame):
            return self._ingest([event])
        raise TypeError(f"unknown event {event!r}")

    def tick(self, now: float) -> int | None:
        """Deferred captures once due, the idle check, span heartbeats, and the slow heartbeat capture."""
        if self.writes.flush_due():
            self.writes.flush()
        allowed = self.control.allows()
        if allowed and not self._was_allowed:
            self.handoff.forget()  # after a pause, nothing seen before it is reused
        self._was_allowed = allowed
        if self.presence.idle_due(now):
            self._presence(Presence(at=now, state="idle", since=self.presence.last_activity or now))
            return None
        if not self.presence.active:
            return None
        self._beat(now)
        reason = self.schedule.due(now)
        return self._capture(reason, now) if reason else None

    def forgot(self, until: float, observation_ids: tuple[int, ...] = ()) -> None:
        """The user forgot a span of time ending at `until` (its stored `observation_ids` are deleted): drop
        whatever is held in memory from it, any observation in flight that started before it ends, and the
        screenshots kept of them. Safe to call from another thread."""
        self.handoff.forgot(until, observation_ids)
        if self.reading is not None:
            self.reading.forgot(until, observation_ids)
        self.writes.forget(until)
        self.spans.drop()
        self.inputs = []

    def close(self, now: float) -> None:
        """Write the open focus span and whatever the database now takes of the held observations; call at
        shutdown."""
        self.spans.end(now)
        if self.writes.held:
            self.writes.flush()

    def _presence(self, event: Presence) -> None:
        if event.state == "active":
            self._active(max(event.since, event.at - 1.0))
            return
        if self.presence.active:
            self.spans.end(event.since if event.state == "idle" else event.at)
        self.presence.state = event.state
        self.schedule.cancel()

    def _active(self, at: float) -> None:
        if self.presence.input_at(at):
            self._start_span(at)

    # -- focus spans -------------------------------------------------------
    def _start_span(self, at: float) -> None:
        if self.focus is None or not self.presence.active or not self.control.allows():
            return
        if self.presence.locker_shown or self.guard.focus_excluded(self.focus):
            return
        self.spans.start(self.focus, at)

    def _beat(self, now: float) -> None:
        if self.spans.span is None:
            self._start_span(now)
        elif not self.control.allows():
            self.spans.end(self.spans.span.ended_at)
        elif not self.spans.beat(now):  # a gap longer than the pulsetime (the machine slept): a new span
            self._start_span(now)

    # -- capture -----------------------------------------------------------
    def _capture(self, reason: str, at: float) -> int | None:
        if self.grab is None or not self.control.allows() or not self.presence.active:
            self.schedule.cancel()
            return None
        if not self.schedule.admit(reason, at):
            return None
        if self._drop_excluded():
            return None
        with self.schedule.metered(at):
            return self._take(reason, at)

    def _take(self, reason: str, at: float) -> int | None:
        if self._locked(at):
            return None
        before = self.guard.visible()
        grabbed = self.grab(reason)
        after = self.guard.visible()
        frames = [grabbed] if isinstance(grabbed, Frame) else list(grabbed or [])
        self.schedule.taken(at)
        if self._locked(at) or not frames:  # a locker showed while the screen was read
            return None
        screened = self.guard.screen(frames, before, after)
        return None if screened is None else self._ingest(screened)

    def _locked(self, at: float) -> bool:
        """True when a screen locker's window shows: then no capture, no focus span, and no input counts (what
        is typed into a locker is a password)."""
        if not self.presence.locker_showing():
            return False
        self.schedule.taken(at)
        self.inputs.clear()
        self.spans.end(at)
        return True

    def _drop_excluded(self) -> bool:
        """True (counted, the input dropped) when the focused window is excluded."""
        if not self.guard.focus_excluded(self.focus):
            return False
        self.guard.excluded += 1
        self.inputs.clear()
        return True

    def _ingest(self, frames: list[Frame]) -> int | None:
        if not self.control.allows() or self._drop_excluded():
            return None
        new = self.handoff.new_frames(frames)
        if not new:
            return None  # the input counts wait for the next frame that shows something new
        transcript = self.handoff.transcribe(new, self.focus, self.inputs)
        self.inputs = []
        if transcript is None:
            return None
        obs = transcript.observation
        choice = self.reading.choose(new[0], obs.app, obs.title) if self.reading is not None else None
        obs_id = self.writes.add(obs, to_read=choice is not None)
        if obs_id is not None:
            self.handoff.keep(obs_id, new, transcript)
            if choice:
                self.reading.queue(obs_id, choice, new[0], transcript)
        return obs_id
