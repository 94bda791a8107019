"""Typed access to gumd's SQLite file. All of gumd's SQL lives in this package.

One file in WAL mode; each thread gets its own connection, so the API can read
while the pipeline writes. The file and its WAL are created 0600.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import os
import re
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Iterator

import sqlite_utils

from gumd.store.connection import connect, errors
from gumd.store.migrations import migrate
from gumd.store.models import NewObservation, NewProposition, Observation, Proposition

_OBS_FIELDS = [f.name for f in dataclasses.fields(Observation)]
_PROP_COLUMNS = ["id", "text", "reasoning", "confidence", "decay", "revision_group", "version",
                 "status", "verdict", "created_at", "updated_at", "origin", "model_confidence"]

# Words that match nearly every proposition ("The user is ...") and so carry no signal.
_STOPWORDS = frozenset(
    "a an and are as at be been but by for from has have he her his in into is it its of on or she that the their "
    "them they this to was were which who will with user users".split()
)
COMMON_FRACTION = 0.2  # a query word in more than this share of propositions is left out of the match
COMMON_MIN_ROWS = 1000  # below this many matches ranking everything is cheap: keep every word
SOME_WORDS_ROWS = 5000  # the "some of the words" match ranks at most about this many rows


def write_failure(error: BaseException) -> str | None:
    """A short reason when `error` means the database cannot be written now (disk full, I/O error, locked,
    read-only) and the write may succeed later; None for any other error."""
    if isinstance(error, errors("OperationalError")):  # sqlite3's, or SQLCipher's (not a subclass)
        return str(error)
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS):
        return os.strerror(error.errno)
    return None


def query_words(text: str) -> list[str]:
    """The distinct content words of free text, lowercased, at most 16."""
    words = (w.lower() for w in re.findall(r"\w+", text, flags=re.UNICODE))
    return list(dict.fromkeys(w for w in words if w not in _STOPWORDS))[:16]


def window_filter(since: float | None, until: float | None, app: str | None) -> tuple[list[str], list[Any]]:
    """WHERE terms and parameters for rows with started_at/ended_at overlapping [since, until], of one app."""
    where: list[str] = ["1=1"]
    params: list[Any] = []
    if since is not None:
        where.append("ended_at >= ?")
        params.append(since)
    if until is not None:
        where.append("started_at <= ?")
        params.append(until)
    if app:
        where.append("app = ?")
        params.append(app)
    return where, params


def fts_query(text: str) -> str:
    """Turn free text into a safe FTS5 query: content words quoted, any may match (BM25 ranks)."""
    return " OR ".join('"%s"' % w for w in query_words(text))


class Store:
    """The one SQLite database of a data dir; with `key` (32 bytes) an SQLCipher-encrypted one.

    Open a data dir's store with `gumd.store.encryption.open_store(settings)`, which
    fetches the key from the OS keyring when `encrypt` is on.
    """

    def __init__(self, path: Path | str, key: bytes | None = None):
        self.path = Path(path)
        self.key = key
        self._local = threading.local()
        self._all_conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        if not self.path.exists():
            fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(self.path, 0o600)
        migrate(self.db)

    # -- connections -------------------------------------------------------
    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection, opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = connect(self.path, self.key, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA secure_delete=ON")
            db = sqlite_utils.Database(conn)
            self._local.db = db
            with self._lock:
                self._all_conns.append(conn)
        return db

    def close(self) -> None:
        """Close every connection this store opened, checkpointing the WAL."""
        with self._lock:
            conns, self._all_conns = self._all_conns, []
        for conn in conns:
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except errors("Error"):
                pass
            conn.close()
        self._local = threading.local()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction for everything written inside, nested store calls included: all of it or none."""
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            if depth:
                yield
            else:
                # An explicit BEGIN: with `with conn:` alone the transaction opened only at the first plain
                # statement, and sqlite-utils' own insert (BEGIN ... COMMIT when none is open) committed
                # early, so a batch that failed half-way kept its first proposition. IMMEDIATE takes the
                # write lock up front (waiting out the busy timeout): a deferred transaction that read
                # first and then wrote after another connection's commit failed at once with "database
                # is locked", which no busy timeout waits out.
                conn = self.db.conn
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                except BaseException:
                    conn.rollback()
                    raise
                conn.commit()
        finally:
            self._local.depth = depth

    def _rows(self, sql: str, params: Iterable[Any] | dict = ()) -> list[dict]:
        return list(self.db.query(sql, params))

    # -- observations ------------------------------------------------------
    def add_observation(self, obs: NewObservation) -> int:
        """Store an observation as pending; it is durable before any model sees it."""
        row = dataclasses.asdict(obs) | {"status": "pending", "created_at": time.time()}
        with self.transaction():
            return self.db["observations"].insert(row).last_pk

    def get_observation(self, obs_id: int) -> Observation | None:
        rows = self._rows("SELECT * FROM observations WHERE id = ?", [obs_id])
        return _observation(rows[0]) if rows else None

    def list_observations(
        self,
        since: float | None = None,
        until: float | None = None,
        app: str | None = None,
        status: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Observation]:
        """Observations, newest first, filtered by time window, app and status."""
        where, params = window_filter(since, until, app)
        if status:
            where.append("status = ?")
            params.append(status)
        sql = f"SELECT * FROM observations WHERE {' AND '.join(where)} ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?"
        return [_observation(r) for r in self._rows(sql, params + [limit, offset])]

    def newest_observation_id(self) -> int:
        return self._rows("SELECT COALESCE(MAX(id), 0) AS n FROM observations")[0]["n"]

    def observations_after(self, obs_id: int, limit: int = 500) -> list[Observation]:
        """Observations with id > obs_id, oldest first (for followers of the stream)."""
        rows = self._rows("SELECT * FROM observations WHERE id > ? ORDER BY id LIMIT ?", [obs_id, limit])
        return [_observation(r) for r in rows]

    def search_observations(self, q: str, limit: int = 20) -> list[Observation]:
        """Observations whose app, title or text match q (FTS5, best first)."""
        query = fts_query(q)
        if not query:
            return []
        sql = (
            "SELECT observations.* FROM observations_fts "
            "CROSS JOIN observations ON observations.id = observations_fts.rowid "
            "WHERE observations_fts MATCH ? ORDER BY bm25(observations_fts) LIMIT ?"
        )
        return [_observation(r) for r in self._rows(sql, [query, limit])]

    # -- batches -----------------------------------------------------------
    def claim_batch(
        self, max_observations: int, max_chars: int, window_s: float = 3600.0, now: float | None = None
    ) -> tuple[int, list[Observation]] | None:
        """The next batch to process: a failed batch whose retry is due, else the oldest pending observations.

        A new batch stays within max_observations, max_chars of text and window_s
        of activity, so one batch is about one stretch of work.
        """
        now = time.time() if now is None else now
        with self.transaction():
            due = self._rows(
                "SELECT id FROM batches WHERE status = 'retry' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 1",
                [now],
            )
            if due:
                batch_id = due[0]["id"]
                self.db.execute(
                    "UPDATE batches SET status = 'running', attempts = attempts + 1 WHERE id = ?", [batch_id]
                )
                self.db.execute("UPDATE observations SET status = 'processing' WHERE batch_id = ?", [batch_id])
                rows = self._rows("SELECT * FROM observations WHERE batch_id = ? ORDER BY started_at, id", [batch_id])
                return batch_id, [_observation(r) for r in rows]
            rows = self._rows(
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
            batch_id = self.db["batches"].insert(
                {"status": "running", "attempts": 1, "created_at": now, "observation_count": len(chosen)}
            ).last_pk
            ids = [r["id"] for r in chosen]
            self.db.execute(
                f"UPDATE observations SET status = 'processing', batch_id = ? WHERE id IN ({','.join('?' * len(ids))})",
                [batch_id, *ids],
            )
        return batch_id, [_observation(r | {"status": "processing", "batch_id": batch_id}) for r in chosen]

    def finish_batch(self, batch_id: int) -> None:
        """Mark a batch and its observations done."""
        with self.transaction():
            self.db.execute(
                "UPDATE batches SET status = 'done', error = NULL, finished_at = ? WHERE id = ?", [time.time(), batch_id]
            )
            self.db.execute("UPDATE observations SET status = 'done' WHERE batch_id = ?", [batch_id])

    def fail_batch(self, batch_id: int, error: str, max_attempts: int, backoff_s: float) -> str:
        """Record a failed attempt: retry later (backoff doubling each time) or, at max_attempts, park it failed.

        Returns the batch's new status, "retry" or "failed".
        """
        now = time.time()
        with self.transaction():
            attempts = self._rows("SELECT attempts FROM batches WHERE id = ?", [batch_id])[0]["attempts"]
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

    def release_batch(self, batch_id: int) -> None:
        """Give a batch's observations back to the queue unprocessed (shutdown mid-batch)."""
        with self.transaction():
            self.db.execute(
                "UPDATE observations SET status = 'pending', batch_id = NULL WHERE batch_id = ? AND status = 'processing'",
                [batch_id],
            )
            self.db.execute("UPDATE batches SET status = 'abandoned', finished_at = ? WHERE id = ?", [time.time(), batch_id])

    def resume_interrupted(self) -> int:
        """After a crash: put observations left in 'processing' back to pending. Returns how many."""
        with self.transaction():
            cur = self.db.execute(
                "UPDATE observations SET status = 'pending', batch_id = NULL WHERE status = 'processing'"
            )
            self.db.execute("UPDATE batches SET status = 'abandoned' WHERE status = 'running'")
        return cur.rowcount

    # -- propositions ------------------------------------------------------
    def add_proposition(
        self, prop: NewProposition, observation_ids: Iterable[int], origin: str = "model", stat_key: str | None = None
    ) -> int:
        """Store a new proposition (version 1 of its own revision group) with its evidence."""
        now = time.time()
        with self.transaction():
            pid = self.db["propositions"].insert(
                dataclasses.asdict(prop)
                | {"version": 1, "status": "active", "created_at": now, "updated_at": now, "origin": origin,
                   "stat_key": stat_key}
            ).last_pk
            self.db.execute("UPDATE propositions SET revision_group = ? WHERE id = ?", [pid, pid])
            self._link(pid, observation_ids, now)
        return pid

    def _link(self, prop_id: int, observation_ids: Iterable[int], now: float) -> int:
        rows = [{"proposition_id": prop_id, "observation_id": o, "created_at": now} for o in set(observation_ids)]
        before = self.db.execute("SELECT COUNT(*) FROM evidence WHERE proposition_id = ?", [prop_id]).fetchone()[0]
        self.db["evidence"].insert_all(rows, ignore=True)
        return self.db.execute("SELECT COUNT(*) FROM evidence WHERE proposition_id = ?", [prop_id]).fetchone()[0] - before

    def refine_proposition(
        self, old_id: int, prop: NewProposition, observation_ids: Iterable[int], origin: str = "model"
    ) -> int:
        """A new version of old_id in the same revision group; the old one becomes `superseded`.

        The new version keeps the old one's evidence and adds the new.
        """
        now = time.time()
        with self.transaction():
            old = self._rows("SELECT revision_group, stat_key FROM propositions WHERE id = ?", [old_id])[0]
            version = self._rows(
                "SELECT MAX(version) AS v FROM propositions WHERE revision_group = ?", [old["revision_group"]]
            )[0]["v"]
            pid = self.db["propositions"].insert(
                dataclasses.asdict(prop)
                | {"version": version + 1, "status": "active", "created_at": now, "updated_at": now,
                   "revision_group": old["revision_group"], "origin": origin, "stat_key": old["stat_key"]}
            ).last_pk
            self.db.execute(
                "UPDATE propositions SET status = 'superseded', updated_at = ? WHERE id = ?", [now, old_id]
            )
            kept = [r["observation_id"] for r in self._rows(
                "SELECT observation_id FROM evidence WHERE proposition_id = ?", [old_id])]
            self._link(pid, [*kept, *observation_ids], now)
        return pid

    def support_proposition(self, prop_id: int, observation_ids: Iterable[int], confidence_step: int = 1) -> bool:
        """Link new evidence; when any of it is new, raise confidence by confidence_step (at most 10).

        Returns whether new evidence was linked.
        """
        now = time.time()
        with self.transaction():
            added = self._link(prop_id, observation_ids, now)
            if added:
                self.db.execute(
                    "UPDATE propositions SET confidence = MIN(10, confidence + ?), updated_at = ? WHERE id = ?",
                    [confidence_step, now, prop_id],
                )
        return bool(added)

    def weaken_proposition(self, prop_id: int, by: int) -> None:
        """Lower confidence after contradicting evidence (never below 1); the proposition is kept."""
        with self.transaction():
            self.db.execute(
                "UPDATE propositions SET confidence = MAX(1, confidence - ?), updated_at = ? WHERE id = ?",
                [by, time.time(), prop_id],
            )

    def proposition_history(self, prop_id: int) -> list[Proposition]:
        """Every version in prop_id's revision group, oldest first."""
        sql = _PROP_SELECT + (
            " WHERE p.revision_group = (SELECT revision_group FROM propositions WHERE id = ?) ORDER BY p.version"
        )
        return [_proposition(r) for r in self._rows(sql, [prop_id])]

    def propositions_by_id(self, ids: list[int]) -> list[Proposition]:
        """The propositions with these ids, in the order given; missing ids are left out."""
        if not ids:
            return []
        rows = {r["id"]: r for r in self._rows(_PROP_SELECT + f" WHERE p.id IN ({','.join('?' * len(ids))})", ids)}
        return [_proposition(rows[i]) for i in ids if i in rows]

    def proposition_by_stat_key(self, key: str) -> Proposition | None:
        rows = self._rows(_PROP_SELECT + " WHERE p.stat_key = ? AND p.status = 'active' ORDER BY p.version DESC", [key])
        return _proposition(rows[0]) if rows else None

    def fts_proposition_ids(self, q: str, limit: int) -> list[int]:
        """Ids of active propositions matching q's selective words, those with every word first, by BM25."""
        every, some = self._match_queries(query_words(q))
        if not every:
            return []
        sql = ("SELECT p.id FROM (SELECT rowid, rank FROM propositions_fts WHERE propositions_fts MATCH ?) f "
               "CROSS JOIN propositions p ON p.id = f.rowid WHERE p.status = 'active' ORDER BY f.rank LIMIT ?")
        ids = [r[0] for r in self.db.execute(sql, [every, limit])]
        if len(ids) < limit and some:
            ids += [r[0] for r in self.db.execute(sql, [some, limit - len(ids)])]
        return ids

    def set_vector(self, prop_id: int, model: str, vector: bytes) -> None:
        with self.transaction():
            self.db["proposition_vectors"].upsert(
                {"proposition_id": prop_id, "model": model, "vector": vector}, pk="proposition_id"
            )

    def vectors_after(self, model: str, after_id: int, status: str = "active") -> list[tuple[int, bytes]]:
        """(proposition id, float32 bytes) for propositions in `status` with id > after_id, by id."""
        rows = self._rows(
            "SELECT v.proposition_id AS id, v.vector FROM proposition_vectors v JOIN propositions p "
            "ON p.id = v.proposition_id WHERE v.model = ? AND v.proposition_id > ? AND p.status = ? "
            "ORDER BY v.proposition_id",
            [model, after_id, status],
        )
        return [(r["id"], r["vector"]) for r in rows]

    def ids_without_vector(self, model: str, limit: int = 1000) -> list[tuple[int, str]]:
        """(id, text) of active propositions that have no vector from `model` yet."""
        rows = self._rows(
            "SELECT p.id, p.text FROM propositions p LEFT JOIN proposition_vectors v ON v.proposition_id = p.id "
            "AND v.model = ? WHERE p.status = 'active' AND v.proposition_id IS NULL ORDER BY p.id LIMIT ?",
            [model, limit],
        )
        return [(r["id"], r["text"]) for r in rows]

    def get_proposition(self, prop_id: int, with_evidence: bool = True) -> Proposition | None:
        rows = self._rows(_PROP_SELECT + " WHERE p.id = ?", [prop_id])
        if not rows:
            return None
        evidence = []
        if with_evidence:
            evidence = [
                _observation(r)
                for r in self._rows(
                    "SELECT o.* FROM evidence e JOIN observations o ON o.id = e.observation_id "
                    "WHERE e.proposition_id = ? ORDER BY o.started_at",
                    [prop_id],
                )
            ]
        return _proposition(rows[0], evidence=evidence)

    def add_propositions(self, items: Iterable[tuple[NewProposition, Iterable[int]]]) -> int:
        """Store many new propositions with their evidence in one transaction (imports, benchmarks)."""
        now = time.time()
        rows, links = [], []
        with self.transaction():
            for prop, observation_ids in items:
                rows.append(dataclasses.asdict(prop) | {"version": 1, "status": "active",
                                                        "created_at": now, "updated_at": now})
                links.append(set(observation_ids))
            first = self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM propositions").fetchone()[0]
            self.db["propositions"].insert_all(rows, batch_size=1000)
            self.db.execute("UPDATE propositions SET revision_group = id WHERE id >= ? AND revision_group IS NULL",
                            [first])
            self.db["evidence"].insert_all(
                ({"proposition_id": first + i, "observation_id": o, "created_at": now}
                 for i, ids in enumerate(links) for o in ids),
                ignore=True, batch_size=1000,
            )
        return len(rows)

    def search_propositions(
        self,
        q: str = "",
        limit: int = 20,
        offset: int = 0,
        status: str = "active",
        since: float | None = None,
        until: float | None = None,
        min_confidence: int = 1,
        app: str | None = None,
        unreviewed: bool = False,
    ) -> list[Proposition]:
        """Propositions matching q, those with every word of it first, each group by BM25; the newest for no q.

        `since`/`until` bound when a proposition was last updated; `min_confidence` drops weaker ones;
        `app` keeps those with evidence from that app; `unreviewed` those the user has given no verdict.
        Words that most propositions share ("the", "user") are left out of the match (see
        `_match_queries`); a query made only of such words lists the newest, as an empty one does.
        """
        # The unary + keeps SQLite from picking the confidence index over the updated_at order.
        where, params = ["p.status = ?", "+p.confidence >= ?"], [status, min_confidence]
        if since is not None:
            where.append("p.updated_at >= ?")
            params.append(since)
        if until is not None:
            where.append("p.updated_at <= ?")
            params.append(until)
        if app:
            where.append("EXISTS (SELECT 1 FROM evidence e JOIN observations o ON o.id = e.observation_id "
                         "WHERE e.proposition_id = p.id AND o.app = ?)")
            params.append(app)
        if unreviewed:
            where.append("p.verdict IS NULL")
        filters = " AND ".join(where)
        if q.strip() and not re.search(r"\w", q):
            return []  # only punctuation: nothing can match
        every, some = self._match_queries(query_words(q))
        if not every:
            sql = _PROP_SELECT + f" WHERE {filters} ORDER BY p.updated_at DESC, p.id DESC LIMIT ? OFFSET ?"
            return [_proposition(r) for r in self._rows(sql, [*params, limit, offset])]
        found = self._ranked(every, filters, params, limit, offset)
        if len(found) == limit or not some:
            return found
        n_every = self.db.execute("SELECT COUNT(*) FROM propositions_fts WHERE propositions_fts MATCH ?",
                                  [every]).fetchone()[0]
        rest = self._ranked(some, filters, params, limit - len(found), max(0, offset - n_every))
        return found + rest

    def _ranked(self, match: str, filters: str, params: list, limit: int, offset: int) -> list[Proposition]:
        """One page of BM25-ranked matches; evidence is counted only for the rows kept.

        CROSS JOIN keeps the full-text match as the outer loop: newer SQLite (3.51, SQLCipher's) otherwise
        walks the propositions by status and runs the MATCH once per row, 150x slower at 1k propositions.
        """
        sql = (
            "WITH hits AS (SELECT p.id, f.rank FROM "
            "(SELECT rowid, rank FROM propositions_fts WHERE propositions_fts MATCH ?) f "
            f"CROSS JOIN propositions p ON p.id = f.rowid WHERE {filters} ORDER BY f.rank LIMIT ? OFFSET ?) "
            "SELECT p.*, -hits.rank AS score, "
            "(SELECT COUNT(*) FROM evidence e WHERE e.proposition_id = p.id) AS evidence_count "
            "FROM hits JOIN propositions p ON p.id = hits.id ORDER BY hits.rank"
        )
        return [_proposition(r) for r in self._rows(sql, [match, *params, limit, offset])]

    def _match_queries(self, words: list[str]) -> tuple[str | None, str | None]:
        """FTS5 queries for propositions with every selective word, and for those with only some.

        Propositions with every word come first; the second query, much larger, is what costs time,
        since SQLite computes BM25 for each of its matches, and the first page rarely needs it.

        A word in more than COMMON_FRACTION of propositions adds next to nothing to BM25 (its IDF is
        near zero) yet makes SQLite rank nearly every row ("user" alone took ~140 ms at 100k
        propositions): it is left out of both. The "some words" query keeps only the rarest words
        whose matches add up to at most SOME_WORDS_ROWS: a proposition holding none of those but
        only common words is a weak match by BM25 anyway, and the semantic half of hybrid search
        still finds it. Matches are counted only up to the cap, so the counting stays cheap.
        """
        total = self.db.execute("SELECT COALESCE(MAX(id), 0) FROM propositions").fetchone()[0]
        cap = int(total * COMMON_FRACTION)
        if cap < COMMON_MIN_ROWS:
            counts = dict.fromkeys(words, 0)  # a small store: ranking everything is cheap
        else:
            count = "SELECT COUNT(*) FROM (SELECT 1 FROM propositions_fts WHERE propositions_fts MATCH ? LIMIT ?)"
            counts = {w: self.db.execute(count, ['"%s"' % w, cap + 1]).fetchone()[0] for w in words}
            counts = {w: n for w, n in counts.items() if n <= cap}
        if not counts:
            return None, None
        every = " AND ".join('"%s"' % w for w in counts)
        rare, rows = [], 0
        for w in sorted(counts, key=counts.get):
            rows += counts[w]
            if rows > SOME_WORDS_ROWS:
                break
            rare.append(w)
        if len(counts) == 1 or not rare:
            return every, None
        return every, "(%s) NOT (%s)" % (" OR ".join('"%s"' % w for w in rare), every)

    def top_propositions(self, limit: int = 5) -> list[Proposition]:
        """The active propositions held with most confidence, the most recently updated first among equals."""
        sql = _PROP_SELECT + " WHERE p.status = 'active' ORDER BY p.confidence DESC, p.updated_at DESC LIMIT ?"
        return [_proposition(r) for r in self._rows(sql, [limit])]

    def recent_apps(self, since: float, limit: int = 5) -> list[dict[str, Any]]:
        """Apps seen in observations starting at or after `since`: {app, last_seen, observations}, latest first."""
        return self._rows(
            "SELECT app, MAX(ended_at) AS last_seen, COUNT(*) AS observations FROM observations "
            "WHERE started_at >= ? AND app != '' GROUP BY app ORDER BY last_seen DESC LIMIT ?",
            [since, limit],
        )

    # -- behaviour statistics ----------------------------------------------
    _DWELL = (
        "SELECT app, title, started_at, MIN(COALESCE(LEAD(started_at) OVER (ORDER BY started_at, id) - started_at, 0), ?)"
        " AS dwell, date(started_at, 'unixepoch', 'localtime') AS day,"
        " CAST(strftime('%H', started_at, 'unixepoch', 'localtime') AS INTEGER) AS hour"
        " FROM observations WHERE started_at >= ?"
    )

    def app_usage(self, since: float, max_gap_s: float = 300.0) -> list[dict[str, Any]]:
        """Per app: observations, seconds of use (gaps capped at max_gap_s) and distinct days, most used first."""
        sql = (f"SELECT app, COUNT(*) AS observations, SUM(dwell) AS seconds, COUNT(DISTINCT day) AS days "
               f"FROM ({self._DWELL}) WHERE app != '' GROUP BY app ORDER BY seconds DESC")
        return self._rows(sql, [max_gap_s, since])

    def hour_histogram(self, since: float) -> dict[int, int]:
        """Observations per local hour of day, and the number of distinct days under key -1."""
        rows = self._rows(f"SELECT hour, COUNT(*) AS n FROM ({self._DWELL}) GROUP BY hour", [0, since])
        days = self._rows(f"SELECT COUNT(DISTINCT day) AS d FROM ({self._DWELL})", [0, since])[0]["d"]
        return {r["hour"]: r["n"] for r in rows} | {-1: days}

    def recurring_titles(self, since: float, min_observations: int, limit: int = 20) -> list[dict[str, Any]]:
        """Window titles seen at least min_observations times: app, title, observations, days."""
        sql = ("SELECT app, title, COUNT(*) AS observations, COUNT(DISTINCT date(started_at, 'unixepoch', 'localtime'))"
               " AS days FROM observations WHERE started_at >= ? AND title != '' GROUP BY app, title"
               " HAVING COUNT(*) >= ? ORDER BY days DESC, observations DESC LIMIT ?")
        return self._rows(sql, [since, min_observations, limit])

    def latest_observation_ids(self, app: str, title: str | None = None, limit: int = 5) -> list[int]:
        sql = "SELECT id FROM observations WHERE app = ?" + (" AND title = ?" if title is not None else "")
        params = [app] + ([title] if title is not None else [])
        return [r["id"] for r in self._rows(sql + " ORDER BY started_at DESC LIMIT ?", params + [limit])]

    def observed_apps(self, limit: int = 100) -> list[dict[str, Any]]:
        """Every app in the observations: {app, last_seen, observations}, latest first."""
        return self.recent_apps(0.0, limit)

    # -- status ------------------------------------------------------------
    def file_bytes(self) -> int:
        """Bytes on disk of the database file and its WAL."""
        return sum(f.stat().st_size for f in (self.path, self.path.with_name(self.path.name + "-wal")) if f.exists())

    def counts(self) -> dict[str, Any]:
        """Numbers for /v1/status: observations by status, propositions, batches failed."""
        obs = {r["status"]: r["n"] for r in self._rows("SELECT status, COUNT(*) AS n FROM observations GROUP BY status")}
        props = self._rows("SELECT COUNT(*) AS n FROM propositions WHERE status = 'active'")[0]["n"]
        batches = {r["status"]: r["n"] for r in self._rows("SELECT status, COUNT(*) AS n FROM batches GROUP BY status")}
        return {
            "observations": obs,
            "propositions": props,
            "failed_batches": batches.get("failed", 0),
            "retrying_batches": batches.get("retry", 0),
        }


_PROP_SELECT = (
    "SELECT p.*, NULL AS score, "
    "(SELECT COUNT(*) FROM evidence e WHERE e.proposition_id = p.id) AS evidence_count FROM propositions p"
)


def _observation(row: dict) -> Observation:
    return Observation(**{k: row[k] for k in _OBS_FIELDS if k in row})


def _proposition(row: dict, evidence: list[Observation] | None = None) -> Proposition:
    return Proposition(
        **{k: row[k] for k in _PROP_COLUMNS},
        grounding=json.loads(row["grounding"]) if row.get("grounding") else None,
        evidence_count=row.get("evidence_count") or 0,
        score=row.get("score"),
        evidence=evidence or [],
    )
