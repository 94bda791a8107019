"""A one-line progress bar on a text stream, shared by model downloads and chunk-package installs."""

from __future__ import annotations

import os
import time
from typing import TextIO


def elapsed(seconds: float) -> str:
    """`m:ss`, for progress lines."""
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"


class Progress:
    """Redraws one line (at most every `interval_s`): label, bar, percent, MB, rate and elapsed time.

    The bar narrows to keep the line within the terminal (a wrapped line cannot be
    redrawn in place). The rate counts bytes since the first update, so a resumed
    download or a partly installed preset does not start at an absurd speed.
    """

    def __init__(self, label: str, stream: TextIO | None, interval_s: float = 0.25):
        self.label = label
        self.stream = stream
        self.interval_s = interval_s
        self.started = time.monotonic()
        self._drawn = 0.0
        self._first: int | None = None
        self._width = 0

    def update(self, done: int, total: int | None, final: bool = False) -> None:
        now = time.monotonic()
        if self._first is None:
            self._first = done
        if self.stream is None or (not final and now - self._drawn < self.interval_s):
            return
        self._drawn = now
        rate = (done - self._first) / max(now - self.started, 1e-6) / 1e6
        tail = f"{rate:.1f} MB/s {elapsed(now - self.started)}"
        columns = _columns(self.stream) or 10_000
        if total:
            digits = 0 if total >= 100e6 else 1
            head = f"{self.label} ["
            tail = f"] {100 * done / total:5.1f}% {done / 1e6:,.{digits}f}/{total / 1e6:,.{digits}f} MB " + tail
            width = max(10, min(30, columns - 1 - len(head) - len(tail)))
            filled = min(width, int(width * done / total))
            line = head + "#" * filled + "." * (width - filled) + tail
        else:
            line = f"{self.label} {done / 1e6:,.1f} MB {tail}"
        line = line[: columns - 1]
        self._width = min(max(self._width, len(line)), columns - 1)
        self.stream.write("\r" + line.ljust(self._width) + ("\n" if final else ""))
        self.stream.flush()


def _columns(stream: TextIO) -> int:
    """The width of the terminal `stream` writes to; 0 when it is no terminal or does not say."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0
