"""Screenshots of every monitor through mss, and the near-duplicate test that decides which are new.

A frame is compared with the last few kept frames of its monitor by its cell
hash (`Frame.cells`, the mean grey of each 8x8 block). Coarse perceptual
hashes (dHash, 64-256 bits) miss a typed line on a 1280x800 screen; cells do
not, and they also say *where* the screen changed, which lets OCR read only
those rows.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import numpy as np
from PIL import Image

from gumd.observers.base import Frame

TOLERANCE = 6  # grey levels a cell may drift (anti-aliasing, dithering) and still count as unchanged


@dataclass(frozen=True)
class Monitor:
    index: int
    left: int
    top: int
    width: int
    height: int

    def contains(self, x: int, y: int) -> bool:
        return self.left <= x < self.left + self.width and self.top <= y < self.top + self.height


class Screen:
    """Grabs every monitor on demand; the monitor holding `first_at` (pointer or focused window) comes first."""

    def __init__(self):
        self._sct = None

    def _mss(self):
        import mss  # imported lazily: mss needs a display

        if self._sct is None:
            self._sct = mss.MSS() if hasattr(mss, "MSS") else mss.mss()
        return self._sct

    def monitors(self) -> list[Monitor]:
        mons = self._mss().monitors
        physical = mons[1:] or mons[:1]
        return [Monitor(i, m["left"], m["top"], m["width"], m["height"]) for i, m in enumerate(physical)]

    def grab(self, reason: str, first_at: tuple[int, int] | None = None) -> list[Frame]:
        """One frame per monitor, the one containing `first_at` first."""
        sct = self._mss()
        mons = self.monitors()
        if first_at is not None:
            mons.sort(key=lambda m: not m.contains(*first_at))
        now = time.time()
        frames = []
        for m in mons:
            shot = sct.grab({"left": m.left, "top": m.top, "width": m.width, "height": m.height})
            image = Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")
            frames.append(Frame(at=now, image=image, reason=reason, origin=(m.left, m.top), monitor=m.index))
        return frames

    def close(self) -> None:
        if self._sct is not None:
            self._sct.close()
            self._sct = None


def changed_cells(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """Boolean map of cells that differ between two cell hashes; None when the sizes differ (all changed)."""
    if a.shape != b.shape:
        return None
    return np.abs(a - b) > TOLERANCE


class NearDuplicates:
    """Remembers the last `memory` kept frames of each monitor; a frame within `max_cells` changed cells of
    any of them is a near-duplicate (a blinking cursor, or a window switched back to unchanged)."""

    def __init__(self, max_cells: int = 4, memory: int = 8):
        self.max_cells = max_cells
        self.memory = memory
        self._seen: dict[int, deque[np.ndarray]] = {}
        self.kept = 0
        self.skipped = 0

    def is_new(self, frame: Frame) -> bool:
        """True (and remembered) when the frame differs from every recent frame of its monitor."""
        seen = self._seen.setdefault(frame.monitor, deque(maxlen=self.memory))
        for old in seen:
            diff = changed_cells(old, frame.cells)
            if diff is not None and int(diff.sum()) <= self.max_cells:
                self.skipped += 1
                return False
        seen.append(frame.cells)
        self.kept += 1
        return True

    def forget(self) -> None:
        """Drop what was seen, so the next frame of every monitor counts as new."""
        self._seen.clear()
