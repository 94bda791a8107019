"""Screenshots through mss, skipping a frame identical to the last one."""

from __future__ import annotations

import hashlib
import time

from PIL import Image

from gumd.observers.base import Frame


class Screen:
    """Grabs the whole virtual screen (every monitor) on demand."""

    def __init__(self):
        self._sct = None
        self._last_digest: bytes | None = None
        self.captured = 0
        self.skipped = 0

    def grab(self, reason: str) -> Frame | None:
        """A new frame, or None when the screen is pixel-identical to the last grab."""
        import mss  # imported lazily: mss needs a display

        if self._sct is None:
            self._sct = mss.MSS() if hasattr(mss, "MSS") else mss.mss()
        shot = self._sct.grab(self._sct.monitors[0])
        digest = hashlib.blake2b(shot.bgra, digest_size=16).digest()
        if digest == self._last_digest:
            self.skipped += 1
            return None
        self._last_digest = digest
        self.captured += 1
        image = Image.frombytes("RGB", shot.size, shot.bgra, "raw", "BGRX")
        return Frame(at=time.time(), image=image, reason=reason)

    def close(self) -> None:
        if self._sct is not None:
            self._sct.close()
            self._sct = None
