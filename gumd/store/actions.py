"""The next-action tables: recorded actions, the trace library (FTS5), and scored predictions."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from gumd.store.database import Database
from gumd.store.rows import fts_query


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


class Actions:
    """Recording what the user did, the traces learnt from it, and how predictions of it scored."""

    def __init__(self, db: Database):
        self.db = db

    def add(self, action: Action) -> int:
        """Record an action; returns its id."""
        row = dataclasses.asdict(action) | {"created_at": time.time()}
        row.pop("id")
        with self.db.transaction():
            return self.db.sqlite["actions"].insert(row).last_pk

    def recorded(self, since: float | None = None, limit: int | None = None) -> list[Action]:
        """Recorded actions, oldest first; with `limit`, the newest `limit` of them."""
        where, params = ("WHERE at >= ?", [since]) if since is not None else ("", [])
        sql = f"SELECT * FROM actions {where} ORDER BY at DESC, id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_action(r) for r in reversed(self.db.rows(sql, params))]

    def with_rule_captions(self, limit: int = 20) -> list[Action]:
        """The newest actions still captioned by rule, for the model to caption when idle."""
        rows = self.db.rows("SELECT * FROM actions WHERE caption_source = 'rule' ORDER BY at DESC LIMIT ?", [limit])
        return [_action(r) for r in rows]

    def set_caption(self, action_id: int, caption: str, source: str = "model") -> None:
        """Replace an action's caption, saying who wrote it."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE actions SET caption = ?, caption_source = ? WHERE id = ?", [caption, source, action_id]
            )

    def add_trace(self, trace: Trace, replaces: int | None = None) -> int:
        """Add a trace to the library, deleting the near-duplicate it `replaces` in the same transaction."""
        row = dataclasses.asdict(trace) | {"created_at": time.time()}
        row.pop("id")
        row.pop("bm25")
        with self.db.transaction():
            if replaces is not None:
                self.db.execute("DELETE FROM traces WHERE id = ?", [replaces])
            return self.db.sqlite["traces"].insert(row).last_pk

    def search_traces(self, text: str, before: float, limit: int = 20) -> list[Trace]:
        """Traces that ended before `before` and match `text` by BM25 over context, reasoning and next action."""
        query = fts_query(text)
        if not query:
            return []
        rows = self.db.rows(
            "SELECT t.*, -bm25(traces_fts) AS bm25 FROM traces_fts CROSS JOIN traces t ON t.id = traces_fts.rowid "
            "WHERE traces_fts MATCH ? AND t.ended_at < ? ORDER BY bm25(traces_fts) LIMIT ?",
            [query, before, limit],
        )
        return [_trace(r) for r in rows]

    def count_traces(self) -> int:
        """How many traces the library holds."""
        return self.db.rows("SELECT COUNT(*) AS n FROM traces")[0]["n"]

    def add_prediction(self, prediction: PredictionRecord) -> int:
        """Store a prediction; returns its id."""
        row = dataclasses.asdict(prediction)
        row.pop("id")
        with self.db.transaction():
            return self.db.sqlite["predictions"].insert(row).last_pk

    def unscored_predictions(self, before: float) -> list[PredictionRecord]:
        """Predictions made before `before` that no real action has scored yet."""
        rows = self.db.rows("SELECT * FROM predictions WHERE scored_at IS NULL AND made_at <= ? ORDER BY id", [before])
        return [PredictionRecord(**r) for r in rows]

    def score_prediction(self, prediction_id: int, action_id: int, exact: bool, similarity: float) -> None:
        """Record the action that came after a prediction and how well the prediction matched it."""
        with self.db.transaction():
            self.db.execute(
                "UPDATE predictions SET outcome_action_id = ?, exact = ?, similarity = ?, scored_at = ? WHERE id = ?",
                [action_id, int(exact), similarity, time.time(), prediction_id],
            )

    def scored_outcomes(self, source: str, limit: int = 2000) -> list[tuple[float, int]]:
        """(raw confidence, exact 0/1) of the newest scored predictions from `source`, for calibration."""
        rows = self.db.rows(
            "SELECT raw_confidence, exact FROM predictions WHERE source = ? AND scored_at IS NOT NULL "
            "ORDER BY id DESC LIMIT ?",
            [source, limit],
        )
        return [(r["raw_confidence"], r["exact"]) for r in rows]


def _action(row: dict) -> Action:
    return Action(**{f.name: row[f.name] for f in dataclasses.fields(Action)})


def _trace(row: dict) -> Trace:
    return Trace(**{f.name: row[f.name] for f in dataclasses.fields(Trace) if f.name in row})
