"""The small typed events observers emit, and the interface every observer has.

Observers know nothing of the store: they hand events to a callback and the
pipeline decides what becomes an observation.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Union

import numpy as np
from PIL import Image

CELL = 8  # pixels per side of the cells that frames are compared by


@dataclass(frozen=True)
class InputBurst:
    """A settled run of input: counts and named shortcuts, never the characters typed."""

    started_at: float
    ended_at: float
    keys: int = 0
    clicks: int = 0
    scrolls: int = 0
    shortcuts: tuple[str, ...] = ()

    def summary(self) -> str:
        parts = [f"{n} {what}" for n, what in ((self.keys, "keys"), (self.clicks, "clicks"), (self.scrolls, "scrolls")) if n]
        if self.shortcuts:
            parts.append("shortcuts " + " ".join(self.shortcuts))
        return ", ".join(parts)


@dataclass(frozen=True)
class FocusChange:
    """The focused window changed. `page_title` is the page's own title when the app is a browser;
    `private` says the window belongs to a browser running in private mode."""

    at: float
    app: str
    title: str
    page_title: str = ""
    private: bool = False


@dataclass(frozen=True)
class Presence:
    """The user became active, idle (no input since `since`) or locked the screen at `at`."""

    at: float
    state: str  # active | idle | locked
    since: float = 0.0


@dataclass(frozen=True)
class Frame:
    """A screenshot of one monitor, with why it was taken; `origin` is its top-left on the virtual screen."""

    at: float
    image: Image.Image = field(repr=False)
    reason: str = ""
    origin: tuple[int, int] = (0, 0)
    monitor: int = 0

    @cached_property
    def cells(self) -> np.ndarray:
        """Mean grey level of every CELL x CELL block: a fine perceptual hash that a typed word still changes."""
        grey = self.image.convert("L")
        w, h = grey.width // CELL * CELL, grey.height // CELL * CELL
        if not (w and h):
            return np.zeros((h // CELL, w // CELL), dtype=np.int16)  # smaller than one cell: nothing to compare
        if (w, h) != grey.size:
            grey = grey.crop((0, 0, w, h))
        return np.asarray(grey.reduce(CELL), dtype=np.int16)  # box averages in C: ~10x cheaper than numpy means


Event = Union[InputBurst, FocusChange, Presence, Frame]
Emit = Callable[[Event], None]


class Observer(ABC):
    """Watches one thing in its own thread and emits events until stopped.

    `on_error`, when set (by `gumd.observers.display.DisplayLink`), is told of an error the observer's thread
    hit; it returns True when it takes the error over (the display went away), and the observer then logs
    nothing itself.
    """

    on_error: Callable[[Exception], bool] | None = None

    def failed(self, what: str, error: Exception) -> None:
        """Report an error from the observer's thread: to `on_error`, else to the log with its traceback."""
        if self.on_error is None or not self.on_error(error):
            logging.getLogger(type(self).__module__).error("%s failed", what, exc_info=error)

    @abstractmethod
    def start(self, emit: Emit) -> None:
        """Begin watching; call `emit` from any thread."""

    @abstractmethod
    def stop(self) -> None:
        """Stop watching and release the thread."""
