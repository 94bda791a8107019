"""Hybrid retrieval of propositions: BM25 and embedding cosine fused by reciprocal rank, then
weighted by effective confidence (confidence faded by staleness) and diversified by MMR.

Used by revision (neighbours of a candidate), the API and the predictor.

How confidence is used (see also docs/propositions.md, "Confidence over time"):
- effective confidence = confidence x freshness, freshness = 0.5 ** (age_days / half_life(decay)),
  where age counts from the last supporting evidence (updated_at) and
  half_life(decay) = 0.5 day x 2 ** (decay - 1): decay 1 halves in 12 hours,
  decay 5 in 8 days, decay 10 in 256 days.
- ranking score = fused relevance x (0.3 + 0.7 x effective confidence / 10): a guess still shows
  up for a precise query, but a well-supported, fresh belief wins a tie.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from gumd.store import Proposition, Store
from gumd.store.vector_index import VectorIndex

RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al. 2009)
DAY = 86400.0


def half_life_days(decay: int) -> float:
    """How many days until a proposition of this decay counts half as much."""
    return 0.5 * 2 ** (decay - 1)


def effective_confidence(p: Proposition, now: float) -> float:
    """Confidence faded by staleness, per the decay rule in this module's docstring."""
    age_days = max(0.0, now - p.updated_at) / DAY
    return p.confidence * 0.5 ** (age_days / half_life_days(p.decay))


@dataclass(frozen=True)
class Hit:
    proposition: Proposition
    score: float
    relevance: float
    effective_confidence: float


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


class Retriever:
    """Searches the store's propositions; `embedder` (optional) adds the semantic half and MMR by cosine.

    Each half brings its best `pool` candidates (more when a page asks for more than a third of that);
    docs/benchmarks.md ("Search") has the latency this pool size gives. A search waits at most `load_wait_s`
    for the embedder to load (its first load exports an ONNX graph, half a minute on a busy machine; None: as long
    as the load takes); past that it answers from the lexical half alone while the load goes on.
    """

    def __init__(self, store: Store, embedder=None, pool: int = 50, min_similarity: float = 0.3,
                 load_wait_s: float | None = 5.0):
        self.store = store
        self.embedder = embedder
        self.load_wait_s = load_wait_s
        self.pool = pool
        self.min_similarity = min_similarity  # cosine below this is no match at all
        self._index: VectorIndex | None = None
        self._query_vectors: OrderedDict[str, np.ndarray] = OrderedDict()  # assistants repeat their queries
        self._lexical = ThreadPoolExecutor(1, thread_name_prefix="gumd-bm25")  # BM25 while the query is embedded

    @property
    def index(self) -> VectorIndex | None:
        """The embedding index, or None without an embedder; the embedder loads on first use."""
        if self._index is None and self.embedder is not None:
            self._index = VectorIndex(self.store.vectors, self.embedder.name, self.embedder.dim)
        return self._index

    def index_pending(self, limit: int = 1000) -> int:
        """Embed active propositions that have no vector yet; returns how many were embedded."""
        if self.index is None:
            return 0
        todo = self.store.vectors.missing(self.index.model, limit)
        if todo:
            vectors = self.embedder.embed([text for _, text in todo])
            for (prop_id, _), vector in zip(todo, vectors):
                self.store.vectors.set(prop_id, self.index.model, vector.tobytes())
            self.index.refresh()
        return len(todo)

    def search(
        self,
        q: str,
        limit: int = 10,
        offset: int = 0,
        since: float | None = None,
        until: float | None = None,
        min_confidence: float = 0.0,
        diversity: float = 0.3,
        now: float | None = None,
        use_vectors: bool = True,
        weigh_confidence: bool = True,
    ) -> list[Hit]:
        """The best `limit` active propositions for q (after `offset`), within the time window.

        `min_confidence` applies to effective confidence (1, the scale's floor, keeps everything); `diversity`
        is MMR's weight on novelty (0 = pure relevance). The order weighs relevance by effective confidence;
        without `weigh_confidence`, by relevance alone (what revision needs: the statement that says the same,
        however weakly held).
        """
        now = time.time() if now is None else now
        semantic = (use_vectors and self.embedder is not None and q.strip() and self.embedder.ready(self.load_wait_s)
                    and self.index is not None)
        # The two halves run side by side (SQLite, ONNX Runtime and torch let go of the GIL); the BM25 thread has
        # a connection of its own, so it sees committed rows only.
        pool = max(self.pool, 3 * (offset + limit))  # candidates from each half: enough for MMR's 3 per result
        lexical = self._lexical.submit(self.store.search.proposition_ids, q, pool) if semantic else None
        near = []
        if semantic:
            near = [pid for pid, cos in self.index.search(self._query_vector(q), pool) if cos >= self.min_similarity]
        fused: dict[int, float] = {}
        for ranked in (lexical.result() if lexical else self.store.search.proposition_ids(q, pool), near):
            for rank, pid in enumerate(ranked):
                fused[pid] = fused.get(pid, 0.0) + 1.0 / (RRF_K + rank + 1)
        hits = []
        for p in self.store.propositions.by_ids(list(fused)):
            if p.status != "active":
                continue
            if since is not None and p.updated_at < since or until is not None and p.created_at > until:
                continue
            eff = effective_confidence(p, now)
            if min_confidence > 1 and eff < min_confidence:
                continue
            hits.append(Hit(p, fused[p.id] * (0.3 + 0.7 * eff / 10 if weigh_confidence else 1.0), fused[p.id], eff))
        hits.sort(key=lambda h: h.score, reverse=True)
        return self._diversify(hits, offset + limit, diversity)[offset:]

    def _query_vector(self, q: str, keep: int = 256) -> np.ndarray:
        """The query's embedding, from a small LRU cache when it was asked recently."""
        vec = self._query_vectors.pop(q, None)
        if vec is None:
            vec = self.embedder.embed([q])[0]
        self._query_vectors[q] = vec
        while len(self._query_vectors) > keep:
            self._query_vectors.popitem(last=False)
        return vec

    def _diversify(self, hits: list[Hit], n: int, diversity: float) -> list[Hit]:
        """Maximal marginal relevance: trade a little relevance for not repeating the same belief."""
        if diversity <= 0 or len(hits) <= 1 or n <= 1:
            return hits[:n]
        top = hits[: n * 3]
        similar = self._similarities([h.proposition for h in top])
        relevance = np.array([h.score for h in top]) / (top[0].score or 1.0)
        redundancy = np.zeros(len(top))  # each hit's highest similarity to one already chosen
        left = np.ones(len(top), dtype=bool)
        chosen: list[Hit] = []
        while len(chosen) < min(n, len(top)):
            pick = int(np.argmax(np.where(left, (1 - diversity) * relevance - diversity * redundancy, -np.inf)))
            chosen.append(top[pick])
            left[pick] = False
            redundancy = np.maximum(redundancy, similar[pick])
        return chosen

    def _similarities(self, props: list[Proposition]) -> np.ndarray:
        """Pairwise similarity: embedding cosine, or word overlap (Jaccard) where a vector is missing."""
        held = self.index.vectors([p.id for p in props]) if self.index is not None else {}
        similar = np.zeros((len(props), len(props)))
        if held:
            rows = np.stack([held.get(p.id, np.zeros(self.index.dim, dtype=np.float32)) for p in props])
            similar = rows @ rows.T
        words = [_words(p.text) for p in props]
        for a, p in enumerate(props):
            if p.id in held:
                continue
            for b in range(len(props)):
                wa, wb = words[a], words[b]
                similar[a, b] = similar[b, a] = len(wa & wb) / len(wa | wb) if wa and wb else 0.0
        return similar
