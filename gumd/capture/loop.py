"""The capture thread: observer events queued (bounded), handed to the pipeline in order, with its ticks."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from gumd.capture.display import Display, DisplayStatus
from gumd.capture.guard import GuardStatus
from gumd.capture.handoff import HandoffStatus
from gumd.capture.pipeline import Pipeline
from gumd.capture.presence import PresenceStatus
from gumd.capture.schedule import ScheduleStatus
from gumd.capture.writes import WritesStatus
from gumd.observers.base import Event
from gumd.privacy import CaptureControl

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PipelineStatus:
    """Every capture part's status, and the events dropped because the queue was full."""

    presence: PresenceStatus
    schedule: ScheduleStatus
    guard: GuardStatus
    handoff: HandoffStatus
    writes: WritesStatus
    dropped_events: int

    def fields(self) -> dict[str, Any]:
        """The parts' fields in one flat mapping, as /v1/status shows them under `capture`."""
        parts = (self.presence, self.schedule, self.guard, self.handoff, self.writes)
        return {k: v for part in parts for k, v in asdict(part).items()} | {"dropped_events": self.dropped_events}


class Events:
    """The observers' events on their way to the pipeline: a bounded queue; what does not fit is counted."""

    def __init__(self, max_events: int = 1000):
        self.queue: queue.Queue[Event] = queue.Queue(maxsize=max_events)
        self.dropped = 0

    def emit(self, event: Event) -> None:
        """Queue `event`; safe from any thread, never blocks."""
        try:
            self.queue.put_nowait(event)
        except queue.Full:
            self.dropped += 1


class CaptureLoop:
    """Hands `events` to `pipeline`, in order and with its ticks, in a thread of its own between start() and
    stop()."""

    def __init__(self, pipeline: Pipeline, events: Events):
        self.pipeline = pipeline
        self.events = events
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gumd-pipeline", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Finish the event in hand, write the open focus span and the held observations; say what is lost."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.pipeline.close(time.time())
        writes = self.pipeline.writes
        if writes.held:  # the database still refuses writes
            log.warning("%d observations held in memory could not be stored and are lost (%s)",
                        len(writes.held), writes.store_error)

    def status(self, now: float) -> PipelineStatus:
        p = self.pipeline
        return PipelineStatus(presence=p.presence.status(), schedule=p.schedule.status(now), guard=p.guard.status(),
                              handoff=p.handoff.status(), writes=p.writes.status(),
                              dropped_events=self.events.dropped)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:  # while idle or locked only an event (or a pause ending) changes anything: wake rarely
                event = self.events.queue.get(timeout=0.5 if self.pipeline.presence.active else 5.0)
            except queue.Empty:
                event = None
            try:
                if event is not None:
                    self.pipeline.handle(event)
                self.pipeline.tick(time.time())
            except Exception:  # one bad frame must not stop capture
                log.exception("the capture pipeline failed on an event")


def capture_status(control: CaptureControl, loop: CaptureLoop, display: Display | None, now: float) -> dict[str, Any]:
    """The `capture` of /v1/status (schema: gumd.api.schemas.CaptureStatus): the pause state, every capture
    part's status, the display's, and the first reason capture is failing."""
    shown = display.status() if display is not None else DisplayStatus(display=None, error=None)
    parts = loop.status(now).fields()
    return {**control.state(), **parts, "display": shown.display, "last_error": shown.error or parts["last_error"]}
