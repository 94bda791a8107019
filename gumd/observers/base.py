"""The small typed events observers emit, and the interface every observer has.

Observers know nothing of the store: they hand events to a callback and the
pipeline decides what becomes an observation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Callable, Union

from PIL import Image


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
    """The focused window changed."""

    at: float
    app: str
    title: str


@dataclass(frozen=True)
class Frame:
    """A screenshot, with why it was taken."""

    at: float
    image: Image.Image = field(repr=False)
    reason: str = ""


Event = Union[InputBurst, FocusChange, Frame]
Emit = Callable[[Event], None]


class Observer(ABC):
    """Watches one thing in its own thread and emits events until stopped."""

    @abstractmethod
    def start(self, emit: Emit) -> None:
        """Begin watching; call `emit` from any thread."""

    @abstractmethod
    def stop(self) -> None:
        """Stop watching and release the thread."""
