"""What the repositories share: rows to records, the proposition SELECT, and query helpers."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from gumd.store.records import Observation, Proposition

OBSERVATION_FIELDS = [f.name for f in dataclasses.fields(Observation)]
PROPOSITION_COLUMNS = ["id", "text", "reasoning", "confidence", "decay", "revision_group", "version",
                       "status", "verdict", "created_at", "updated_at", "origin", "model_confidence"]

# Every proposition column, with its evidence count and no score; callers add WHERE and ORDER BY.
PROPOSITION_SELECT = (
    "SELECT p.*, NULL AS score, "
    "(SELECT COUNT(*) FROM evidence e WHERE e.proposition_id = p.id) AS evidence_count FROM propositions p"
)

# The ids of every version of a proposition (two parameters, both its id): the row itself, alone when it
# was written without a revision group.
REVISION_GROUP_IDS = (
    "SELECT id FROM propositions WHERE id = ? OR revision_group = "
    "(SELECT revision_group FROM propositions WHERE id = ? AND revision_group IS NOT NULL)"
)

# Words that match nearly every proposition ("The user is ...") and so carry no signal.
_STOPWORDS = frozenset(
    "a an and are as at be been but by for from has have he her his in into is it its of on or she that the their "
    "them they this to was were which who will with user users".split()
)


def observation(row: dict) -> Observation:
    """An observations row (extra columns ignored) as an Observation."""
    return Observation(**{k: row[k] for k in OBSERVATION_FIELDS if k in row})


def proposition(row: dict, evidence: list[Observation] | None = None) -> Proposition:
    """A row of PROPOSITION_SELECT (or any with its columns) as a Proposition."""
    return Proposition(
        **{k: row[k] for k in PROPOSITION_COLUMNS},
        grounding=json.loads(row["grounding"]) if row.get("grounding") else None,
        evidence_count=row.get("evidence_count") or 0,
        score=row.get("score"),
        evidence=evidence or [],
    )


def marks(values: list[Any]) -> str:
    """The `?, ?, ...` placeholders of an IN (...) list for `values`."""
    return ",".join("?" * len(values))


def query_words(text: str) -> list[str]:
    """The distinct content words of free text, lowercased, at most 16."""
    words = (w.lower() for w in re.findall(r"\w+", text, flags=re.UNICODE))
    return list(dict.fromkeys(w for w in words if w not in _STOPWORDS))[:16]


def fts_query(text: str) -> str:
    """Turn free text into a safe FTS5 query: content words quoted, any may match (BM25 ranks)."""
    return " OR ".join('"%s"' % w for w in query_words(text))


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
