"""Baseline next-action predictors, and the line-up `gumd eval nap` compares them in.

- `MostFrequent`: overall counts.
- `Markov(order)`: counts after the last `order` items, backing off to shorter
  contexts to fill the list (Markov-1, Markov-2).

Each update costs O(order) dictionary operations; ranking costs O(candidates
seen after the current context). The production predictor is
`gumd.nap.variable_order.VariableOrder`.
"""

from __future__ import annotations

from collections import deque
from typing import Iterable

from gumd.nap.sequence import Candidate, Counts, SequencePredictor
from gumd.nap.variable_order import VariableOrder


def _normalised(pairs: list[tuple[float, str]], total: float) -> list[Candidate]:
    return [Candidate(item, w / total if total else 0.0) for w, item in pairs]


class MostFrequent(SequencePredictor):
    """The items used most often so far."""

    name = "most-frequent"

    def __init__(self):
        self.counts = Counts()

    def rank(self, k: int = 5, exclude: Iterable[str] = (), at: float | None = None) -> list[Candidate]:
        return _normalised(self.counts.top(k, frozenset(exclude)), self.counts.total)

    def learn(self, item: str, at: float | None = None) -> None:
        self.counts.add(item)


class Markov(SequencePredictor):
    """Order-n Markov chain over the last n items; shorter contexts fill the list when the long one runs out."""

    def __init__(self, order: int):
        if order < 1:
            raise ValueError("Markov order must be >= 1")
        self.order = order
        self.name = f"markov-{order}"
        self.history: deque[str] = deque(maxlen=order)
        self.tables: list[dict[tuple[str, ...], Counts]] = [{} for _ in range(order + 1)]

    def _context(self, length: int) -> tuple[str, ...]:
        return tuple(self.history)[len(self.history) - length:] if length else ()

    def rank(self, k: int = 5, exclude: Iterable[str] = (), at: float | None = None) -> list[Candidate]:
        excluded = set(exclude)
        out: list[Candidate] = []
        for length in range(min(self.order, len(self.history)), -1, -1):
            counts = self.tables[length].get(self._context(length))
            if counts is None:
                continue
            out += _normalised(counts.top(k - len(out), frozenset(excluded)), counts.total)
            excluded.update(c.item for c in out)
            if len(out) >= k:
                break
        return out

    def learn(self, item: str, at: float | None = None) -> None:
        for length in range(min(self.order, len(self.history)) + 1):
            self.tables[length].setdefault(self._context(length), Counts()).add(item)
        self.history.append(item)


def standard_predictors() -> list[SequencePredictor]:
    """The predictors `gumd eval nap` compares, baselines first."""
    return [MostFrequent(), Markov(1), Markov(2), VariableOrder()]
