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


def m002_api(db: sqlite_utils.Database) -> None:
    """API tokens (hashed), the audit log of API use, and the user's verdict on propositions."""
    db["api_tokens"].create(
        {
            "id": int,
            "name": str,
            "scope": str,
            "token_hash": str,
            "prefix": str,
            "created_at": float,
            "last_used_at": float,
            "revoked_at": float,
        },
        pk="id",
        not_null={"name", "scope", "token_hash", "prefix", "created_at"},
    )
    db.execute("CREATE UNIQUE INDEX api_tokens_hash ON api_tokens(token_hash)")
    db.execute("CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens(name) WHERE revoked_at IS NULL")
    db["api_audit"].create(
        {"id": int, "at": float, "client": str, "method": str, "route": str, "status": int},
        pk="id",
        not_null={"at", "client", "method", "route", "status"},
    )
    db["api_audit"].create_index(["at"])
    db["api_audit"].create_index(["client", "at"])
    db.execute("ALTER TABLE propositions ADD COLUMN verdict TEXT")  # confirmed | rejected | NULL
    db.execute("ALTER TABLE propositions ADD COLUMN verdict_at REAL")
    db["propositions"].create_index(["status", "confidence", "updated_at"])
    db["propositions"].create_index(["status", "updated_at"])


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [m001_initial, m002_api]


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
