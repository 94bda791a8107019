"""The proposition_vectors table: one embedding (float32 bytes) per proposition and model."""

from __future__ import annotations

from gumd.store.database import Database


class Vectors:
    """Storing proposition embeddings and reading them back by model."""

    def __init__(self, db: Database):
        self.db = db

    def set(self, prop_id: int, model: str, vector: bytes) -> None:
        """Store (or replace) a proposition's vector from `model`."""
        with self.db.transaction():
            self.db.sqlite["proposition_vectors"].upsert(
                {"proposition_id": prop_id, "model": model, "vector": vector}, pk="proposition_id"
            )

    def after(self, model: str, after_id: int, status: str = "active") -> list[tuple[int, bytes]]:
        """(proposition id, float32 bytes) for propositions in `status` with id > after_id, by id."""
        rows = self.db.rows(
            "SELECT v.proposition_id AS id, v.vector FROM proposition_vectors v JOIN propositions p "
            "ON p.id = v.proposition_id WHERE v.model = ? AND v.proposition_id > ? AND p.status = ? "
            "ORDER BY v.proposition_id",
            [model, after_id, status],
        )
        return [(r["id"], r["vector"]) for r in rows]

    def missing(self, model: str, limit: int = 1000) -> list[tuple[int, str]]:
        """(id, text) of active propositions that have no vector from `model` yet."""
        rows = self.db.rows(
            "SELECT p.id, p.text FROM propositions p LEFT JOIN proposition_vectors v ON v.proposition_id = p.id "
            "AND v.model = ? WHERE p.status = 'active' AND v.proposition_id IS NULL ORDER BY p.id LIMIT ?",
            [model, limit],
        )
        return [(r["id"], r["text"]) for r in rows]
