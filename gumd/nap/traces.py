"""The trace library: past moments with the reasoning written then and what the user actually did next.

Retrieval is hybrid: BM25 (SQLite FTS5) finds candidates, then each is scored
by its normalised BM25, its similarity to the present moment (word-trigram
overlap, or cosine of embeddings when an embedder is given) and a recency
factor with a half-life. Only traces that ended before "now" are eligible, so
a replayed evaluation never sees its own future.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np

from gumd.store import Store
from gumd.store.actions import Trace


class Embedder(Protocol):
    """Anything that turns texts into one vector each (rows of a 2-D array)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def word_trigrams(text: str) -> set[tuple[str, ...]]:
    """Word trigrams of the lower-cased text; single words and pairs for texts shorter than three words."""
    words = re.findall(r"\w+", text.lower())
    n = min(3, len(words))
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)} if n else set()


def trigram_similarity(a: str, b: str) -> float:
    """Jaccard overlap of word trigrams, 0..1."""
    ta, tb = word_trigrams(a), word_trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


@dataclass(frozen=True)
class Retrieved:
    trace: Trace
    relevance: float  # combined score, 0..1


class TraceLibrary:
    """Retrieve and grow the traces in a store; plug in `embedder` to use embeddings instead of trigrams."""

    def __init__(self, store: Store, embedder: Embedder | None = None, half_life_days: float = 14.0,
                 duplicate_similarity: float = 0.8):
        self.store = store
        self.embedder = embedder
        self.half_life_s = half_life_days * 86400
        self.duplicate_similarity = duplicate_similarity

    def similarity(self, text: str, others: Sequence[str]) -> list[float]:
        """Similarity of `text` to each of `others`, 0..1."""
        if not others:
            return []
        if self.embedder is None:
            return [trigram_similarity(text, o) for o in others]
        vectors = np.asarray(self.embedder.embed([text, *others]), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
        return [max(0.0, float(v)) for v in vectors[1:] @ vectors[0]]

    def retrieve(self, moment: str, now: float, k: int = 3, pool: int = 20) -> list[Retrieved]:
        """The k traces most relevant to `moment` among those that ended before `now`."""
        found = self.store.actions.search_traces(moment, before=now, limit=pool)
        if not found:
            return []
        top_bm25 = max(t.bm25 for t in found) or 1.0
        sims = self.similarity(moment, [t.context for t in found])
        scored = []
        for trace, sim in zip(found, sims):
            recency = math.pow(0.5, max(0.0, now - trace.ended_at) / self.half_life_s)
            relevance = (0.5 * trace.bm25 / top_bm25 + 0.5 * sim) * (0.5 + 0.5 * recency)
            scored.append(Retrieved(trace, relevance))
        scored.sort(key=lambda r: r.relevance, reverse=True)
        return scored[:k]

    def add(self, trace: Trace) -> int:
        """Add a trace; a near-duplicate (same next action, very similar moment) is replaced, keeping the better.

        Returns the id of the trace kept.
        """
        same_next = [t for t in self.store.actions.search_traces(trace.context, before=float("inf"), limit=20)
                     if t.next_key == trace.next_key]
        sims = self.similarity(trace.context, [t.context for t in same_next])
        duplicates = [t for t, s in zip(same_next, sims) if s >= self.duplicate_similarity]
        if duplicates:
            best = max(duplicates, key=lambda t: t.score)
            if best.score > trace.score:
                return best.id
            return self.store.actions.add_trace(trace, replaces=best.id)
        return self.store.actions.add_trace(trace)
