"""Browser sessions for the dashboard: one-time login codes, session cookies, page keys and confirmations.

A browser cannot reach the unix socket, so the dashboard is served on the
loopback TCP listener. `gumd dashboard` asks the daemon over the socket for a
login code (single use, valid LOGIN_CODE_TTL_S); the browser exchanges it at
/dashboard/login for two secrets:

- a session cookie (HttpOnly, SameSite=Strict). Cookies are scoped by host,
  not port, so every server on another port of 127.0.0.1 may receive it: the
  cookie alone opens nothing but the page's own HTML and static files;
- a page key, handed over once, in the login response, to the page's script,
  which keeps it in `sessionStorage` (scoped by origin, port included) and
  sends it in KEY_HEADER on every API call. No later response repeats it.

Export and deletes also need a confirmation: a single-use token the page asks
for (POST /dashboard/confirm, with the key) after the user says yes, sent in
CONFIRM_HEADER. See docs/security.md for the threat model.

Sessions live in memory only: nothing a stolen copy of the data dir could
replay, and a daemon restart simply asks the user to run `gumd dashboard`
again. Only SHA-256 hashes of codes, cookies, keys and confirmations are held.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "gumd_session"
KEY_HEADER = "x-gumd-key"
CONFIRM_HEADER = "x-gumd-confirm"
LOGIN_CODE_TTL_S = 120.0
SESSION_TTL_S = 12 * 3600.0
CONFIRM_TTL_S = 60.0
MAX_SESSIONS = 32  # the oldest goes when a new one would pass this
MAX_CONFIRMATIONS = 64  # live confirmations, all sessions together; the oldest goes first
CONFIRM_ACTIONS = ("export", "delete")
DASHBOARD_CLIENT = "dashboard"  # the client name audit entries carry for a browser session


@dataclass(frozen=True)
class Session:
    id: str  # public: audit rows name the session by it
    key_hash: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class LoginCode:
    code: str
    expires_at: float


@dataclass(frozen=True)
class Login:
    """What a redeemed code gives the browser: the cookie's secret and the page key (each shown once)."""

    cookie: str
    key: str
    session: Session


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class Sessions:
    """Login codes, live sessions and pending confirmations of one daemon; thread-safe."""

    def __init__(self, code_ttl_s: float = LOGIN_CODE_TTL_S, session_ttl_s: float = SESSION_TTL_S):
        self.code_ttl_s, self.session_ttl_s = code_ttl_s, session_ttl_s
        self._codes: dict[str, float] = {}
        self._sessions: dict[str, Session] = {}
        self._confirmations: dict[str, tuple[str, str, float]] = {}  # hash -> (session id, action, expires)
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

    def redeem(self, code: str, now: float | None = None) -> Login | None:
        """Exchange a live, unused code for a new session; None when the code is unknown, used or stale."""
        now = time.time() if now is None else now
        with self._lock:
            expires = self._codes.pop(_digest(code), None)
            if expires is None or expires <= now:
                return None
            cookie, key = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            session = Session(secrets.token_hex(4), _digest(key), now, now + self.session_ttl_s)
            self._sessions = {h: s for h, s in self._sessions.items() if s.expires_at > now}
            while len(self._sessions) >= MAX_SESSIONS:
                del self._sessions[min(self._sessions, key=lambda h: self._sessions[h].created_at)]
            self._sessions[_digest(cookie)] = session
        return Login(cookie, key, session)

    def find(self, cookie: str, now: float | None = None) -> Session | None:
        """The live session for a cookie's secret."""
        now = time.time() if now is None else now
        with self._lock:
            session = self._sessions.get(_digest(cookie))
        return session if session is not None and session.expires_at > now else None

    def end(self, cookie: str) -> None:
        with self._lock:
            session = self._sessions.pop(_digest(cookie), None)
            if session is not None:
                self._confirmations = {h: c for h, c in self._confirmations.items() if c[0] != session.id}

    def confirm(self, session: Session, action: str, now: float | None = None) -> str:
        """A single-use token that lets this session do `action` once within CONFIRM_TTL_S."""
        if action not in CONFIRM_ACTIONS:
            raise ValueError(f"action must be one of {', '.join(CONFIRM_ACTIONS)}")
        now = time.time() if now is None else now
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._confirmations = {h: c for h, c in self._confirmations.items() if c[2] > now}
            while len(self._confirmations) >= MAX_CONFIRMATIONS:
                del self._confirmations[min(self._confirmations, key=lambda h: self._confirmations[h][2])]
            self._confirmations[_digest(token)] = (session.id, action, now + CONFIRM_TTL_S)
        return token

    def take_confirmation(self, session: Session, action: str, token: str | None, now: float | None = None) -> bool:
        """Use up a confirmation of `action` for this session; False when there is none that fits."""
        if not token:
            return False
        now = time.time() if now is None else now
        with self._lock:
            held = self._confirmations.pop(_digest(token), None)
        return held is not None and held[0] == session.id and held[1] == action and held[2] > now


def key_matches(session: Session, sent: str | None) -> bool:
    """True when `sent` is the session's page key."""
    return sent is not None and hmac.compare_digest(session.key_hash.encode(), _digest(sent).encode())
