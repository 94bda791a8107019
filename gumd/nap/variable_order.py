"""VariableOrder, the production next-action predictor: pooled experts over the item stream.

It pools interpolated contexts up to two lengths (PPM-C escape weights), with
counts that decay with each new occurrence of their context (IPAM-like
recency) and without, the most-recently-used position per dwell time, and an
hour-of-day table, by weights that follow each part's online log-loss; long
pauses mark session starts. Learning an item is online and cheap.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from abc import ABC, abstractmethod
from collections import deque
from typing import Iterable

from gumd.nap.sequence import Candidate, Counts, SequencePredictor


SESSION_BREAK = "\x00session"  # marks a long pause in the context history; never counted as an item


def dwell_band(seconds: float | None) -> int | None:
    """A coarse band for how long the user stayed on an item: <2 s, <8 s, <64 s, <17 min, longer; None if unknown."""
    if seconds is None:
        return None
    for band, limit in enumerate((2.0, 8.0, 64.0, 1024.0)):
        if seconds < limit:
            return band
    return 4


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

    def session_break(self) -> None:
        """A long pause came before the item about to be learned (experts that keep a history mark it)."""


class _Contexts(_Expert):
    """Expert: contexts of every length up to max_order, interpolated with PPM-C escape weights."""

    def __init__(self, max_order: int, decay: float, escape: float):
        self.escape = escape
        self.decay = decay
        self.history: deque[str] = deque(maxlen=max_order)
        self.tables: list[dict[tuple[str, ...], Counts]] = [{} for _ in range(max_order + 1)]
        self.contexts: list[Counts] = []
        self.coefs: list[float] = []
        self.longer: dict[str, float] = {}  # blended probability from the contexts of length >= 1

    def prepare(self, at: float | None) -> None:
        """Find the contexts that match the history (shortest first), their blend weights, and what they give."""
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
        self.longer = {}
        for coef, c in zip(self.coefs[1:], self.contexts[1:]):
            scale = coef / c.total
            for item, w in c.weights().items():
                self.longer[item] = self.longer.get(item, 0.0) + scale * w

    def candidates(self, k: int, excluded: frozenset[str]) -> set[str]:
        if not self.contexts:
            return set()
        # Items absent from the longer contexts are ordered by their order-0 weight alone: its top k suffice.
        pool = {i for _, i in self.contexts[0].top(k, excluded)}
        pool.update(i for i in self.longer if i not in excluded)
        return pool

    def probability(self, item: str) -> float:
        if not self.contexts:
            return 0.0
        return self.coefs[0] * self.contexts[0].probability(item) + self.longer.get(item, 0.0)

    def learn(self, item: str, at: float | None) -> None:
        hist = tuple(self.history)
        for length in range(len(hist) + 1):
            key = hist[len(hist) - length:] if length else ()
            self.tables[length].setdefault(key, Counts(self.decay)).add(item)
        self.history.append(item)

    def session_break(self) -> None:
        self.history.append(SESSION_BREAK)


class _Recency(_Expert):
    """Expert: how far back in the most-recently-used list the next item tends to sit (alt-tab order).

    It learns a distribution over list positions, so it serves both app
    switching (return to the previous app) and command streams (repeat the
    last). The distribution is kept per dwell band of the item before the
    current one, when items carry times: after a glance of under two seconds
    people return to the previous app far less often than after a minute.
    """

    def __init__(self, depth: int):
        self.depth = depth
        self.recent: list[str] = []
        self.by_band: dict[int | None, Counts] = {}
        self.band: int | None = None  # dwell band of the item before the current one
        self.last_at: float | None = None
        self.rank_of: dict[str, int] = {}
        self.positions = Counts()

    def prepare(self, at: float | None) -> None:
        self.rank_of = {item: r for r, item in enumerate(self.recent)}
        self.positions = self.by_band.get(self.band) or Counts()

    def candidates(self, k: int, excluded: frozenset[str]) -> set[str]:
        ranked = sorted(((self.positions.weight(r), item) for item, r in self.rank_of.items()
                         if item not in excluded), reverse=True)
        return {item for _, item in ranked[:k]}

    def probability(self, item: str) -> float:
        r = self.rank_of.get(item)
        return self.positions.probability(r) if r is not None else 0.0

    def learn(self, item: str, at: float | None) -> None:
        positions = self.by_band.setdefault(self.band, Counts())
        if item in self.recent:
            r = self.recent.index(item)
            positions.add(r)
            del self.recent[r]
        else:
            positions.add(-1)  # new to the list
        self.recent.insert(0, item)
        del self.recent[self.depth:]
        known = at is not None and self.last_at is not None
        self.band = dwell_band(at - self.last_at) if known else None
        self.last_at = at


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
    - contexts of every length up to `max_order`, blended PPM-C style, three
      times: with counts that decay by `fast_decay` per occurrence of their
      context (IPAM-like recency), with plain counts, and decayed again but
      only up to `short_order` (app streams gain little from long contexts,
      command streams a lot: the pool learns which to trust);
    - the position in the most-recently-used list the next item tends to have
      (alt-tab order for apps, "the same again" for commands), per dwell band
      of the item before the current one;
    - an hour-of-day table, when items carry times.

    A pause longer than `session_gap` seconds between two items is marked in
    the context histories, so the first items of a session are read in the
    context "start of a session" instead of whatever ended the last one.

    A candidate's score is sum_j theta_j * log(p_j + floor); the softmax of the
    scores over the pooled candidates is the probability returned. After each
    real item that some expert offered, theta takes one gradient step and is
    kept non-negative, so the pool leans on whichever experts have been
    judging this user's stream best. Items no expert could offer (first uses)
    teach theta nothing: they only pull the weights of every expert down.
    `learn` trains on the distribution the preceding `rank` offered (its
    exclusions included).
    """

    name = "variable-order"

    def __init__(self, max_order: int = 6, short_order: int = 2, fast_decay: float = 0.9, escape: float = 1.0,
                 recency_depth: int = 50, hour_decay: float = 0.995, session_gap: float = 1800.0,
                 learning_rate: float = 0.01, pool: int = 10, floor: float = 1e-3):
        self.experts: list[_Expert] = [
            _Contexts(max_order, fast_decay, escape),
            _Contexts(short_order, fast_decay, escape),
            _Contexts(max_order, 1.0, escape),
            _Recency(recency_depth),
            _HourOfDay(hour_decay),
        ]
        self.theta = [1.0] + [0.0] * (len(self.experts) - 1)
        self.session_gap = session_gap
        self.learning_rate = learning_rate
        self.pool = pool
        self.floor = floor
        self._last_at: float | None = None
        self._excluded: frozenset[str] = frozenset()
        self._offered: dict[str, tuple[float, list[float]]] | None = None  # what the last rank() scored

    def _scored(self, at: float | None, excluded: frozenset[str]) -> dict[str, tuple[float, list[float]]]:
        """Softmax probability and feature vector of every pooled candidate."""
        for e in self.experts:
            e.prepare(at)
        pool: set[str] = set()
        for e in self.experts:
            pool |= e.candidates(self.pool, excluded)
        floor, theta = self.floor, self.theta
        features = {i: [math.log(e.probability(i) + floor) for e in self.experts] for i in pool}
        scores = {i: sum(t * x for t, x in zip(theta, f)) for i, f in features.items()}
        top = max(scores.values(), default=0.0)
        exp = {i: math.exp(s - top) for i, s in scores.items()}
        z = sum(exp.values())
        return {i: (exp[i] / z, features[i]) for i in pool}

    def rank(self, k: int = 5, exclude: Iterable[str] = (), at: float | None = None) -> list[Candidate]:
        self._excluded = frozenset(exclude)
        self._offered = self._scored(at, self._excluded)
        return [Candidate(i, p) for p, i in heapq.nlargest(k, ((p, i) for i, (p, _) in self._offered.items()))]

    def learn(self, item: str, at: float | None = None) -> None:
        scored = self._offered if self._offered is not None else self._scored(at, self._excluded)
        if item in scored:
            gradient = list(scored[item][1])
            for p, features in scored.values():
                for j, x in enumerate(features):
                    gradient[j] -= p * x
            self.theta = [max(0.0, t + self.learning_rate * g) for t, g in zip(self.theta, gradient)]
        self._offered, self._excluded = None, frozenset()
        if at is not None and self._last_at is not None and at - self._last_at > self.session_gap:
            for e in self.experts:
                e.session_break()
        self._last_at = at
        for e in self.experts:
            e.learn(item, at)
