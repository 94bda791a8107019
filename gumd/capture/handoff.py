"""The hand-off from frames to an observation: near-duplicates skipped, the transcription (OCR and the
privacy stage), and the screenshots kept when the user asked for them."""

from __future__ import annotations

from dataclasses import dataclass

from gumd.observers.base import FocusChange, Frame, InputBurst
from gumd.observers.screen import NearDuplicates
from gumd.retention import FrameArchive
from gumd.transcribe import Transcriber, Transcript


@dataclass(frozen=True)
class HandoffStatus:
    frames_captured: int  # new frames transcribed
    frames_unchanged: int  # near-duplicates of a recent frame of their monitor, skipped
    ocr_partial_frames: int
    ocr_rows_read: int
    ocr_rows_total: int
    ocr_pixels_read: int
    ocr_pixels_total: int
    redactions: dict[str, int]


class Handoff:
    """Frames in, a transcript out; nothing seen before `forgotten_until` (a forget) comes out."""

    def __init__(self, transcriber: Transcriber, duplicates: NearDuplicates | None = None,
                 archive: FrameArchive | None = None, source: str = "screen"):
        self.transcriber = transcriber
        self.duplicates = duplicates or NearDuplicates()
        self.archive = archive
        self.source = source
        self.frames_new = 0
        self.frames_duplicate = 0
        self.forgotten_until = float("-inf")

    def new_frames(self, frames: list[Frame]) -> list[Frame]:
        """The frames that are not near-duplicates of a recent one of their monitor."""
        new = [f for f in frames if self.duplicates.is_new(f)]
        self.frames_duplicate += len(frames) - len(new)
        self.frames_new += len(new)
        return new

    def transcribe(self, frames: list[Frame], focus: FocusChange | None,
                   inputs: list[InputBurst]) -> Transcript | None:
        """The transcript of new frames; None when it started inside a forgotten span or holds no text."""
        transcript = self.transcriber.transcribe(frames, focus, inputs, self.source)
        obs = transcript.observation
        if obs.started_at <= self.forgotten_until:  # in flight while the user forgot its time: never stored
            self.forget()
            return None
        if not (obs.text.strip() or obs.title.strip()):
            return None
        return transcript

    def keep(self, observation_id: int, frames: list[Frame], transcript: Transcript) -> None:
        """Keep the screenshots of a stored observation, secrets blanked, when the user asked for them."""
        if self.archive is not None:
            self.archive.keep(observation_id, [f.image for f in frames], transcript.secret_boxes)

    def forget(self) -> None:
        """Reuse nothing seen so far (after a pause or a forget)."""
        self.transcriber.forget()
        self.duplicates.forget()

    def forgot(self, until: float, observation_ids: tuple[int, ...]) -> None:
        """The user forgot the time up to `until`: nothing in flight from it comes out, nothing seen is reused,
        and the screenshots kept of those observations are deleted."""
        self.forgotten_until = until
        self.forget()
        if self.archive is not None:
            self.archive.forget(observation_ids)

    def status(self) -> HandoffStatus:
        stats = self.transcriber.stats
        return HandoffStatus(
            frames_captured=self.frames_new, frames_unchanged=self.frames_duplicate,
            ocr_partial_frames=stats.partial, ocr_rows_read=stats.rows_read, ocr_rows_total=stats.rows_total,
            ocr_pixels_read=stats.pixels_read, ocr_pixels_total=stats.pixels_total,
            redactions=dict(self.transcriber.redactions))
