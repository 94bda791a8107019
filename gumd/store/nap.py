"""Typed access to the next-action tables: recorded actions, the trace library, scored predictions."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from gumd.store.store import Store, fts_query


@dataclass(frozen=True)
class Action:
    """Something a person would name: switched to app X, opened Y, ran Z, saved, searched for W.

    `key` is what the statistical predictors count: kind, app and target.
    """

    at: float
    kind: str  # switch | open | command | save | search
    app: str
    target: str
    caption: str
    caption_source: str = "rule"  # rule | model
    screen_text: str = ""
    id: int = 0

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.app}|{self.target}"


@dataclass(frozen=True)
class Trace:
    """A past moment, the reasoning written then, and what the user actually did next."""

    context: str
    reasoning: str
    next_action: str  # the caption of what came next
    next_key: str
    ended_at: float  # when the next action happened: the trace is usable only after this
    score: float = 0.0  # how well the reasoning predicted it, 0..1
    id: int = 0
    bm25: float = 0.0  # set by search_traces: higher is better


@dataclass(frozen=True)
class PredictionRecord:
    """A prediction as stored, with its outcome once the real next action arrived."""

    made_at: float
    source: str  # statistical | model
    action_key: str
    caption: str
    raw_confidence: float
    confidence: float
    reasoning: str = ""
    context: str = ""
    id: int = 0
    outcome_action_id: int | None = None
    exact: int | None = None
    similarity: float | None = None
    scored_at: float | None = None


def add_action(store: Store, action: Action) -> int:
    """Record an action; returns its id."""
    row = dataclasses.asdict(action) | {"created_at": time.time()}
    row.pop("id")
    with store.db.conn:
        return store.db["actions"].insert(row).last_pk


def list_actions(store: Store, since: float | None = None, limit: int | None = None) -> list[Action]:
    """Recorded actions, oldest first; with `limit`, the newest `limit` of them."""
    where, params = ("WHERE at >= ?", [since]) if since is not None else ("", [])
    sql = f"SELECT * FROM actions {where} ORDER BY at DESC, id DESC"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = list(store.db.query(sql, params))
    return [_action(r) for r in reversed(rows)]


def actions_with_rule_captions(store: Store, limit: int = 20) -> list[Action]:
    """The newest actions still captioned by rule, for the model to caption when idle."""
    rows = store.db.query(
        "SELECT * FROM actions WHERE caption_source = 'rule' ORDER BY at DESC LIMIT ?", [limit]
    )
    return [_action(r) for r in rows]


def set_caption(store: Store, action_id: int, caption: str, source: str = "model") -> None:
    with store.db.conn:
        store.db.execute(
            "UPDATE actions SET caption = ?, caption_source = ? WHERE id = ?", [caption, source, action_id]
        )


def add_trace(store: Store, trace: Trace, replaces: int | None = None) -> int:
    """Add a trace to the library, deleting the near-duplicate it `replaces` in the same transaction."""
    row = dataclasses.asdict(trace) | {"created_at": time.time()}
    row.pop("id")
    row.pop("bm25")
    with store.db.conn:
        if replaces is not None:
            store.db.execute("DELETE FROM traces WHERE id = ?", [replaces])
        return store.db["traces"].insert(row).last_pk


def search_traces(store: Store, text: str, before: float, limit: int = 20) -> list[Trace]:
    """Traces that ended before `before` and match `text` by BM25 over context, reasoning and next action."""
    query = fts_query(text)
    if not query:
        return []
    rows = store.db.query(
        "SELECT t.*, -bm25(traces_fts) AS bm25 FROM traces_fts CROSS JOIN traces t ON t.id = traces_fts.rowid "
        "WHERE traces_fts MATCH ? AND t.ended_at < ? ORDER BY bm25(traces_fts) LIMIT ?",
        [query, before, limit],
    )
    return [_trace(r) for r in rows]


def count_traces(store: Store) -> int:
    return next(store.db.query("SELECT COUNT(*) AS n FROM traces"))["n"]


def add_prediction(store: Store, prediction: PredictionRecord) -> int:
    row = dataclasses.asdict(prediction)
    row.pop("id")
    with store.db.conn:
        return store.db["predictions"].insert(row).last_pk


def unscored_predictions(store: Store, before: float) -> list[PredictionRecord]:
    """Predictions made before `before` that no real action has scored yet."""
    rows = store.db.query(
        "SELECT * FROM predictions WHERE scored_at IS NULL AND made_at <= ? ORDER BY id", [before]
    )
    return [PredictionRecord(**r) for r in rows]


def score_prediction(store: Store, prediction_id: int, action_id: int, exact: bool, similarity: float) -> None:
    with store.db.conn:
        store.db.execute(
            "UPDATE predictions SET outcome_action_id = ?, exact = ?, similarity = ?, scored_at = ? WHERE id = ?",
            [action_id, int(exact), similarity, time.time(), prediction_id],
        )


def scored_outcomes(store: Store, source: str, limit: int = 2000) -> list[tuple[float, int]]:
    """(raw confidence, exact 0/1) of the newest scored predictions from `source`, for calibration."""
    rows = store.db.query(
        "SELECT raw_confidence, exact FROM predictions WHERE source = ? AND scored_at IS NOT NULL "
        "ORDER BY id DESC LIMIT ?",
        [source, limit],
    )
    return [(r["raw_confidence"], r["exact"]) for r in rows]


def _action(row: dict) -> Action:
    return Action(**{f.name: row[f.name] for f in dataclasses.fields(Action)})


def _trace(row: dict) -> Trace:
    return Trace(**{f.name: row[f.name] for f in dataclasses.fields(Trace) if f.name in row})
