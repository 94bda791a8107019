"""The propositions table and its evidence links: beliefs about the user, their versions, and what supports them.

A proposition's `grounding` (a dict, stored as JSON) and `model_confidence` are written as
the proposition engine hands them over in a NewProposition.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Iterable

from gumd.store.database import Database
from gumd.store.records import NewProposition, Proposition
from gumd.store.rows import PROPOSITION_SELECT, REVISION_GROUP_IDS, marks, observation, proposition


class Propositions:
    """Writing propositions (new, refined, supported, weakened) and reading them back."""

    def __init__(self, db: Database):
        self.db = db

    def add(
        self, prop: NewProposition, observation_ids: Iterable[int], origin: str = "model", stat_key: str | None = None
    ) -> int:
        """Store a new proposition (version 1 of its own revision group) with its evidence."""
        now = time.time()
        with self.db.transaction():
            pid = self.db.sqlite["propositions"].insert(
                dataclasses.asdict(prop)
                | {"version": 1, "status": "active", "created_at": now, "updated_at": now, "origin": origin,
                   "stat_key": stat_key}
            ).last_pk
            self.db.execute("UPDATE propositions SET revision_group = ? WHERE id = ?", [pid, pid])
            self._link(pid, observation_ids, now)
        return pid

    def add_many(self, items: Iterable[tuple[NewProposition, Iterable[int]]]) -> int:
        """Store many new propositions with their evidence in one transaction (imports, benchmarks)."""
        now = time.time()
        rows, links = [], []
        with self.db.transaction():
            for prop, observation_ids in items:
                rows.append(dataclasses.asdict(prop) | {"version": 1, "status": "active",
                                                        "created_at": now, "updated_at": now})
                links.append(set(observation_ids))
            first = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM propositions").fetchone()[0]
            self.db.sqlite["propositions"].insert_all(rows, batch_size=1000)
            self.db.execute("UPDATE propositions SET revision_group = id WHERE id >= ? AND revision_group IS NULL",
                            [first])
            self.db.sqlite["evidence"].insert_all(
                ({"proposition_id": first + i, "observation_id": o, "created_at": now}
                 for i, ids in enumerate(links) for o in ids),
                ignore=True, batch_size=1000,
            )
        return len(rows)

    def _link(self, prop_id: int, observation_ids: Iterable[int], now: float) -> int:
        """Link evidence to a proposition (inside the caller's transaction); returns how many links are new."""
        rows = [{"proposition_id": prop_id, "observation_id": o, "created_at": now} for o in set(observation_ids)]
        count = "SELECT COUNT(*) FROM evidence WHERE proposition_id = ?"
        before = self.db.execute(count, [prop_id]).fetchone()[0]
        self.db.sqlite["evidence"].insert_all(rows, ignore=True)
        return self.db.execute(count, [prop_id]).fetchone()[0] - before

    def refine(self, old_id: int, prop: NewProposition, observation_ids: Iterable[int], origin: str = "model") -> int:
        """A new version of old_id in the same revision group; the old one becomes `superseded`.

        The new version keeps the old one's evidence and adds the new.
        """
        now = time.time()
        with self.db.transaction():
            old = self.db.rows("SELECT revision_group, stat_key FROM propositions WHERE id = ?", [old_id])[0]
            version = self.db.rows(
                "SELECT MAX(version) AS v FROM propositions WHERE revision_group = ?", [old["revision_group"]]
            )[0]["v"]
            pid = self.db.sqlite["propositions"].insert(
                dataclasses.asdict(prop)
                | {"version": version + 1, "status": "active", "created_at": now, "updated_at": now,
                   "revision_group": old["revision_group"], "origin": origin, "stat_key": old["stat_key"]}
            ).last_pk
            self.db.execute("UPDATE propositions SET status = 'superseded', updated_at = ? WHERE id = ?", [now, old_id])
            kept = [r["observation_id"] for r in self.db.rows(
                "SELECT observation_id FROM evidence WHERE proposition_id = ?", [old_id])]
            self._link(pid, [*kept, *observation_ids], now)
        return pid

    def support(self, prop_id: int, observation_ids: Iterable[int], confidence_step: int = 1) -> bool:
        """Link new evidence; when any of it is new, raise confidence by confidence_step (at most 10).

        Returns whether new evidence was linked.
        """
        now = time.time()
        with self.db.transaction():
            added = self._link(prop_id, observation_ids, now)
            if added:
                self.db.execute(
                    "UPDATE propositions SET confidence = MIN(10, confidence + ?), updated_at = ? WHERE id = ?",
                    [confidence_step, now, prop_id],
                )
        return bool(added)

    def weaken(self, prop_id: int, by: int) -> None:
        """Lower confidence after contradicting evidence (never below 1); the proposition is kept."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE propositions SET confidence = MAX(1, confidence - ?), updated_at = ? WHERE id = ?",
                [by, time.time(), prop_id],
            )

    def get(self, prop_id: int, with_evidence: bool = True) -> Proposition | None:
        """The proposition with this id, with the observations behind it (oldest first) unless told not to."""
        rows = self.db.rows(PROPOSITION_SELECT + " WHERE p.id = ?", [prop_id])
        if not rows:
            return None
        evidence = []
        if with_evidence:
            evidence = [observation(r) for r in self.db.rows(
                "SELECT o.* FROM evidence e JOIN observations o ON o.id = e.observation_id "
                "WHERE e.proposition_id = ? ORDER BY o.started_at",
                [prop_id],
            )]
        return proposition(rows[0], evidence=evidence)

    def by_ids(self, ids: list[int]) -> list[Proposition]:
        """The propositions with these ids, in the order given; missing ids are left out."""
        if not ids:
            return []
        rows = {r["id"]: r for r in self.db.rows(PROPOSITION_SELECT + f" WHERE p.id IN ({marks(ids)})", ids)}
        return [proposition(rows[i]) for i in ids if i in rows]

    def by_stat_key(self, key: str) -> Proposition | None:
        """The newest active proposition the behaviour statistics wrote under `key`, or None."""
        rows = self.db.rows(PROPOSITION_SELECT + " WHERE p.stat_key = ? AND p.status = 'active' ORDER BY p.version DESC",
                            [key])
        return proposition(rows[0]) if rows else None

    def history(self, prop_id: int) -> list[Proposition]:
        """Every version in prop_id's revision group, oldest first; empty when there is no such proposition."""
        sql = PROPOSITION_SELECT + f" WHERE p.id IN ({REVISION_GROUP_IDS}) ORDER BY p.version, p.id"
        return [proposition(r) for r in self.db.rows(sql, [prop_id, prop_id])]

    def top(self, limit: int = 5) -> list[Proposition]:
        """The active propositions held with most confidence, the most recently updated first among equals."""
        sql = PROPOSITION_SELECT + " WHERE p.status = 'active' ORDER BY p.confidence DESC, p.updated_at DESC LIMIT ?"
        return [proposition(r) for r in self.db.rows(sql, [limit])]

    def count_active(self) -> int:
        """How many propositions are active."""
        return self.db.rows("SELECT COUNT(*) AS n FROM propositions WHERE status = 'active'")[0]["n"]
