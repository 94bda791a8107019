"""What the user does to a proposition: confirm, reject, edit, delete, and read its history.

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

from gumd.store.connection import errors
from gumd.store.models import Proposition
from gumd.store.store import _PROP_SELECT, Store, _proposition

CONFIRMED_CONFIDENCE = 10
REJECTED_CONFIDENCE = 1
EDITABLE = ("text", "reasoning", "confidence", "decay")


class NotFound(LookupError):
    """No proposition has this id."""


def confirm(store: Store, prop_id: int) -> Proposition:
    """The user says this is true: confidence 10, active, verdict confirmed."""
    return _update(store, prop_id, {"confidence": CONFIRMED_CONFIDENCE, "status": "active", "verdict": "confirmed"})


def reject(store: Store, prop_id: int) -> Proposition:
    """The user says this is false: confidence 1, status rejected, verdict rejected."""
    return _update(store, prop_id, {"confidence": REJECTED_CONFIDENCE, "status": "rejected", "verdict": "rejected"})


def edit(store: Store, prop_id: int, changes: dict[str, Any]) -> Proposition:
    """Change text, reasoning, confidence or decay in place; the verdict stays as it was."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE)}")
    return _update(store, prop_id, changes, verdict_changed=False)


def _update(store: Store, prop_id: int, values: dict[str, Any], verdict_changed: bool = True) -> Proposition:
    now = time.time()
    values = dict(values, updated_at=now) | ({"verdict_at": now} if verdict_changed else {})
    assignments = ", ".join(f"{k} = ?" for k in values)
    with store.db.conn:
        cur = store.db.execute(f"UPDATE propositions SET {assignments} WHERE id = ?", [*values.values(), prop_id])
    if cur.rowcount == 0:
        raise NotFound(f"no proposition with id {prop_id}")
    return store.get_proposition(prop_id, with_evidence=False)


def history(store: Store, prop_id: int) -> list[Proposition]:
    """Every version in the proposition's revision group, oldest first."""
    rows = list(store.db.query(
        _PROP_SELECT + " WHERE p.revision_group = (SELECT revision_group FROM propositions WHERE id = ?) "
        "ORDER BY p.version, p.id",
        [prop_id],
    ))
    if rows:
        return [_proposition(r) for r in rows]
    alone = store.get_proposition(prop_id, with_evidence=False)  # a row written without a revision group
    if alone is None:
        raise NotFound(f"no proposition with id {prop_id}")
    return [alone]


_GROUP = ("SELECT id FROM propositions WHERE id = ? OR revision_group = "
          "(SELECT revision_group FROM propositions WHERE id = ? AND revision_group IS NOT NULL)")


def delete(store: Store, prop_id: int, with_evidence: bool = False) -> tuple[int, int]:
    """Delete the proposition and every version of it, and with `with_evidence` the observations behind
    them; returns (propositions deleted, observations deleted).

    secure_delete zeroes the freed content; an FTS5 'optimize' merges the index
    so no segment keeps the deleted words; a TRUNCATE checkpoint empties the WAL.
    """
    observations = 0
    with store.db.conn:
        if with_evidence:
            observations = store.db.execute(
                f"DELETE FROM observations WHERE id IN (SELECT observation_id FROM evidence "
                f"WHERE proposition_id IN ({_GROUP}))", [prop_id, prop_id]).rowcount
        cur = store.db.execute(f"DELETE FROM propositions WHERE id IN ({_GROUP})", [prop_id, prop_id])
        if cur.rowcount == 0:
            raise NotFound(f"no proposition with id {prop_id}")
        store.db.execute("INSERT INTO propositions_fts(propositions_fts) VALUES('optimize')")
        if observations:
            store.db.execute("INSERT INTO observations_fts(observations_fts) VALUES('optimize')")
    checkpoint(store)
    return cur.rowcount, observations


def checkpoint(store: Store, attempts: int = 20) -> bool:
    """Copy the WAL into the database and truncate it; True when the WAL is now empty.

    A reader holding an old snapshot blocks truncation, so try again briefly.
    """
    for _ in range(attempts):
        try:
            busy, _, _ = store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except errors("OperationalError"):
            busy = 1
        if not busy:
            return True
        time.sleep(0.05)
    return False
