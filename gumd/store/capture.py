"""What capture keeps besides observations: focus spans, privacy rules, the pause state, import
cursors, and forgetting a span of time."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from gumd.store.database import Database
from gumd.store.rows import marks, window_filter

RULE_KINDS = ("app", "title", "redact")


@dataclass(frozen=True)
class FocusSpan:
    """A stretch of time one window had focus while the user was there."""

    started_at: float
    ended_at: float
    app: str
    title: str
    page_title: str = ""
    source: str = "focus"  # "focus" (live) or "import:<where>"
    id: int = 0

    @property
    def duration(self) -> float:
        return self.ended_at - self.started_at


@dataclass(frozen=True)
class PrivacyRule:
    """A user's rule: never capture an app or a window title, or redact a pattern."""

    id: int
    kind: str  # app | title | redact
    pattern: str
    created_at: float


DERIVED_S = 3600.0  # traces and predictions this long after a forgotten span may still quote it


@dataclass(frozen=True)
class Forgotten:
    """What forget() deleted."""

    observations: int
    propositions: int
    focus_spans: int
    observation_ids: tuple[int, ...]
    actions: int = 0


class Capture:
    """Capture's tables: focus spans, privacy rules, saved capture state, import cursors; and forgetting."""

    def __init__(self, db: Database):
        self.db = db

    # -- focus spans -------------------------------------------------------
    def add_span(self, span: FocusSpan) -> int:
        """Store a span; returns its id."""
        with self.db.transaction():
            return self.db.sqlite["focus_spans"].insert(
                {"started_at": span.started_at, "ended_at": span.ended_at, "app": span.app, "title": span.title,
                 "page_title": span.page_title, "source": span.source}
            ).last_pk

    def add_spans(self, spans: list[FocusSpan]) -> int:
        """Store many spans in one transaction (imports); returns how many."""
        rows = [{"started_at": s.started_at, "ended_at": s.ended_at, "app": s.app, "title": s.title,
                 "page_title": s.page_title, "source": s.source} for s in spans]
        with self.db.transaction():
            self.db.sqlite["focus_spans"].insert_all(rows, batch_size=500)
        return len(rows)

    def extend_span(self, span_id: int, ended_at: float) -> None:
        """Move a span's end to `ended_at`."""
        with self.db.transaction():
            self.db.execute("UPDATE focus_spans SET ended_at = ? WHERE id = ?", [ended_at, span_id])

    def remove_span(self, span_id: int) -> None:
        """Delete a span."""
        with self.db.transaction():
            self.db.execute("DELETE FROM focus_spans WHERE id = ?", [span_id])

    def list_spans(self, since: float | None = None, until: float | None = None, app: str | None = None,
                   limit: int = 100, offset: int = 0) -> list[FocusSpan]:
        """Spans overlapping [since, until], newest first."""
        where, params = window_filter(since, until, app)
        sql = (f"SELECT * FROM focus_spans WHERE {' AND '.join(where)} "
               "ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?")
        return [FocusSpan(**r) for r in self.db.rows(sql, params + [limit, offset])]

    # -- privacy rules -----------------------------------------------------
    def add_rule(self, kind: str, pattern: str) -> PrivacyRule:
        """Store a rule (checked by the caller); adding one that exists returns the existing one."""
        if kind not in RULE_KINDS:
            raise ValueError(f"rule kind must be one of {', '.join(RULE_KINDS)}, not {kind!r}")
        with self.db.transaction():
            self.db.execute(
                "INSERT OR IGNORE INTO privacy_rules (kind, pattern, created_at) VALUES (?, ?, ?)",
                [kind, pattern, time.time()],
            )
        row = self.db.rows("SELECT * FROM privacy_rules WHERE kind = ? AND pattern = ?", [kind, pattern])[0]
        return PrivacyRule(**row)

    def rules(self, kind: str | None = None) -> list[PrivacyRule]:
        """The user's rules (of one kind), oldest first."""
        sql, params = "SELECT * FROM privacy_rules", []
        if kind:
            sql, params = sql + " WHERE kind = ?", [kind]
        return [PrivacyRule(**r) for r in self.db.rows(sql + " ORDER BY id", params)]

    def remove_rule(self, rule_id: int) -> bool:
        """Delete a rule; False when there was none with this id."""
        with self.db.transaction():
            return self.db.execute("DELETE FROM privacy_rules WHERE id = ?", [rule_id]).rowcount > 0

    # -- saved state -------------------------------------------------------
    def save_pause(self, paused: bool, until: float | None) -> None:
        """Keep the pause state across restarts."""
        with self.db.transaction():
            self.db.sqlite["capture_state"].upsert(
                {"key": "pause", "value": json.dumps({"paused": paused, "until": until})}, pk="key")

    def load_pause(self) -> tuple[bool, float | None]:
        """The saved pause state: (paused, until); not paused when none was saved."""
        rows = self.db.rows("SELECT value FROM capture_state WHERE key = 'pause'")
        if not rows:
            return False, None
        value = json.loads(rows[0]["value"])
        return bool(value.get("paused")), value.get("until")

    def import_cursor(self, source: str, bucket: str) -> float | None:
        """The end of the last event imported from a source's bucket, or None."""
        rows = self.db.rows("SELECT last_end FROM import_cursors WHERE source = ? AND bucket = ?", [source, bucket])
        return rows[0]["last_end"] if rows else None

    def set_import_cursor(self, source: str, bucket: str, last_end: float) -> None:
        """Remember the end of the last event imported from a source's bucket."""
        with self.db.transaction():
            self.db.sqlite["import_cursors"].upsert(
                {"source": source, "bucket": bucket, "last_end": last_end}, pk=("source", "bucket"))

    # -- forgetting --------------------------------------------------------
    def forget(self, since: float, until: float, app: str | None = None) -> Forgotten:
        """Delete everything captured between since and until (unix times), of one app when `app` is given:
        observations overlapping it, their evidence links and full-text rows, propositions left with no
        evidence, focus spans (cut at the edges), the actions taken in it, and the next-action traces and
        predictions whose context may quote it.

        FTS5 keeps deleted words in its index segments until they merge, so both indexes are optimized, and the
        WAL is checkpointed: with secure_delete on, the words are then gone from the files, not only unlinked.
        """
        db = self.db
        with db.transaction():
            only_app = " AND app = ?" if app is not None else ""
            ids = [r["id"] for r in db.rows(
                "SELECT id FROM observations WHERE ended_at >= ? AND started_at <= ?" + only_app,
                [since, until] + ([app] if app is not None else []))]
            props: list[int] = []
            if ids:
                props = [r["proposition_id"] for r in db.rows(
                    f"SELECT DISTINCT proposition_id FROM evidence WHERE observation_id IN ({marks(ids)})", ids)]
                db.execute(f"DELETE FROM observations WHERE id IN ({marks(ids)})", ids)
            gone_props = 0
            if props:
                gone_props = db.execute(
                    f"DELETE FROM propositions WHERE id IN ({marks(props)}) AND NOT EXISTS "
                    "(SELECT 1 FROM evidence e WHERE e.proposition_id = propositions.id)", props).rowcount
            spans = self._cut_spans(since, until, app)
            actions = db.execute("DELETE FROM actions WHERE at >= ? AND at <= ?" + only_app,
                                 [since, until] + ([app] if app is not None else [])).rowcount
            # Traces and predictions quote the recent screen and actions in their context: those written
            # during the span, or within DERIVED_S after it, go too (of every app: they mix apps).
            db.execute("DELETE FROM traces WHERE ended_at >= ? AND ended_at <= ?", [since, until + DERIVED_S])
            db.execute("DELETE FROM predictions WHERE made_at >= ? AND made_at <= ?", [since, until + DERIVED_S])
            for fts in ("observations_fts", "propositions_fts", "traces_fts"):
                db.execute(f"INSERT INTO {fts} ({fts}) VALUES ('optimize')")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return Forgotten(observations=len(ids), propositions=gone_props, focus_spans=spans,
                         observation_ids=tuple(ids), actions=actions)

    def _cut_spans(self, since: float, until: float, app: str | None = None) -> int:
        """Delete the spans inside [since, until] and trim those crossing its edges (inside forget's transaction)."""
        db = self.db
        rows = [r for r in db.rows("SELECT * FROM focus_spans WHERE ended_at > ? AND started_at < ?", [since, until])
                if app is None or r["app"] == app]
        for r in rows:
            if r["started_at"] >= since and r["ended_at"] <= until:
                db.execute("DELETE FROM focus_spans WHERE id = ?", [r["id"]])
                continue
            if r["started_at"] < since:
                db.execute("UPDATE focus_spans SET ended_at = ? WHERE id = ?", [since, r["id"]])
            else:
                db.execute("UPDATE focus_spans SET started_at = ? WHERE id = ?", [until, r["id"]])
            if r["started_at"] < since and r["ended_at"] > until:  # it ran across the whole span: keep the far end
                db.sqlite["focus_spans"].insert({k: v for k, v in r.items() if k != "id"} | {"started_at": until})
        return len(rows)
