"""An in-process event bus: the engine and predictor publish, `GET /v1/events` streams to subscribers.

`publish` may be called from any thread. Each subscriber has a bounded queue on
its own event loop; a subscriber that falls behind loses the newest events
(counted in `dropped`) rather than slowing the publisher down.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from gumd.api.schemas import PropositionOut
from gumd.store import Proposition

log = logging.getLogger(__name__)

KINDS = ("proposition", "prediction")


@dataclass(frozen=True)
class Event:
    id: int
    kind: str  # proposition | prediction
    data: dict[str, Any]

    def encode(self) -> bytes:
        """The event in server-sent-events framing."""
        return f"id: {self.id}\nevent: {self.kind}\ndata: {json.dumps(self.data, separators=(',', ':'))}\n\n".encode()


class Subscription:
    def __init__(self, loop: asyncio.AbstractEventLoop, kinds: frozenset[str], size: int):
        self.loop = loop
        self.kinds = kinds
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=size)
        self.dropped = 0

    def _put(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1


class EventBus:
    def __init__(self, queue_size: int = 256):
        self.queue_size = queue_size
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._subs: list[Subscription] = []

    def publish(self, kind: str, data: dict[str, Any]) -> Event:
        """Send an event to every subscriber that asked for its kind."""
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}; known: {', '.join(KINDS)}")
        event = Event(next(self._ids), kind, data)
        with self._lock:
            subs = [s for s in self._subs if kind in s.kinds]
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(sub._put, event)
            except RuntimeError:  # its loop has closed: the server stopped under it
                self.unsubscribe(sub)
        return event

    def publish_proposition(self, prop: Proposition) -> Event:
        return self.publish("proposition", PropositionOut.of(prop).model_dump())

    def subscribe(self, kinds: frozenset[str] = frozenset(KINDS)) -> Subscription:
        """A subscription on the running event loop; call from async code."""
        sub = Subscription(asyncio.get_running_loop(), kinds, self.queue_size)
        with self._lock:
            self._subs.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
        if sub.dropped:
            log.info("an event subscriber fell behind and missed %d events", sub.dropped)

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subs)
