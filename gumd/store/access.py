"""Who may use the API and what they did: bearer tokens (kept only as hashes) and the audit log.

A token is `gumd_` plus 43 random URL-safe characters. Only its SHA-256 and its
first characters (to tell tokens apart in a listing) are stored, so a copy of
the database does not hand out working tokens. The audit log keeps who called
which route, when, and the status; never query strings or bodies.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass
from typing import Iterable

from gumd.store.database import Database, errors

SCOPES = ("read", "write")
TOKEN_PREFIX = "gumd_"
LOCAL_CLIENT = "local-socket"  # the name audit entries carry for the user on the unix socket
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class TokenError(ValueError):
    """A token cannot be created or revoked; the message says why and what to do."""


@dataclass(frozen=True)
class Token:
    id: int
    name: str
    scope: str  # read | write
    prefix: str
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True)
class AuditEntry:
    at: float
    client: str
    method: str
    route: str
    status: int
    token_id: int | None = None  # not stored; used to update the token's last use
    id: int = 0
    transport: str = ""  # unix | tcp
    session: str = ""  # a dashboard session's public id
    count: int = 1  # refused requests of one minute share a row


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Access:
    """API tokens (kept as hashes) and the audit log of what each client did."""

    def __init__(self, db: Database):
        self.db = db

    def create_token(self, name: str, scope: str) -> tuple[Token, str]:
        """A new token for client `name`; returns it with the secret, which is shown once and never stored."""
        if not _NAME.match(name or "") or name == LOCAL_CLIENT:
            raise TokenError(
                f"token name {name!r} is not allowed: use 1-64 letters, digits, '.', '_' or '-' (not {LOCAL_CLIENT!r})"
            )
        if scope not in SCOPES:
            raise TokenError(f"scope {scope!r} is not allowed: use one of {', '.join(SCOPES)}")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = {"name": name, "scope": scope, "token_hash": hash_token(secret), "prefix": secret[:10],
               "created_at": time.time()}
        try:
            with self.db.transaction():
                token_id = self.db.sqlite["api_tokens"].insert(row).last_pk
        except errors("IntegrityError"):
            raise TokenError(f"a token named {name!r} is already active: revoke it first or pick another name") from None
        return _token(self.db.rows("SELECT * FROM api_tokens WHERE id = ?", [token_id])[0]), secret

    def list_tokens(self) -> list[Token]:
        """Every token, active ones first, newest first."""
        rows = self.db.rows("SELECT * FROM api_tokens ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC")
        return [_token(r) for r in rows]

    def revoke_token(self, name: str) -> Token:
        """Revoke the active token named `name`; it stops working at once."""
        with self.db.transaction():
            cur = self.db.execute(
                "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL", [time.time(), name]
            )
        if cur.rowcount == 0:
            raise TokenError(f"no active token named {name!r}: see `gumd token list`")
        return _token(self.db.rows(
            "SELECT * FROM api_tokens WHERE name = ? ORDER BY revoked_at DESC LIMIT 1", [name])[0])

    def find_token(self, secret: str) -> Token | None:
        """The token (active or revoked) whose secret this is, or None."""
        rows = self.db.rows("SELECT * FROM api_tokens WHERE token_hash = ?", [hash_token(secret)])
        return _token(rows[0]) if rows else None

    def record_audit(self, entries: Iterable[AuditEntry]) -> None:
        """Append audit entries and move each token's last use forward, in one transaction."""
        entries = list(entries)
        if not entries:
            return
        last_use: dict[int, float] = {}
        for e in entries:
            if e.token_id is not None:
                last_use[e.token_id] = max(e.at, last_use.get(e.token_id, 0.0))
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO api_audit (at, client, method, route, status, transport, session, count) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(e.at, e.client, e.method, e.route, e.status, e.transport, e.session, e.count) for e in entries],
            )
            self.db.executemany(
                "UPDATE api_tokens SET last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?",
                [(at, token_id) for token_id, at in last_use.items()],
            )

    def record_audit_counts(self, entries: Iterable[AuditEntry]) -> list[int]:
        """Write counted rows: an entry with an id adds its count to that row, one without is inserted. Returns
        each entry's row id, in order, so later counts of the same minute land on the same row."""
        ids = []
        with self.db.transaction():
            for e in entries:
                if e.id:
                    self.db.execute("UPDATE api_audit SET count = count + ? WHERE id = ?", [e.count, e.id])
                    ids.append(e.id)
                else:
                    cur = self.db.execute(
                        "INSERT INTO api_audit (at, client, method, route, status, transport, session, count) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [e.at, e.client, e.method, e.route, e.status, e.transport, e.session, e.count])
                    ids.append(cur.lastrowid)
        return ids

    def read_audit(
        self, limit: int = 100, offset: int = 0, client: str | None = None, since: float | None = None
    ) -> list[AuditEntry]:
        """Audit entries, newest first, optionally for one client or after a time."""
        where, params = ["1=1"], []
        if client:
            where.append("client = ?")
            params.append(client)
        if since is not None:
            where.append("at >= ?")
            params.append(since)
        rows = self.db.rows(
            f"SELECT * FROM api_audit WHERE {' AND '.join(where)} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [AuditEntry(at=r["at"], client=r["client"], method=r["method"], route=r["route"], status=r["status"],
                           id=r["id"], transport=r["transport"], session=r["session"], count=r["count"]) for r in rows]

    def prune_audit(self, before: float) -> int:
        """Drop audit entries older than `before`; returns how many."""
        with self.db.transaction():
            return self.db.execute("DELETE FROM api_audit WHERE at < ?", [before]).rowcount

    def cap_audit(self, keep: int) -> int:
        """Keep only the newest `keep` audit rows; returns how many went."""
        with self.db.transaction():
            return self.db.execute(
                "DELETE FROM api_audit WHERE id <= (SELECT MAX(id) FROM api_audit) - ?", [keep]).rowcount


def _token(row: dict) -> Token:
    return Token(**{k: row[k] for k in ("id", "name", "scope", "prefix", "created_at", "last_used_at", "revoked_at")})
