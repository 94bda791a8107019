"""What the user does to a proposition: confirm, reject, edit and delete it.

The user's word beats the model's. Confirming sets confidence to 10 and the
verdict to "confirmed"; rejecting sets confidence to 1, status "rejected"
(hidden from search and context) and the verdict to "rejected", so the belief
is kept only as something the user said is false. Confirming a rejected
proposition makes it active again. Deleting removes the proposition's whole
revision group, its evidence links and its full-text index entries, then
checkpoints the WAL, so the text is gone from the database file and its WAL.
Deleting with evidence also removes the observations behind every version
(and with them their links to other propositions).
"""

from __future__ import annotations

import time
from typing import Any

from gumd.store.database import Database
from gumd.store.propositions import Propositions
from gumd.store.records import Proposition
from gumd.store.rows import REVISION_GROUP_IDS

CONFIRMED_CONFIDENCE = 10
REJECTED_CONFIDENCE = 1
EDITABLE = ("text", "reasoning", "confidence", "decay")


class NotFound(LookupError):
    """No proposition has this id."""


class Curation:
    """The user's confirm, reject, edit and delete; each returns or removes what it changed."""

    def __init__(self, db: Database, propositions: Propositions):
        self.db = db
        self.propositions = propositions

    def confirm(self, prop_id: int) -> Proposition:
        """The user says this is true: confidence 10, active, verdict confirmed."""
        return self._update(prop_id, {"confidence": CONFIRMED_CONFIDENCE, "status": "active", "verdict": "confirmed"})

    def reject(self, prop_id: int) -> Proposition:
        """The user says this is false: confidence 1, status rejected, verdict rejected."""
        return self._update(prop_id, {"confidence": REJECTED_CONFIDENCE, "status": "rejected", "verdict": "rejected"})

    def edit(self, prop_id: int, changes: dict[str, Any]) -> Proposition:
        """Change text, reasoning, confidence or decay in place; the verdict stays as it was."""
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise ValueError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE)}")
        return self._update(prop_id, changes, verdict_changed=False)

    def _update(self, prop_id: int, values: dict[str, Any], verdict_changed: bool = True) -> Proposition:
        now = time.time()
        values = dict(values, updated_at=now) | ({"verdict_at": now} if verdict_changed else {})
        assignments = ", ".join(f"{k} = ?" for k in values)
        with self.db.transaction():
            cur = self.db.execute(f"UPDATE propositions SET {assignments} WHERE id = ?", [*values.values(), prop_id])
        if cur.rowcount == 0:
            raise NotFound(f"no proposition with id {prop_id}")
        return self.propositions.get(prop_id, with_evidence=False)

    def delete(self, prop_id: int, with_evidence: bool = False) -> tuple[int, int]:
        """Delete the proposition and every version of it, and with `with_evidence` the observations behind
        them; returns (propositions deleted, observations deleted).

        secure_delete zeroes the freed content; an FTS5 'optimize' merges the index
        so no segment keeps the deleted words; a TRUNCATE checkpoint empties the WAL.
        """
        observations = 0
        with self.db.transaction():
            if with_evidence:
                observations = self.db.execute(
                    f"DELETE FROM observations WHERE id IN (SELECT observation_id FROM evidence "
                    f"WHERE proposition_id IN ({REVISION_GROUP_IDS}))", [prop_id, prop_id]).rowcount
            cur = self.db.execute(f"DELETE FROM propositions WHERE id IN ({REVISION_GROUP_IDS})", [prop_id, prop_id])
            if cur.rowcount == 0:
                raise NotFound(f"no proposition with id {prop_id}")
            self.db.execute("INSERT INTO propositions_fts(propositions_fts) VALUES('optimize')")
            if observations:
                self.db.execute("INSERT INTO observations_fts(observations_fts) VALUES('optimize')")
        self.db.checkpoint(attempts=20)
        return cur.rowcount, observations
