"""Turn screenshots and their context into an observation, with the privacy stage applied.

OCR reads only what changed when that is cheaper: each monitor's last frame
and its OCR lines are kept (in memory), and when less than half of the screen's
area changed, only rectangles around the changed cells (grown to hold whole any
old line they cut) are read again; the lines outside them are reused.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from gumd.models.ocr import Ocr, OcrLine
from gumd.observers.base import CELL, FocusChange, Frame, InputBurst
from gumd.observers.screen import changed_cells
from gumd.privacy import UserPattern, redact
from gumd.store.records import NewObservation

log = logging.getLogger(__name__)

_KEY_BEGIN = re.compile(r"BEGIN [A-Z ]*PRIVATE KEY")
_KEY_END = re.compile(r"END [A-Z ]*PRIVATE KEY")
PAD = 12  # pixels read above and below a changed row, so a band holds whole text lines
PAD_X = 16  # pixels read left and right of a changed cell
MAX_REGIONS = 8

Rect = tuple[int, int, int, int]  # left, top, right, bottom (exclusive)


@dataclass(frozen=True)
class Transcript:
    """An observation, and per frame the boxes of lines that held a secret (to blank in a kept screenshot)."""

    observation: NewObservation
    secret_boxes: list[list[tuple[int, int, int, int]]] = field(default_factory=list)


@dataclass
class OcrStats:
    frames: int = 0
    partial: int = 0  # frames read only where they changed
    rows_read: int = 0
    rows_total: int = 0
    pixels_read: int = 0
    pixels_total: int = 0


def changed_bands(mask: np.ndarray, height: int) -> list[tuple[int, int]]:
    """Pixel row ranges [top, bottom) around the changed cell rows, padded and merged."""
    rows = np.flatnonzero(mask.any(axis=1))
    bands: list[list[int]] = []
    for r in rows:
        top, bottom = max(int(r) * CELL - PAD, 0), min((int(r) + 1) * CELL + PAD, height)
        if bands and top <= bands[-1][1] + PAD:
            bands[-1][1] = max(bands[-1][1], bottom)
        else:
            bands.append([top, bottom])
    return [(a, b) for a, b in bands]


def changed_regions(mask: np.ndarray, width: int, height: int) -> list[Rect]:
    """Rectangles around the changed cells: one per band of changed rows, as wide as the changes in it."""
    out = []
    for top, bottom in changed_bands(mask, height):
        rows = mask[max(top - PAD, 0) // CELL:(bottom + PAD + CELL - 1) // CELL]
        cols = np.flatnonzero(rows.any(axis=0))
        out.append((max(int(cols[0]) * CELL - PAD_X, 0), top, min((int(cols[-1]) + 1) * CELL + PAD_X, width), bottom))
    return out


def _box(line: OcrLine) -> Rect:
    x, y, w, h = line.box
    return (x, y, x + w, y + h)


def _meets(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _widen(regions: list[Rect], lines: list[OcrLine]) -> list[Rect]:
    """Grow the regions to hold whole every old line they cut (so no line is read in half), merging those that
    then overlap, until nothing changes."""
    boxes = [_box(line) for line in lines]
    out = list(regions)
    changed = True
    while changed:
        changed = False
        for i, r in enumerate(out):
            for b in boxes:
                if _meets(r, b) and not (r[0] <= b[0] and r[1] <= b[1] and b[2] <= r[2] and b[3] <= r[3]):
                    r = (min(r[0], b[0]), min(r[1], b[1]), max(r[2], b[2]), max(r[3], b[3]))
                    changed = True
            out[i] = r
        merged: list[Rect] = []
        for r in out:
            for j, m in enumerate(merged):
                if _meets(r, m):
                    merged[j] = (min(r[0], m[0]), min(r[1], m[1]), max(r[2], m[2]), max(r[3], m[3]))
                    changed = True
                    break
            else:
                merged.append(r)
        out = merged
    return sorted(out, key=lambda r: (r[1], r[0]))


def _merge(kept: list[OcrLine], new: list[OcrLine]) -> list[OcrLine]:
    """Old lines in their reading order, with each new line placed before the first old line below it."""
    new = sorted(new, key=lambda line: (line.box[1], line.box[0]))
    out: list[OcrLine] = []
    i = 0
    for line in kept:
        while i < len(new) and new[i].box[1] < line.box[1]:
            out.append(new[i])
            i += 1
        out.append(line)
    return out + new[i:]


def secret_lines(lines: list[OcrLine], extra: tuple[UserPattern, ...] = ()) -> list[int]:
    """Indexes of lines that hold a secret, counting every line of a private key block."""
    out, in_key = [], False
    for i, line in enumerate(lines):
        if _KEY_BEGIN.search(line.text):
            in_key = True
        if in_key or redact(line.text, extra).counts:
            out.append(i)
        if _KEY_END.search(line.text):
            in_key = False
    return out


class Transcriber:
    """OCR (incremental where cheaper), then redaction; counts what was redacted, never the secrets."""

    def __init__(self, ocr: Ocr, incremental: bool = True, extra_patterns: tuple[UserPattern, ...] = ()):
        self.ocr = ocr
        self.incremental = incremental
        self.extra_patterns = extra_patterns
        self.redactions: Counter[str] = Counter()
        self.stats = OcrStats()
        self._last: dict[int, tuple[np.ndarray, list[OcrLine]]] = {}

    def read(self, frame: Frame) -> list[OcrLine]:
        """The frame's OCR lines, re-reading only the changed regions when under half the area changed."""
        width, height = frame.image.size
        self.stats.frames += 1
        self.stats.rows_total += height
        self.stats.pixels_total += width * height
        lines = None
        prev = self._last.get(frame.monitor) if self.incremental else None
        if prev is not None:
            mask = changed_cells(prev[0], frame.cells)
            if mask is not None and not mask.any():
                lines = list(prev[1])  # nothing changed that the cells can see: the same lines
                self.stats.partial += 1
            elif mask is not None:
                regions = _widen(changed_regions(mask, width, height), prev[1])
                area = sum((r - l) * (b - t) for l, t, r, b in regions)
                if len(regions) <= MAX_REGIONS and area <= width * height // 2:
                    kept = [ln for ln in prev[1] if not any(_meets(_box(ln), r) for r in regions)]
                    new = []
                    for left, top, right, bottom in regions:
                        crop = frame.image.crop((left, top, right, bottom))
                        new += [OcrLine((x + left, y + top, w, h), t, c) for (x, y, w, h), t, c in
                                ((ln.box, ln.text, ln.confidence) for ln in self.ocr.read(crop))]
                    lines = _merge(kept, new)
                    self.stats.partial += 1
                    self.stats.rows_read += sum(b - t for _, t, _, b in regions)
                    self.stats.pixels_read += area
        if lines is None:
            lines = self.ocr.read(frame.image)
            self.stats.rows_read += height
            self.stats.pixels_read += width * height
        if self.incremental:
            self._last[frame.monitor] = (frame.cells, lines)
        return lines

    def forget(self) -> None:
        """Drop the remembered frames and lines (after a pause, or a forget)."""
        self._last.clear()

    def transcribe(
        self, frames: Frame | list[Frame], focus: FocusChange | None, inputs: list[InputBurst], source: str
    ) -> Transcript:
        """One observation from the frames of one capture (the focused monitor first)."""
        frames = [frames] if isinstance(frames, Frame) else frames
        texts, boxes = [], []
        for frame in frames:
            lines = self.read(frame)
            texts.append("\n".join(line.text for line in lines))
            boxes.append([lines[i].box for i in secret_lines(lines, self.extra_patterns)])
        clean = redact("\n\n".join(t for t in texts if t.strip()), self.extra_patterns)
        clean_title = redact(focus.title if focus else "", self.extra_patterns)
        self.redactions.update(clean.counts)
        self.redactions.update(clean_title.counts)
        if clean.counts or clean_title.counts:
            log.info("redacted %s", dict(Counter(clean.counts) + Counter(clean_title.counts)))
        at = max(f.at for f in frames)
        started = min([at] + [b.started_at for b in inputs])
        summary = "; ".join(s for s in (b.summary() for b in inputs) if s)
        obs = NewObservation(
            started_at=started,
            ended_at=at,
            app=focus.app if focus else "",
            title=clean_title.text,
            text=clean.text,
            input_summary=summary,
            source=source,
        )
        return Transcript(observation=obs, secret_boxes=boxes)
