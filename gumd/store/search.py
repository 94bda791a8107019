"""Full-text search: observations and propositions by BM25 over their FTS5 indexes.

A query's words that most propositions share ("the", "user") are left out of the match, and
propositions holding every remaining word rank before those holding only some.
"""

from __future__ import annotations

import re

from gumd.store.database import Database
from gumd.store.records import Observation, Proposition
from gumd.store.rows import PROPOSITION_SELECT, fts_query, observation, proposition, query_words

COMMON_FRACTION = 0.2  # a query word in more than this share of propositions is left out of the match
COMMON_MIN_ROWS = 1000  # below this many matches ranking everything is cheap: keep every word
SOME_WORDS_ROWS = 5000  # the "some of the words" match ranks at most about this many rows


class Search:
    """BM25-ranked matches over observations and propositions."""

    def __init__(self, db: Database):
        self.db = db

    def observations(self, q: str, limit: int = 20) -> list[Observation]:
        """Observations whose app, title or text match q (FTS5, best first)."""
        query = fts_query(q)
        if not query:
            return []
        sql = (
            "SELECT observations.* FROM observations_fts "
            "CROSS JOIN observations ON observations.id = observations_fts.rowid "
            "WHERE observations_fts MATCH ? ORDER BY bm25(observations_fts) LIMIT ?"
        )
        return [observation(r) for r in self.db.rows(sql, [query, limit])]

    def proposition_ids(self, q: str, limit: int) -> list[int]:
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

    def propositions(
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
        A query made only of words most propositions share lists the newest, as an empty one does.
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
            sql = PROPOSITION_SELECT + f" WHERE {filters} ORDER BY p.updated_at DESC, p.id DESC LIMIT ? OFFSET ?"
            return [proposition(r) for r in self.db.rows(sql, [*params, limit, offset])]
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
        return [proposition(r) for r in self.db.rows(sql, [match, *params, limit, offset])]

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
