"""From observer events to stored observations: when to capture, what to skip, and the write.

The pipeline owns the capture decision (after an input burst settles, on a
focus change; never for an excluded window; not more often than the minimum
interval) and hands each frame to the transcriber; the observation is stored
before any model sees it.
"""

from __future__ import annotations

import logging
from typing import Callable

from gumd.observers.base import Event, FocusChange, Frame, InputBurst
from gumd.privacy import CaptureControl, Exclusions
from gumd.store import Store
from gumd.transcribe import Transcriber

log = logging.getLogger(__name__)


class Pipeline:
    """Consumes events in order. `grab(reason)` returns a fresh Frame, or None for an unchanged screen."""

    def __init__(
        self,
        store: Store,
        transcriber: Transcriber,
        exclusions: Exclusions,
        grab: Callable[[str], Frame | None] | None = None,
        min_interval_s: float = 2.0,
        source: str = "screen",
        control: CaptureControl | None = None,
    ):
        self.store = store
        self.transcriber = transcriber
        self.exclusions = exclusions
        self.grab = grab
        self.min_interval_s = min_interval_s
        self.source = source
        self.control = control or CaptureControl()
        self.focus: FocusChange | None = None
        self.inputs: list[InputBurst] = []
        self._last_capture = float("-inf")
        self._deferred: str | None = None  # a capture asked for inside the minimum interval
        self.stored = 0
        self.excluded = 0

    def handle(self, event: Event) -> int | None:
        """Take one event; return the id of the observation it produced, if any."""
        if isinstance(event, FocusChange):
            self.focus = event
            return self._capture("focus", event.at)
        if isinstance(event, InputBurst):
            if not self.control.allows():
                return None  # input while paused is not kept, not even as counts
            self.inputs.append(event)
            return self._capture("input", event.ended_at)
        if isinstance(event, Frame):
            return self._ingest(event)
        raise TypeError(f"unknown event {event!r}")

    def tick(self, now: float) -> int | None:
        """Run a capture that was deferred by the minimum interval, once it is due."""
        if self._deferred and now - self._last_capture >= self.min_interval_s:
            return self._capture(self._deferred, now)
        return None

    def _excluded(self) -> bool:
        return self.focus is not None and self.exclusions.excludes(self.focus.app, self.focus.title)

    def _capture(self, reason: str, at: float) -> int | None:
        if self.grab is None or not self.control.allows():
            self._deferred = None
            return None
        if at - self._last_capture < self.min_interval_s:
            self._deferred = reason
            return None
        self._deferred = None
        if self._excluded():
            self.excluded += 1
            self.inputs.clear()
            return None
        frame = self.grab(reason)
        if frame is None:
            return None
        self._last_capture = at
        return self._ingest(frame)

    def _ingest(self, frame: Frame) -> int | None:
        if not self.control.allows():
            return None
        if self._excluded():
            self.excluded += 1
            self.inputs.clear()
            return None
        obs = self.transcriber.transcribe(frame, self.focus, self.inputs, self.source)
        self.inputs = []
        if not (obs.text.strip() or obs.title.strip()):
            return None
        obs_id = self.store.add_observation(obs)
        self.stored += 1
        return obs_id
