"""Turn a screenshot and its context into an observation, with the privacy stage applied."""

from __future__ import annotations

import logging
from collections import Counter

from gumd.models.ocr import Ocr
from gumd.observers.base import FocusChange, Frame, InputBurst
from gumd.privacy import redact
from gumd.store.models import NewObservation

log = logging.getLogger(__name__)


class Transcriber:
    """OCR, then redaction; keeps a running count of what was redacted (never the secrets)."""

    def __init__(self, ocr: Ocr):
        self.ocr = ocr
        self.redactions: Counter[str] = Counter()

    def transcribe(
        self, frame: Frame, focus: FocusChange | None, inputs: list[InputBurst], source: str
    ) -> NewObservation:
        text = self.ocr.text(frame.image)
        app = focus.app if focus else ""
        title = focus.title if focus else ""
        clean = redact(text)
        clean_title = redact(title)
        self.redactions.update(clean.counts)
        self.redactions.update(clean_title.counts)
        if clean.counts or clean_title.counts:
            log.info("redacted %s", dict(Counter(clean.counts) + Counter(clean_title.counts)))
        started = min([frame.at] + [b.started_at for b in inputs])
        summary = "; ".join(s for s in (b.summary() for b in inputs) if s)
        return NewObservation(
            started_at=started,
            ended_at=frame.at,
            app=app,
            title=clean_title.text,
            text=clean.text,
            input_summary=summary,
            source=source,
        )
