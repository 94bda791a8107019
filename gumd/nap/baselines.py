"""Statistical next-action predictors: online, cheap, and strong on real app and command streams.

Every predictor sees a stream of items (action keys such as an app name or a
command) one at a time through `learn(item, at)` and, between items, ranks what
comes next with `rank(k, exclude, at)`. Each update costs O(order) dictionary
operations; ranking costs O(candidates seen after the current context).

- `MostFrequent`: overall counts.
- `Markov(order)`: counts after the last `order` items, backing off to shorter
  contexts to fill the list (Markov-1, Markov-2).
- `VariableOrder`: interpolated contexts of every length up to `max_order`
  (PPM-C escape weights), counts that decay with each new occurrence of their
  context (IPAM-like recency), and an hour-of-day table, mixed by weights that
  follow each part's online log-loss.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from abc import ABC, abstractmethod
from collections import deque
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

    def top(self, k: int, exclude: frozenset[str]) -> list[tuple[float, str]]:
        """The k heaviest items not excluded, as (weight, item), heaviest first."""
        pairs = ((self.weight(i), i) for i in self.items if i not in exclude)
        return heapq.nlargest(k, pairs)


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


class _Expert(ABC):
    """One view of what comes next, for VariableOrder to pool: prepare for a moment, then answer."""

    @abstractmethod
    def prepare(self, at: float | None) -> None:
        """Look up the state that applies now (call before candidates/probability)."""

    @abstractmethod
    def candidates(self, k: int, excluded: frozenset[str]) -> set[str]:
        """At least this expert's k most probable items, leaving out `excluded`."""

    @abstractmethod
    def probability(self, item: str) -> float:
        """This expert's probability for `item` as prepared."""

    @abstractmethod
    def learn(self, item: str, at: float | None) -> None:
        """Take in the item that came."""


class _Contexts(_Expert):
    """Expert: contexts of every length up to max_order, interpolated with PPM-C escape weights."""

    def __init__(self, max_order: int, decay: float, escape: float):
        self.escape = escape
        self.decay = decay
        self.history: deque[str] = deque(maxlen=max_order)
        self.tables: list[dict[tuple[str, ...], Counts]] = [{} for _ in range(max_order + 1)]
        self.contexts: list[Counts] = []
        self.coefs: list[float] = []

    def prepare(self, at: float | None) -> None:
        """Find the contexts that match the history (shortest first) and their blend weights."""
        hist = tuple(self.history)
        self.contexts = []
        for length in range(len(hist) + 1):
            counts = self.tables[length].get(hist[len(hist) - length:] if length else ())
            if counts is None:
                break
            self.contexts.append(counts)
        self.coefs = [0.0] * len(self.contexts)
        remaining = 1.0
        for i in range(len(self.contexts) - 1, -1, -1):
            c = self.contexts[i]
            lam = c.total / (c.total + self.escape * len(c.items)) if i else 1.0
            self.coefs[i] = remaining * lam
            remaining *= 1.0 - lam

    def candidates(self, k: int, excluded: frozenset[str]) -> set[str]:
        if not self.contexts:
            return set()
        # Items absent from the longer contexts are ordered by their order-0 weight alone: its top k suffice.
        pool = {i for _, i in self.contexts[0].top(k, excluded)}
        for c in self.contexts[1:]:
            pool.update(i for i in c.items if i not in excluded)
        return pool

    def probability(self, item: str) -> float:
        return sum(coef * c.probability(item) for coef, c in zip(self.coefs, self.contexts))

    def learn(self, item: str, at: float | None) -> None:
        hist = tuple(self.history)
        for length in range(len(hist) + 1):
            key = hist[len(hist) - length:] if length else ()
            self.tables[length].setdefault(key, Counts(self.decay)).add(item)
        self.history.append(item)


class _Recency(_Expert):
    """Expert: how far back in the most-recently-used list the next item tends to sit (alt-tab order).

    It learns a distribution over list positions, so it serves both app
    switching (return to the previous app) and command streams (repeat the last).
    """

    def __init__(self, depth: int, decay: float):
        self.depth = depth
        self.recent: list[str] = []
        self.positions = Counts(decay)
        self.rank_of: dict[str, int] = {}

    def prepare(self, at: float | None) -> None:
        self.rank_of = {item: r for r, item in enumerate(self.recent)}

    def candidates(self, k: int, excluded: frozenset[str]) -> set[str]:
        ranked = sorted(((self.positions.weight(str(r)), item) for item, r in self.rank_of.items()
                         if item not in excluded), reverse=True)
        return {item for _, item in ranked[:k]}

    def probability(self, item: str) -> float:
        r = self.rank_of.get(item)
        return self.positions.probability(str(r)) if r is not None else 0.0

    def learn(self, item: str, at: float | None) -> None:
        if item in self.recent:
            r = self.recent.index(item)
            self.positions.add(str(r))
            del self.recent[r]
        else:
            self.positions.add("new")
        self.recent.insert(0, item)
        del self.recent[self.depth:]


class _HourOfDay(_Expert):
    """Expert: what is used at this hour of the local day; silent for items without times."""

    def __init__(self, decay: float):
        self.decay = decay
        self.hours: dict[int, Counts] = {}
        self.current: Counts | None = None

    @staticmethod
    def _hour(at: float | None) -> int | None:
        return None if at is None else dt.datetime.fromtimestamp(at).hour

    def prepare(self, at: float | None) -> None:
        self.current = self.hours.get(self._hour(at))

    def candidates(self, k: int, excluded: frozenset[str]) -> set[str]:
        return {i for _, i in self.current.top(k, excluded)} if self.current else set()

    def probability(self, item: str) -> float:
        return self.current.probability(item) if self.current else 0.0

    def learn(self, item: str, at: float | None) -> None:
        hour = self._hour(at)
        if hour is not None:
            self.hours.setdefault(hour, Counts(self.decay)).add(item)


class VariableOrder(SequencePredictor):
    """Several experts pooled log-linearly, with exponents learned online by the log-likelihood gradient.

    Experts:
    - contexts of every length up to `max_order`, blended PPM-C style, twice:
      with plain counts, and with counts that decay by `fast_decay` per
      occurrence of their context (IPAM-like recency);
    - the position in the most-recently-used list the next item tends to have
      (alt-tab order for apps, "the same again" for commands);
    - an hour-of-day table, when items carry times.

    A candidate's score is sum_j theta_j * log(p_j + floor); the softmax of the
    scores over the pooled candidates is the probability returned. After each
    real item, theta takes one gradient step, so the pool leans on whichever
    expert has been judging this user's stream best. `learn` trains on the
    distribution the preceding `rank` offered (its exclusions included).
    """

    name = "variable-order"

    def __init__(self, max_order: int = 6, fast_decay: float = 0.9, escape: float = 1.0,
                 recency_depth: int = 50, hour_decay: float = 0.995, learning_rate: float = 0.01,
                 pool: int = 10, floor: float = 1e-3):
        self.experts: list[_Expert] = [
            _Contexts(max_order, 1.0, escape),
            _Contexts(max_order, fast_decay, escape),
            _Recency(recency_depth, 1.0),
            _HourOfDay(hour_decay),
        ]
        self.theta = [1.0] + [0.0] * (len(self.experts) - 1)
        self.learning_rate = learning_rate
        self.pool = pool
        self.floor = floor
        self._excluded: frozenset[str] = frozenset()
        self._offered: dict[str, tuple[float, list[float]]] | None = None  # what the last rank() scored

    def _scored(self, at: float | None, excluded: frozenset[str], extra: str | None = None) -> dict[str, tuple[float, list[float]]]:
        """Softmax probability and feature vector of every pooled candidate."""
        for e in self.experts:
            e.prepare(at)
        pool: set[str] = set()
        for e in self.experts:
            pool |= e.candidates(self.pool, excluded)
        if extra is not None:
            pool.add(extra)
        features = {i: [math.log(e.probability(i) + self.floor) for e in self.experts] for i in pool}
        scores = {i: sum(t * x for t, x in zip(self.theta, f)) for i, f in features.items()}
        top = max(scores.values(), default=0.0)
        exp = {i: math.exp(s - top) for i, s in scores.items()}
        z = sum(exp.values())
        return {i: (exp[i] / z, features[i]) for i in pool}

    def rank(self, k: int = 5, exclude: Iterable[str] = (), at: float | None = None) -> list[Candidate]:
        self._excluded = frozenset(exclude)
        self._offered = self._scored(at, self._excluded)
        return [Candidate(i, p) for p, i in heapq.nlargest(k, ((p, i) for i, (p, _) in self._offered.items()))]

    def learn(self, item: str, at: float | None = None) -> None:
        scored = self._offered
        if scored is None or item not in scored:
            scored = self._scored(at, self._excluded, extra=item)
        gradient = list(scored[item][1])
        for p, features in scored.values():
            for j, x in enumerate(features):
                gradient[j] -= p * x
        self.theta = [t + self.learning_rate * g for t, g in zip(self.theta, gradient)]
        self._offered, self._excluded = None, frozenset()
        for e in self.experts:
            e.learn(item, at)


def standard_predictors() -> list[SequencePredictor]:
    """The predictors `gumd eval nap` compares, baselines first."""
    return [MostFrequent(), Markov(1), Markov(2), VariableOrder()]
