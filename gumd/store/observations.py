"""The observations table: what capture saw, stored as pending before any model reads it."""

from __future__ import annotations

import dataclasses
import time

from gumd.store.database import Database
from gumd.store.records import NewObservation, Observation
from gumd.store.rows import observation, window_filter


class Observations:
    """Adding and reading observations."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, obs: NewObservation, status: str = "pending") -> int:
        """Store an observation, durable before any model sees it: "pending" for the propositions engine, or
        "reading" while a vision model is still to read its screen (the engine does not take it until then)."""
        row = dataclasses.asdict(obs) | {"status": status, "created_at": time.time()}
        with self.db.transaction():
            return self.db.sqlite["observations"].insert(row).last_pk

    def finish_reading(self, obs_id: int, text: str | None) -> bool:
        """Hand an observation the vision model was to read to the engine: with `text` as its new screen text,
        or with the text it has (None). False when it is gone or no longer waiting (deleted by a forget)."""
        with self.db.transaction():
            if text is None:
                sql, params = "UPDATE observations SET status = 'pending' WHERE id = ? AND status = 'reading'", [obs_id]
            else:
                sql = "UPDATE observations SET text = ?, status = 'pending' WHERE id = ? AND status = 'reading'"
                params = [text, obs_id]
            return self.db.execute(sql, params).rowcount == 1

    def get(self, obs_id: int) -> Observation | None:
        """The observation with this id, or None."""
        rows = self.db.rows("SELECT * FROM observations WHERE id = ?", [obs_id])
        return observation(rows[0]) if rows else None

    def newest(
        self,
        since: float | None = None,
        until: float | None = None,
        app: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Observation]:
        """Observations, newest first, filtered by time window, app and status."""
        where, params = window_filter(since, until, app)
        if status:
            where.append("status = ?")
            params.append(status)
        sql = f"SELECT * FROM observations WHERE {' AND '.join(where)} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?"
        return [observation(r) for r in self.db.rows(sql, params + [limit, offset])]

    def newest_id(self) -> int:
        """The highest observation id, 0 when there is none."""
        return self.db.rows("SELECT COALESCE(MAX(id), 0) AS n FROM observations")[0]["n"]

    def after(self, obs_id: int, limit: int = 500) -> list[Observation]:
        """Observations with id > obs_id, oldest first (for followers of the stream)."""
        rows = self.db.rows("SELECT * FROM observations WHERE id > ? ORDER BY id LIMIT ?", [obs_id, limit])
        return [observation(r) for r in rows]

    def latest_ids(self, app: str, title: str | None = None, limit: int = 5) -> list[int]:
        """Ids of the newest observations of an app (and window title), newest first."""
        sql = "SELECT id FROM observations WHERE app = ?" + (" AND title = ?" if title is not None else "")
        params = [app] + ([title] if title is not None else [])
        return [r["id"] for r in self.db.rows(sql + " ORDER BY started_at DESC LIMIT ?", params + [limit])]

    def count_by_status(self) -> dict[str, int]:
        """How many observations are in each status."""
        return {r["status"]: r["n"] for r in self.db.rows("SELECT status, COUNT(*) AS n FROM observations GROUP BY status")}
