"""The schema's history: ordered, named steps, each applied once and recorded in `_migrations`."""

from __future__ import annotations

import time
from typing import Callable

import sqlite_utils


def m001_initial(db: sqlite_utils.Database) -> None:
    """Observations, propositions, the evidence between them, batches, and FTS5 over the text."""
    db["observations"].create(
        {
            "id": int,
            "started_at": float,
            "ended_at": float,
            "app": str,
            "title": str,
            "text": str,
            "input_summary": str,
            "source": str,
            "status": str,
            "batch_id": int,
            "created_at": float,
        },
        pk="id",
        not_null={"started_at", "ended_at", "source", "status", "created_at"},
        defaults={"status": "pending", "app": "", "title": "", "text": "", "input_summary": ""},
    )
    db["observations"].create_index(["status", "id"])
    db["observations"].create_index(["started_at"])
    db["batches"].create(
        {
            "id": int,
            "status": str,
            "attempts": int,
            "error": str,
            "created_at": float,
            "finished_at": float,
        },
        pk="id",
        not_null={"status", "created_at"},
        defaults={"attempts": 0},
    )
    db["propositions"].create(
        {
            "id": int,
            "text": str,
            "reasoning": str,
            "confidence": int,
            "decay": int,
            "revision_group": int,
            "version": int,
            "status": str,
            "created_at": float,
            "updated_at": float,
        },
        pk="id",
        not_null={"text", "confidence", "decay", "version", "status", "created_at", "updated_at"},
        defaults={"version": 1, "status": "active", "reasoning": ""},
    )
    db["propositions"].create_index(["revision_group", "version"])
    db["propositions"].create_index(["status"])
    db["evidence"].create(
        {"proposition_id": int, "observation_id": int, "created_at": float},
        pk=("proposition_id", "observation_id"),
        foreign_keys=[
            ("proposition_id", "propositions", "id"),
            ("observation_id", "observations", "id"),
        ],
    )
    db["evidence"].create_index(["observation_id"])
    db.execute(
        "CREATE TRIGGER propositions_cascade_evidence AFTER DELETE ON propositions BEGIN "
        "DELETE FROM evidence WHERE proposition_id = old.id; END"
    )
    db.execute(
        "CREATE TRIGGER observations_cascade_evidence AFTER DELETE ON observations BEGIN "
        "DELETE FROM evidence WHERE observation_id = old.id; END"
    )
    db["propositions"].enable_fts(["text", "reasoning"], create_triggers=True, tokenize="porter")
    db["observations"].enable_fts(["app", "title", "text"], create_triggers=True, tokenize="porter")


def m002_capture(db: sqlite_utils.Database) -> None:
    """Focus spans, the user's privacy rules, saved capture state, and where each import stopped."""
    db["focus_spans"].create(
        {"id": int, "started_at": float, "ended_at": float, "app": str, "title": str, "page_title": str,
         "source": str},
        pk="id",
        not_null={"started_at", "ended_at", "source"},
        defaults={"app": "", "title": "", "page_title": ""},
    )
    db["focus_spans"].create_index(["started_at"])
    db["focus_spans"].create_index(["ended_at"])
    db["privacy_rules"].create(
        {"id": int, "kind": str, "pattern": str, "created_at": float},
        pk="id",
        not_null={"kind", "pattern", "created_at"},
    )
    db["privacy_rules"].create_index(["kind", "pattern"], unique=True)
    db["capture_state"].create({"key": str, "value": str}, pk="key")
    db["import_cursors"].create({"source": str, "bucket": str, "last_end": float}, pk=("source", "bucket"))


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [m001_initial, m002_capture]


def applied(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations already applied, in order."""
    if "_migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY id")]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; return their names."""
    db["_migrations"].create({"id": int, "name": str, "applied_at": float}, pk="id", if_not_exists=True)
    done = set(applied(db))
    ran = []
    for step in MIGRATIONS:
        if step.__name__ in done:
            continue
        with db.conn:
            step(db)
            db["_migrations"].insert({"name": step.__name__, "applied_at": time.time()})
        ran.append(step.__name__)
    return ran
