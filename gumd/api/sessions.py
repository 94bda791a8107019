"""Browser sessions for the dashboard: one-time login codes, session cookies and their CSRF tokens.

A browser cannot reach the unix socket, so the dashboard is served on the
loopback TCP listener. `gumd dashboard` asks the daemon over the socket for a
login code (single use, valid LOGIN_CODE_TTL_S); the browser exchanges it at
/dashboard/login for a session cookie (HttpOnly, SameSite=Strict). Every
state-changing request of a session must also carry the session's CSRF token
in the CSRF_HEADER header.

Sessions live in memory only: nothing a stolen copy of the data dir could
replay, and a daemon restart simply asks the user to run `gumd dashboard`
again. Only SHA-256 hashes of codes and session secrets are held.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "gumd_session"
CSRF_HEADER = "x-gumd-csrf"
LOGIN_CODE_TTL_S = 120.0
SESSION_TTL_S = 12 * 3600.0
MAX_SESSIONS = 32  # the oldest goes when a new one would pass this
DASHBOARD_CLIENT = "dashboard"  # the client name audit entries carry for a browser session


@dataclass(frozen=True)
class Session:
    csrf: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class LoginCode:
    code: str
    expires_at: float


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Sessions:
    """Login codes and live sessions of one daemon; thread-safe."""

    def __init__(self, code_ttl_s: float = LOGIN_CODE_TTL_S, session_ttl_s: float = SESSION_TTL_S):
        self.code_ttl_s, self.session_ttl_s = code_ttl_s, session_ttl_s
        self._codes: dict[str, float] = {}
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.url: str | None = None  # the loopback listener's base URL, set once it is bound

    def issue_code(self, now: float | None = None) -> LoginCode:
        """A fresh single-use login code."""
        now = time.time() if now is None else now
        code = secrets.token_urlsafe(32)
        with self._lock:
            self._codes = {h: t for h, t in self._codes.items() if t > now}
            self._codes[_digest(code)] = now + self.code_ttl_s
        return LoginCode(code, now + self.code_ttl_s)

    def redeem(self, code: str, now: float | None = None) -> tuple[str, Session] | None:
        """Exchange a live, unused code for (session secret, session); None when it is unknown, used or stale."""
        now = time.time() if now is None else now
        with self._lock:
            expires = self._codes.pop(_digest(code), None)
            if expires is None or expires <= now:
                return None
            secret = secrets.token_urlsafe(32)
            session = Session(secrets.token_urlsafe(32), now, now + self.session_ttl_s)
            self._sessions = {h: s for h, s in self._sessions.items() if s.expires_at > now}
            while len(self._sessions) >= MAX_SESSIONS:
                del self._sessions[min(self._sessions, key=lambda h: self._sessions[h].created_at)]
            self._sessions[_digest(secret)] = session
        return secret, session

    def find(self, secret: str, now: float | None = None) -> Session | None:
        """The live session for a cookie's secret."""
        now = time.time() if now is None else now
        with self._lock:
            session = self._sessions.get(_digest(secret))
        return session if session is not None and session.expires_at > now else None

    def end(self, secret: str) -> None:
        with self._lock:
            self._sessions.pop(_digest(secret), None)


def csrf_matches(session: Session, sent: str | None) -> bool:
    return sent is not None and hmac.compare_digest(session.csrf.encode(), sent.encode())
