"""Who is asking, and may they: Host and Origin checks, bearer tokens, scopes, size limits, the audit entry.

`AccessGuard` wraps the whole app, so every route is covered, including
routers added later.

- The unix socket (0600) is the user's own: a request over it without a token
  is the local user, named "local-socket", with write scope. A token sent over
  the socket is checked and used (the MCP server does this), so a bad one fails.
- TCP (127.0.0.1 only) needs `Authorization: Bearer <token>` on every request,
  or a dashboard session cookie (gumd/api/sessions.py): a browser session has
  write scope, and every state-changing request of it must carry the session's
  CSRF token in the X-Gumd-CSRF header. /dashboard/login alone is open: it
  checks the one-time code itself. Without either, /dashboard pages answer
  with a page that says to run `gumd dashboard`.
- GET and HEAD need the read scope; every other method needs write.
- Host must name this machine (DNS rebinding); an Origin, when a browser sends
  one, must be the listener's own origin, and cross-site fetches
  (Sec-Fetch-Site) are refused. No CORS headers are ever sent.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit

import anyio.to_thread
from fastapi import HTTPException, Request
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gumd.api.audit import AuditLog
from gumd.api.sessions import COOKIE, CSRF_HEADER, DASHBOARD_CLIENT, Session, Sessions, csrf_matches
from gumd.store import Store
from gumd.store.access import LOCAL_CLIENT, AuditEntry, find_token

TRANSPORT = "gumd.transport"  # scope key the server sets: "unix" or "tcp"; anything else is treated as tcp
READ_METHODS = frozenset({"GET", "HEAD"})
MAX_BODY = 64 * 1024
MAX_QUERY_STRING = 4096
UNIX_HOSTS = frozenset({"gumd", "localhost", "127.0.0.1", "::1"})
TCP_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DASHBOARD_PREFIX = "/dashboard"
LOGIN_PATH = "/dashboard/login"


@dataclass(frozen=True)
class Principal:
    """The client behind a request: a token's name, or "local-socket" for the user on the socket."""

    client: str
    scope: str  # read | write
    token_id: int | None = None
    session: Session | None = None  # a dashboard session in a browser

    def may(self, method: str) -> bool:
        return self.scope == "write" or method in READ_METHODS


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, client: str = "anonymous"):
        super().__init__(message)
        self.status, self.code, self.message, self.client = status, code, message, client

    def response(self, path: str = "") -> Response:
        if self.status == 401 and path.startswith(DASHBOARD_PREFIX):
            page = resources.files("gumd.api.dashboard").joinpath("login_needed.html").read_text()
            return HTMLResponse(page.replace("{message}", self.message), 401)
        headers = {"WWW-Authenticate": 'Bearer realm="gumd"'} if self.status == 401 else None
        return JSONResponse({"code": self.code, "message": self.message}, self.status, headers=headers)


def principal(request: Request) -> Principal:
    """The principal AccessGuard admitted for this request."""
    return request.state.principal


def require_write(request: Request) -> Principal:
    """A dependency for reads that reveal more than the user model itself (export, audit): write scope only."""
    who = principal(request)
    if who.scope != "write":
        raise HTTPException(403, {"code": "insufficient_scope",
                                  "message": f"token {who.client!r} has read scope; this route needs a write token"})
    return who


def _hostname(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    host, sep, port = value.rpartition(":")
    return host if sep and port.isdigit() else value


class AccessGuard:
    def __init__(self, app: ASGIApp, store: Store, audit: AuditLog, sessions: Sessions | None = None):
        self.app = app
        self.store = store
        self.audit = audit
        self.sessions = sessions or Sessions()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            who = self._admit(scope, Headers(scope=scope))
        except Refused as r:
            self._record(scope, r.client, None, r.status)
            await r.response(scope.get("path", ""))(scope, receive, send)
            await self._maybe_flush()
            return
        scope.setdefault("state", {})["principal"] = who

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._record(scope, who.client, who.token_id, message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            await self._maybe_flush()

    def _admit(self, scope: Scope, headers: Headers) -> Principal:
        over_tcp = scope.get(TRANSPORT) != "unix"
        if len(scope.get("query_string", b"")) > MAX_QUERY_STRING:
            raise Refused(414, "query_too_long", f"the query string is over {MAX_QUERY_STRING} bytes; ask for less")
        if scope["method"] not in READ_METHODS:
            if "transfer-encoding" in headers:
                raise Refused(411, "length_required", "send the body with a Content-Length, not chunked")
            length = headers.get("content-length", "0")
            if not length.isdigit() or int(length) > MAX_BODY:
                raise Refused(413, "body_too_large", f"request bodies are limited to {MAX_BODY} bytes")
        host = headers.get("host")
        allowed = TCP_HOSTS if over_tcp else UNIX_HOSTS
        if host is None or _hostname(host) not in allowed:
            raise Refused(421, "bad_host",
                          f"Host {host!r} is not this machine; use one of: {', '.join(sorted(allowed))}")
        self._check_origin(scope, headers, over_tcp)
        if over_tcp and scope.get("path") == LOGIN_PATH and scope["method"] in READ_METHODS:
            return Principal(DASHBOARD_CLIENT, "read")  # the route checks the one-time code
        if over_tcp and "authorization" not in headers and COOKIE in cookie_parser(headers.get("cookie", "")):
            return self._session(scope["method"], headers)
        return self._identify(scope["method"], headers, over_tcp)

    def _session(self, method: str, headers: Headers) -> Principal:
        session = self.sessions.find(cookie_parser(headers.get("cookie", ""))[COOKIE])
        if session is None:
            raise Refused(401, "session_expired", "this dashboard session has ended; run `gumd dashboard` to log in",
                          client=DASHBOARD_CLIENT)
        if method not in READ_METHODS and not csrf_matches(session, headers.get(CSRF_HEADER)):
            raise Refused(403, "csrf_token", f"send the page's CSRF token in {CSRF_HEADER}; reload the dashboard",
                          client=DASHBOARD_CLIENT)
        return Principal(DASHBOARD_CLIENT, "write", session=session)

    @staticmethod
    def _check_origin(scope: Scope, headers: Headers, over_tcp: bool) -> None:
        if headers.get("sec-fetch-site", "").lower() in ("cross-site", "same-site"):
            raise Refused(403, "cross_site", "cross-site requests are refused; call gumd from a local program")
        origin = headers.get("origin")
        if origin is None:
            return
        server = scope.get("server") or ("", None)
        try:
            parts = urlsplit(origin)
            same = (over_tcp and parts.scheme == "http" and parts.hostname in TCP_HOSTS
                    and parts.port == server[1])
        except ValueError:
            same = False
        if not same:
            raise Refused(403, "bad_origin",
                          f"Origin {origin!r} may not call this API; no cross-origin access is allowed")

    def _identify(self, method: str, headers: Headers, over_tcp: bool) -> Principal:
        auth = headers.get("authorization")
        if auth is None:
            if over_tcp:
                raise Refused(401, "missing_token",
                              "send Authorization: Bearer <token> (create one with `gumd token create NAME`); "
                              "for the dashboard, run `gumd dashboard`")
            return Principal(LOCAL_CLIENT, "write")
        scheme, _, secret = auth.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise Refused(401, "invalid_token", "the Authorization header must be 'Bearer <token>'")
        token = find_token(self.store, secret)
        if token is None:
            raise Refused(401, "invalid_token", "this token is unknown; create one with `gumd token create NAME`",
                          client="unknown-token")
        if not token.active:
            raise Refused(401, "token_revoked",
                          f"token {token.name!r} was revoked; create a new one with `gumd token create`",
                          client=token.name)
        who = Principal(token.name, token.scope, token.id)
        if not who.may(method):
            raise Refused(403, "insufficient_scope",
                          f"token {token.name!r} has read scope; {method} needs a write token", client=token.name)
        return who

    def _record(self, scope: Scope, client: str, token_id: int | None, status: int) -> None:
        # The matched route's template (/v1/propositions/{prop_id}); the bare path for a request refused
        # before routing or matching no route. Never the query string or the body.
        route = getattr(scope.get("route"), "path", None) or scope.get("path", "")[:200]
        self.audit.record(AuditEntry(time.time(), client, scope["method"], route, status, token_id))

    async def _maybe_flush(self) -> None:
        if self.audit.due:
            await anyio.to_thread.run_sync(self.audit.flush)
