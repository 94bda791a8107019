"""The schema's history: ordered, named steps, each applied once and recorded in `_migrations`."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Callable

import sqlite_utils

if TYPE_CHECKING:
    from gumd.store.database import Database


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


def m002_gum_loop(db: sqlite_utils.Database) -> None:
    """Where a proposition came from, its embedding, and retry timing for failed batches."""
    db["propositions"].add_column("origin", str, not_null_default="model")  # model | statistics | user
    db["propositions"].add_column("stat_key", str)  # identity of a statistics proposition across versions
    db["propositions"].create_index(["stat_key"])
    db["batches"].add_column("next_attempt_at", float)
    db["batches"].add_column("observation_count", int)
    db["proposition_vectors"].create(
        {"proposition_id": int, "model": str, "vector": bytes},
        pk="proposition_id",
        foreign_keys=[("proposition_id", "propositions", "id")],
    )
    db.execute(
        "CREATE TRIGGER propositions_cascade_vectors AFTER DELETE ON propositions BEGIN "
        "DELETE FROM proposition_vectors WHERE proposition_id = old.id; END"
    )


def m003_nap(db: sqlite_utils.Database) -> None:
    """Next-action prediction: the action stream, the trace library (with FTS5), and scored predictions."""
    db["actions"].create(
        {"id": int, "at": float, "kind": str, "app": str, "target": str, "caption": str,
         "caption_source": str, "screen_text": str, "created_at": float},
        pk="id",
        not_null={"at", "kind", "caption", "created_at"},
        defaults={"app": "", "target": "", "caption_source": "rule", "screen_text": ""},
    )
    db["actions"].create_index(["at"])
    db["traces"].create(
        {"id": int, "context": str, "reasoning": str, "next_action": str, "next_key": str,
         "ended_at": float, "score": float, "created_at": float},
        pk="id",
        not_null={"context", "next_action", "ended_at", "created_at"},
        defaults={"reasoning": "", "next_key": "", "score": 0.0},
    )
    db["traces"].create_index(["ended_at"])
    db["traces"].enable_fts(["context", "reasoning", "next_action"], create_triggers=True, tokenize="porter")
    db["predictions"].create(
        {"id": int, "made_at": float, "source": str, "action_key": str, "caption": str, "raw_confidence": float,
         "confidence": float, "reasoning": str, "context": str, "outcome_action_id": int, "exact": int,
         "similarity": float, "scored_at": float},
        pk="id",
        not_null={"made_at", "source", "action_key", "raw_confidence", "confidence"},
        defaults={"caption": "", "reasoning": "", "context": ""},
    )
    db["predictions"].create_index(["scored_at"])
    db["predictions"].create_index(["source", "scored_at"])


def m004_api(db: sqlite_utils.Database) -> None:
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


def m005_capture(db: sqlite_utils.Database) -> None:
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


def m006_grounding(db: sqlite_utils.Database) -> None:
    """A proposition's grounding (the entities it names, where they were seen) and the model's own confidence."""
    db["propositions"].add_column("model_confidence", int)
    db["propositions"].add_column("grounding", str)  # JSON


def m007_audit_detail(db: sqlite_utils.Database) -> None:
    """Audit rows say how the request came (unix | tcp) and which dashboard session sent it; one row can count
    many refused requests of the same minute."""
    db.execute("ALTER TABLE api_audit ADD COLUMN transport TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE api_audit ADD COLUMN session TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE api_audit ADD COLUMN count INTEGER NOT NULL DEFAULT 1")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    m001_initial, m002_gum_loop, m003_nap, m004_api, m005_capture, m006_grounding, m007_audit_detail,
]


def applied(db: sqlite_utils.Database) -> list[str]:
    """Names of the migrations already applied, in order."""
    if "_migrations" not in db.table_names():
        return []
    return [r["name"] for r in db.query("SELECT name FROM _migrations ORDER BY id")]


def migrate(database: Database) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; return their names."""
    db = database.sqlite
    db["_migrations"].create({"id": int, "name": str, "applied_at": float}, pk="id", if_not_exists=True)
    done = set(applied(db))
    ran = []
    for step in MIGRATIONS:
        if step.__name__ in done:
            continue
        with database.transaction():
            step(db)
            db["_migrations"].insert({"name": step.__name__, "applied_at": time.time()})
        ran.append(step.__name__)
    return ran
