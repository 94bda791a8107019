"""Screens read by a vision model (`screen_reader = "vlm"` or `"both"`): which frames, within what budget, and
how the description reaches the stored observation.

The capture thread only chooses and queues a frame (`choose`, `queue`); the engine's thread reads the queue
in its idle time (`read_queued`), so a model never slows capture. A frame is read when it is the first of an
activity segment (a stretch with the same app and window title) or when at least `change_share` of the screen
changed since the last frame read in that segment (then only the changed region is sent), and only while fewer
than `frames_per_hour` were read in the last hour.

An observation whose frame is queued is stored with status "reading", which the propositions engine does not
take, with its OCR text; once read (or failed, dropped or forgotten) it is handed on as "pending": the model's
description, redacted like any screen text, replaces the OCR text ("vlm") or is added to it ("both"). The
image sent is the frame as the guard left it (excluded windows painted out) with the lines OCR found secrets
on painted out too, downscaled to the reader's input size.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PIL import Image

from gumd.models.errors import ModelError
from gumd.models.vision import ImagesRefused, ScreenReader
from gumd.observers.base import CELL, Frame
from gumd.observers.screen import changed_cells
from gumd.privacy import UserPattern, blank_boxes, redact
from gumd.store import Store
from gumd.transcribe import Transcript

log = logging.getLogger(__name__)

Box = tuple[int, int, int, int]  # left, top, width, height
Rect = tuple[int, int, int, int]  # left, top, right, bottom
WHOLE_SHARE = 0.8  # a changed region larger than this share of the frame: send the whole frame
PAD = 16  # pixels around a changed region


@dataclass(frozen=True)
class ReadingStatus:
    mode: str  # ocr | vlm | both
    reader: str | None  # the vision model, None when screen_reader = "ocr" or it could not be set up
    frames_read: int
    seconds_per_frame: float | None  # mean over the frames read since start
    frames_skipped_budget: int  # frames that kept their OCR text because the hourly budget was spent
    frames_skipped_unchanged: int  # later frames of an activity that changed less than vlm_change_share
    frames_queued: int  # waiting for the engine's idle time
    frames_dropped: int  # fell out of a full queue unread
    frames_failed: int  # the model gave no usable answer: the observation kept its OCR text
    last_error: str | None


@dataclass(frozen=True)
class Choice:
    """A frame chosen to be read: its activity segment, and the changed region to send (None: all of it)."""

    segment: tuple[str, str]
    region: Rect | None


@dataclass(frozen=True)
class Queued:
    observation_id: int
    started_at: float
    image: Image.Image
    secret_boxes: list[Box]
    region: Rect | None
    text: str  # the OCR text the observation was stored with (redacted)
    hint: str  # the focused app and (redacted) window title


def changed_region(mask: np.ndarray, width: int, height: int) -> Rect | None:
    """The box around the changed cells, padded; None when it covers most of the frame."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    left, top = max(int(cols[0]) * CELL - PAD, 0), max(int(rows[0]) * CELL - PAD, 0)
    right, bottom = min((int(cols[-1]) + 1) * CELL + PAD, width), min((int(rows[-1]) + 1) * CELL + PAD, height)
    return None if (right - left) * (bottom - top) > WHOLE_SHARE * width * height else (left, top, right, bottom)


def prepare(image: Image.Image, secret_boxes: list[Box], region: Rect | None, longest: int) -> bytes:
    """The PNG sent to the model: secret lines painted out, cropped to `region`, longest side at most `longest`."""
    image = blank_boxes(image, secret_boxes)
    if region is not None:
        image = image.crop(region)
    if max(image.size) > longest:
        scale = longest / max(image.size)
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                             Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return out.getvalue()


class ScreenReading:
    """Chooses frames for `reader`, queues them, reads them when asked, and amends their observations in `store`.

    `reader` is None when none is configured or it could not be set up (`error` says why): then nothing is
    chosen. `redactions` is the counter the transcriber's redactions go to; `on_queued` wakes the engine.
    """

    def __init__(self, store: Store, reader: ScreenReader | None, mode: str = "vlm", *, frames_per_hour: int = 60,
                 change_share: float = 0.5, extra_patterns: tuple[UserPattern, ...] = (),
                 redactions: Counter | None = None, error: str | None = None, max_queued: int = 64,
                 clock: Callable[[], float] = time.time, on_queued: Callable[[], None] = lambda: None):
        self.store = store
        self.reader = reader
        self.mode = mode
        self.frames_per_hour = frames_per_hour
        self.change_share = change_share
        self.extra_patterns = extra_patterns
        self.redactions = redactions if redactions is not None else Counter()
        self.max_queued = max_queued
        self.clock = clock
        self.on_queued = on_queued
        self.last_error = error
        self.counts: Counter[str] = Counter()
        self.seconds = 0.0
        self._lock = threading.Lock()
        self._queue: deque[Queued] = deque()
        self._taken: deque[float] = deque()  # when each frame of the last hour was queued
        self._segment: tuple[str, str] | None = None
        self._segment_cells: dict[int, np.ndarray] = {}  # per monitor, the cells of the last frame read

    # -- the capture thread ----------------------------------------------------
    def choose(self, frame: Frame, app: str, title: str) -> Choice | None:
        """Whether the reader should read `frame` (taken in window `app` / `title`), and which part of it."""
        if self.reader is None:
            return None
        segment, region = (app, title), None
        if segment == self._segment and (last := self._segment_cells.get(frame.monitor)) is not None:
            mask = changed_cells(last, frame.cells)
            if mask is not None:
                if mask.mean() < self.change_share:
                    self.counts["skipped_unchanged"] += 1
                    return None
                region = changed_region(mask, *frame.image.size)
        now = self.clock()
        while self._taken and self._taken[0] <= now - 3600:
            self._taken.popleft()
        if len(self._taken) >= self.frames_per_hour:
            self.counts["skipped_budget"] += 1
            return None
        return Choice(segment, region)

    def queue(self, observation_id: int, choice: Choice, frame: Frame, transcript: Transcript, index: int = 0) -> None:
        """Queue the chosen `frame` (the `index`th of `transcript`) of the stored observation `observation_id`."""
        if choice.segment != self._segment:
            self._segment, self._segment_cells = choice.segment, {}
        self._segment_cells[frame.monitor] = frame.cells
        self._taken.append(self.clock())
        obs = transcript.observation
        boxes = transcript.secret_boxes[index] if index < len(transcript.secret_boxes) else []
        item = Queued(observation_id, obs.started_at, frame.image, list(boxes), choice.region, obs.text,
                      f"{obs.app} — {obs.title}" if obs.title else obs.app)
        with self._lock:
            self._queue.append(item)
            full = self._queue.popleft() if len(self._queue) > self.max_queued else None
        if full is not None:
            self.counts["dropped"] += 1
            self._hand_on(full, None)
        self.on_queued()

    # -- the engine's thread ---------------------------------------------------
    def read_queued(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """Read the queued frames, oldest first, until the queue is empty or `stopping()`; returns how many."""
        read = 0
        while not stopping():
            with self._lock:
                if not self._queue:
                    return read
                item = self._queue.popleft()
            self._read(item)
            read += 1
        return read

    def _read(self, item: Queued) -> None:
        text, reader = None, self.reader
        try:
            if reader is None:  # refused while this frame waited
                return
            png = prepare(item.image, item.secret_boxes, item.region, reader.image_px)
            started = time.monotonic()
            answer = reader.describe(png, item.hint)
            self.seconds += time.monotonic() - started
            if not answer:
                raise ModelError(f"{reader.name} gave an empty description")
            clean = redact(answer, self.extra_patterns)
            self.redactions.update(clean.counts)
            text = clean.text if self.mode == "vlm" or not item.text.strip() else f"{item.text}\n\n{clean.text}"
            self.counts["read"] += 1
            self.last_error = None
        except ImagesRefused as e:  # the setting is wrong: no use sending more frames
            self._failed(f"{e}; frames keep their OCR text until the setting changes")
            self.reader = None
            self.release()
        except ModelError as e:
            self._failed(f"the vision model failed: {e}; this frame keeps its OCR text")
        finally:
            self._hand_on(item, text)

    def _failed(self, error: str) -> None:
        self.counts["failed"] += 1
        if error != self.last_error:  # one line while the same fault lasts
            log.warning("%s", error)
        self.last_error = error

    def _hand_on(self, item: Queued, text: str | None) -> None:
        try:
            self.store.observations.finish_reading(item.observation_id, text)
        except Exception:  # the database refuses writes: the next start hands it on with its OCR text
            log.exception("observation %d could not be handed on from reading", item.observation_id)

    # -- any thread ------------------------------------------------------------
    def release(self) -> None:
        """Hand on every queued observation with its OCR text (at shutdown, or once the reader is refused)."""
        with self._lock:
            items, self._queue = list(self._queue), deque()
        for item in items:
            self._hand_on(item, None)

    def forgot(self, until: float, observation_ids: tuple[int, ...]) -> None:
        """Drop the queued frames of a forgotten span (their observations are deleted)."""
        ids = set(observation_ids)
        with self._lock:
            self._queue = deque(q for q in self._queue if q.observation_id not in ids and q.started_at > until)
        self._segment, self._segment_cells = None, {}

    def status(self) -> ReadingStatus:
        c = self.counts
        with self._lock:
            queued = len(self._queue)
        return ReadingStatus(
            mode=self.mode, reader=self.reader.name if self.reader else None, frames_read=c["read"],
            seconds_per_frame=round(self.seconds / c["read"], 3) if c["read"] else None,
            frames_skipped_budget=c["skipped_budget"], frames_skipped_unchanged=c["skipped_unchanged"],
            frames_queued=queued, frames_dropped=c["dropped"], frames_failed=c["failed"], last_error=self.last_error)
