"""The online next-item predictor interface, and the decayed counts its implementations keep.

Every predictor sees a stream of items (action keys such as an app name or a
command) one at a time through `learn(item, at)` and, between items, ranks what
comes next with `rank(k, exclude, at)`.
"""

from __future__ import annotations

import heapq
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Candidate:
    """One possible next item with the predictor's probability for it."""

    item: str
    probability: float


class SequencePredictor(ABC):
    """An online next-item predictor: rank, then learn the item that really came."""

    name: str = "predictor"

    @abstractmethod
    def rank(self, k: int = 5, exclude: Iterable[str] = (), at: float | None = None) -> list[Candidate]:
        """The k most probable next items, best first, leaving out `exclude`."""

    @abstractmethod
    def learn(self, item: str, at: float | None = None) -> None:
        """Record the item that came next (at unix time `at`, when known)."""


class Counts:
    """Weighted counts of what followed one context, decayed by `decay` per occurrence of the context.

    With decay 1.0 these are plain counts. Decay is applied lazily: each item
    remembers the occurrence at which it was last touched, so an update is O(1).
    """

    __slots__ = ("decay", "n", "total", "items")

    def __init__(self, decay: float = 1.0):
        self.decay = decay
        self.n = 0  # occurrences of the context so far
        self.total = 0.0  # decayed sum of weights, current as of occurrence n
        self.items: dict[str, list[float]] = {}  # item -> [weight, occurrence when last updated]

    def add(self, item: str) -> None:
        self.n += 1
        self.total = self.total * self.decay + 1.0
        entry = self.items.get(item)
        if entry is None:
            self.items[item] = [1.0, self.n]
        else:
            entry[0] = entry[0] * self.decay ** (self.n - entry[1]) + 1.0
            entry[1] = self.n

    def weight(self, item: str) -> float:
        entry = self.items.get(item)
        if entry is None:
            return 0.0
        return entry[0] * self.decay ** (self.n - entry[1]) if self.decay != 1.0 else entry[0]

    def probability(self, item: str) -> float:
        return self.weight(item) / self.total if self.total else 0.0

    def weights(self) -> dict[str, float]:
        """Every item's current weight."""
        if self.decay == 1.0:
            return {i: e[0] for i, e in self.items.items()}
        d, n = self.decay, self.n
        return {i: w * d ** (n - at) for i, (w, at) in self.items.items()}

    def top(self, k: int, exclude: frozenset[str]) -> list[tuple[float, str]]:
        """The k heaviest items not excluded, as (weight, item), heaviest first."""
        pairs = ((w, i) for i, w in self.weights().items() if i not in exclude)
        return heapq.nlargest(k, pairs)

