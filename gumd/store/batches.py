"""The batches table: which observations the proposition engine is working on, has done, or must retry."""

from __future__ import annotations

import time

from gumd.store.database import Database
from gumd.store.records import Observation
from gumd.store.rows import marks, observation


class Batches:
    """Claiming observations for the engine, and recording how each batch ended."""

    def __init__(self, db: Database):
        self.db = db

    def claim(
        self, max_observations: int, max_chars: int, window_s: float = 3600.0, now: float | None = None
    ) -> tuple[int, list[Observation]] | None:
        """The next batch to process: a failed batch whose retry is due, else the oldest pending observations.

        A new batch stays within max_observations, max_chars of text and window_s
        of activity, so one batch is about one stretch of work.
        """
        now = time.time() if now is None else now
        with self.db.transaction():
            due = self.db.rows(
                "SELECT id FROM batches WHERE status = 'retry' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 1",
                [now],
            )
            if due:
                return self._retry(due[0]["id"])
            rows = self.db.rows(
                "SELECT * FROM observations WHERE status = 'pending' ORDER BY started_at, id LIMIT ?",
                [max_observations],
            )
            chosen, chars = [], 0
            for r in rows:
                size = len(r["text"] or "") + len(r["title"] or "") + len(r["input_summary"] or "")
                if chosen and (chars + size > max_chars or r["started_at"] - chosen[0]["started_at"] > window_s):
                    break
                chosen.append(r)
                chars += size
            if not chosen:
                return None
            batch_id = self.db.sqlite["batches"].insert(
                {"status": "running", "attempts": 1, "created_at": now, "observation_count": len(chosen)}
            ).last_pk
            ids = [r["id"] for r in chosen]
            self.db.execute(
                f"UPDATE observations SET status = 'processing', batch_id = ? WHERE id IN ({marks(ids)})",
                [batch_id, *ids],
            )
        return batch_id, [observation(r | {"status": "processing", "batch_id": batch_id}) for r in chosen]

    def _retry(self, batch_id: int) -> tuple[int, list[Observation]]:
        """Start another attempt at a batch (inside claim's transaction)."""
        self.db.execute("UPDATE batches SET status = 'running', attempts = attempts + 1 WHERE id = ?", [batch_id])
        self.db.execute("UPDATE observations SET status = 'processing' WHERE batch_id = ?", [batch_id])
        rows = self.db.rows("SELECT * FROM observations WHERE batch_id = ? ORDER BY started_at, id", [batch_id])
        return batch_id, [observation(r) for r in rows]

    def finish(self, batch_id: int) -> None:
        """Mark a batch and its observations done."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE batches SET status = 'done', error = NULL, finished_at = ? WHERE id = ?", [time.time(), batch_id]
            )
            self.db.execute("UPDATE observations SET status = 'done' WHERE batch_id = ?", [batch_id])

    def fail(self, batch_id: int, error: str, max_attempts: int, backoff_s: float) -> str:
        """Record a failed attempt: retry later (backoff doubling each time) or, at max_attempts, park it failed.

        Returns the batch's new status, "retry" or "failed".
        """
        now = time.time()
        with self.db.transaction():
            attempts = self.db.rows("SELECT attempts FROM batches WHERE id = ?", [batch_id])[0]["attempts"]
            if attempts < max_attempts:
                status, obs_status, next_at = "retry", "waiting", now + backoff_s * 2 ** (attempts - 1)
            else:
                status, obs_status, next_at = "failed", "failed", None
            self.db.execute(
                "UPDATE batches SET status = ?, error = ?, finished_at = ?, next_attempt_at = ? WHERE id = ?",
                [status, error, now, next_at, batch_id],
            )
            self.db.execute("UPDATE observations SET status = ? WHERE batch_id = ?", [obs_status, batch_id])
        return status

    def release(self, batch_id: int) -> None:
        """Give a batch's observations back to the queue unprocessed (shutdown mid-batch)."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE observations SET status = 'pending', batch_id = NULL WHERE batch_id = ? AND status = 'processing'",
                [batch_id],
            )
            self.db.execute("UPDATE batches SET status = 'abandoned', finished_at = ? WHERE id = ?", [time.time(), batch_id])

    def resume_interrupted(self) -> int:
        """After a crash: put observations left in 'processing' back to pending, and those a vision model had
        still to read (their screenshots lived in memory only) with the text they have. Returns how many."""
        with self.db.transaction():
            cur = self.db.execute(
                "UPDATE observations SET status = 'pending', batch_id = NULL WHERE status IN ('processing', 'reading')"
            )
            self.db.execute("UPDATE batches SET status = 'abandoned' WHERE status = 'running'")
        return cur.rowcount

    def count_by_status(self) -> dict[str, int]:
        """How many batches are in each status."""
        return {r["status"]: r["n"] for r in self.db.rows("SELECT status, COUNT(*) AS n FROM batches GROUP BY status")}
