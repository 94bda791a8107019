"""Proposition embeddings of one model, held in memory as one float32 matrix for a vectorized scan.

Vectors live in SQLite (`proposition_vectors`, float32 BLOBs); the index loads
them once and then only what was added since (ids only grow). Rows whose
proposition stopped being active are filtered by the caller, which reads the
propositions anyway.
"""

from __future__ import annotations

import threading

import numpy as np

from gumd.store.store import Store


class VectorIndex:
    def __init__(self, store: Store, model: str, dim: int):
        self.store = store
        self.model = model
        self.dim = dim
        self._ids = np.zeros(0, dtype=np.int64)
        self._matrix = np.zeros((0, dim), dtype=np.float32)
        self._last_id = 0
        self._pos: dict[int, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, prop_id: int, vector: np.ndarray) -> None:
        """Store one proposition's vector (float32, normalized) and make it searchable."""
        vector = np.asarray(vector, dtype=np.float32).reshape(self.dim)
        self.store.set_vector(prop_id, self.model, vector.tobytes())
        self.refresh()

    def refresh(self) -> None:
        """Load vectors added to the store since the last refresh."""
        with self._lock:
            rows = self.store.vectors_after(self.model, self._last_id)
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            block = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), self.dim)
            self._pos.update({int(i): len(self._ids) + n for n, i in enumerate(ids)})
            self._ids = np.concatenate([self._ids, ids])
            self._matrix = np.vstack([self._matrix, block])
            self._last_id = int(ids[-1])

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """The k nearest proposition ids by cosine similarity, best first."""
        self.refresh()
        with self._lock:
            ids, matrix = self._ids, self._matrix
        if not len(ids):
            return []
        scores = matrix @ np.asarray(query, dtype=np.float32).reshape(self.dim)
        k = min(k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(int(ids[i]), float(scores[i])) for i in top]

    def vectors(self, prop_ids: list[int]) -> dict[int, np.ndarray]:
        """The vectors of the given ids that the index holds."""
        with self._lock:
            return {i: self._matrix[self._pos[i]] for i in prop_ids if i in self._pos}
