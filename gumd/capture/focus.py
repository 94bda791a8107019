"""Focus spans: how long each window had the user's attention, kept as ActivityWatch-style heartbeats."""

from __future__ import annotations

from gumd.capture.writes import HeldWrites
from gumd.observers.base import FocusChange
from gumd.privacy import redact
from gumd.store.capture import FocusSpan


def heartbeat(last: FocusSpan, beat: FocusSpan, pulsetime: float) -> FocusSpan | None:
    """ActivityWatch's heartbeat merge: `last` extended to cover `beat` when both show the same window and
    `beat` starts no later than `pulsetime` after `last` ends; None when they do not merge."""
    if (last.app, last.title) != (beat.app, beat.title) or beat.started_at > last.ended_at + pulsetime:
        return None
    return FocusSpan(started_at=min(last.started_at, beat.started_at), ended_at=max(last.ended_at, beat.ended_at),
                     app=last.app, title=last.title, page_title=last.page_title or beat.page_title,
                     source=last.source, id=last.id)


class FocusSpans:
    """The open focus span: started on a focus change, extended by beats, written every `write_every_s`.

    A beat that comes more than `pulsetime_s` after the last (the machine slept) ends the span and opens a
    new one. Spans are not kept while `writes` refuses to write.
    """

    def __init__(self, writes: HeldWrites, write_every_s: float = 30.0, pulsetime_s: float = 5.0):
        self.writes = writes
        self.write_every_s = write_every_s
        self.pulsetime_s = pulsetime_s
        self.span: FocusSpan | None = None
        self._written_at = 0.0

    def start(self, focus: FocusChange, at: float) -> None:
        """Open a span on `focus` (its titles redacted) unless one is open."""
        if self.span is not None:
            return
        span = FocusSpan(started_at=at, ended_at=at, app=focus.app, title=redact(focus.title).text,
                         page_title=redact(focus.page_title).text, source="focus")
        span_id = self.writes.write(self.writes.store.capture.add_span, span)
        self.span = FocusSpan(**{**span.__dict__, "id": span_id})
        self._written_at = at

    def beat(self, now: float) -> bool:
        """Extend the open span to `now`; False when the gap was too long and the span was ended instead."""
        assert self.span is not None
        merged = heartbeat(self.span, FocusSpan(started_at=now, ended_at=now, app=self.span.app,
                                                title=self.span.title), self.pulsetime_s)
        if merged is None:
            self.end(self.span.ended_at)
            return False
        self.span = merged
        if now - self._written_at >= self.write_every_s:
            self.writes.write(self.writes.store.capture.extend_span, merged.id, now)
            self._written_at = now
        return True

    def end(self, at: float) -> None:
        """Close the open span at `at`; one with no time in it is removed."""
        if self.span is None:
            return
        end = max(self.span.started_at, at)
        capture = self.writes.store.capture
        if end > self.span.started_at:
            self.writes.write(capture.extend_span, self.span.id, end)
        else:
            self.writes.write(capture.remove_span, self.span.id)  # no time spent there while present
        self.span = None

    def drop(self) -> None:
        """Forget the open span without writing it (the user forgot its time)."""
        self.span = None
