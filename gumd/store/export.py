"""Everything gumd holds about the user, section by section, for `GET /v1/export`.

The export reads on its own read-only connection inside one transaction, so it
is one consistent snapshot and may be consumed from any thread. Token hashes
are left out: an export is meant to be read, not to sign in with.
"""

from __future__ import annotations

from typing import Iterator

from gumd.store.database import Database, connect

# Section name -> the SELECT that yields its rows, oldest first.
SECTIONS: dict[str, str] = {
    "observations": "SELECT * FROM observations ORDER BY id",
    "propositions": "SELECT * FROM propositions ORDER BY id",
    "evidence": "SELECT * FROM evidence ORDER BY proposition_id, observation_id",
    "tokens": "SELECT id, name, scope, prefix, created_at, last_used_at, revoked_at FROM api_tokens ORDER BY id",
    "audit": "SELECT * FROM api_audit ORDER BY id",
}


def export_rows(database: Database, chunk: int = 500) -> Iterator[tuple[str, list[dict]]]:
    """(section, rows) pairs, `chunk` rows at a time; every section appears, once with an empty list if empty."""
    conn = connect(database.path, database.key, read_only=True)
    try:
        conn.execute("BEGIN")
        for section, sql in SECTIONS.items():
            cursor = conn.execute(sql)
            columns = [c[0] for c in cursor.description]
            yield section, []
            while rows := cursor.fetchmany(chunk):
                yield section, [dict(zip(columns, r)) for r in rows]
    finally:
        conn.close()
