"""Who is asking, and may they: Host and Origin checks, bearer tokens, scopes, size limits, the audit entry.

`AccessGuard` wraps the whole app, so every route is covered, including
routers added later.

- The unix socket (0600) is the user's own: a request over it without a token
  is the local user, named "local-socket", with write scope. A token sent over
  the socket is checked and used (the MCP server does this), so a bad one fails.
- TCP (127.0.0.1 only) needs `Authorization: Bearer <token>` on every request,
  or a dashboard session (gumd/api/sessions.py): its cookie alone opens only
  the page's HTML and static files; every other request must also carry the
  page key in X-Gumd-Key, and export and deletes a single-use confirmation in
  X-Gumd-Confirm. /dashboard/login alone is open: it checks the one-time code
  itself. Without a session, /dashboard pages answer with a page that says to
  run `gumd dashboard`.
- GET and HEAD need the read scope; every other method needs write.
- Host must name this machine (DNS rebinding); an Origin, when a browser sends
  one, must be the listener's own origin, and cross-site fetches
  (Sec-Fetch-Site) are refused. No CORS headers are ever sent.
- Every response carries a strict Content-Security-Policy (nothing from
  elsewhere, no inline script), nosniff, no framing and no referrer.
- A request refused here is counted, not logged one row each (gumd/api/audit.py).

See docs/security.md for the threat model.
"""

from __future__ import annotations

import base64
import html
import hashlib
import re
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

from gumd.api.audit import AuditLog, route_prefix
from gumd.api.sessions import (
    CONFIRM_HEADER, COOKIE, DASHBOARD_CLIENT, KEY_HEADER, Session, Sessions, key_matches,
)
from gumd.store import Store
from gumd.store.access import LOCAL_CLIENT, AuditEntry

TRANSPORT = "gumd.transport"  # scope key the server sets: "unix" or "tcp"; anything else is treated as tcp
READ_METHODS = frozenset({"GET", "HEAD"})
MAX_BODY = 64 * 1024
MAX_QUERY_STRING = 4096
UNIX_HOSTS = frozenset({"gumd", "localhost", "127.0.0.1", "::1"})
TCP_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
DASHBOARD_PREFIX = "/dashboard"
LOGIN_PATH = "/dashboard/login"
STATIC_PREFIX = "/dashboard/static/"
# Only this origin's own files; no inline script, no framing, nothing fetched from elsewhere.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {"content-security-policy": CSP, "x-content-type-options": "nosniff",
                    "x-frame-options": "DENY", "referrer-policy": "no-referrer"}
_PORT = re.compile(r"[0-9]{1,5}")


def _login_needed_page() -> tuple[str, str]:
    """The page that says to run `gumd dashboard`, and a CSP that admits its one inline style by hash."""
    page = resources.files("gumd.api.dashboard").joinpath("login_needed.html").read_text()
    style = page[page.index("<style>") + len("<style>"):page.index("</style>")]
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    return page, CSP.replace("style-src 'self'", f"style-src 'sha256-{digest}'")


LOGIN_NEEDED, LOGIN_NEEDED_CSP = _login_needed_page()


@dataclass(frozen=True)
class Principal:
    """The client behind a request: a token's name, or "local-socket" for the user on the socket."""

    client: str
    scope: str  # read | write | page (a dashboard cookie without its page key: the page's files only)
    token_id: int | None = None
    session: Session | None = None  # a dashboard session in a browser

    def may(self, method: str) -> bool:
        return self.scope == "write" or (self.scope == "read" and method in READ_METHODS)


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, client: str = "anonymous"):
        super().__init__(message)
        self.status, self.code, self.message, self.client = status, code, message, client

    def response(self, path: str = "") -> Response:
        if self.status == 401 and path.startswith(DASHBOARD_PREFIX):
            return HTMLResponse(LOGIN_NEEDED.replace("{message}", html.escape(self.message)), 401,
                                headers={"Content-Security-Policy": LOGIN_NEEDED_CSP, "Cache-Control": "no-store"})
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


def _hostname(value: str) -> str | None:
    """The host of a Host header ("host", "host:port", "[v6]" or "[v6]:port"); None for anything else."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        rest = value[end + 1:] if end > 0 else "?"
        if rest and not (rest[0] == ":" and _PORT.fullmatch(rest[1:])):
            return None  # "[::1].evil.com", "[::1]x", an unclosed bracket
        return value[1:end]
    host, sep, port = value.partition(":")
    if sep and not _PORT.fullmatch(port):
        return None
    return host


def confirmation_needed(method: str, path: str) -> str | None:
    """The confirmation a dashboard session needs for this request: "export", "delete" or None."""
    if method == "DELETE" or (method == "POST" and path == "/v1/capture/forget"):
        return "delete"
    if method in READ_METHODS and path == "/v1/export":
        return "export"
    return None


def _transport(scope: Scope) -> str:
    return "unix" if scope.get(TRANSPORT) == "unix" else "tcp"


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

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(
                    (k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in have)]
            await send(message)

        try:
            who = await self._admit(scope, Headers(scope=scope))
        except Refused as r:
            self.audit.record_refusal(AuditEntry(time.time(), r.client, scope["method"], scope.get("path", ""),
                                                 r.status, transport=_transport(scope)))
            await r.response(scope.get("path", ""))(scope, receive, send_secured)
            return
        scope.setdefault("state", {})["principal"] = who

        async def send_and_record(message: Message) -> None:
            if message["type"] == "http.response.start":  # the login route names the session it began
                self._record(scope, scope["state"]["principal"], message["status"])
            await send_secured(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            await self._maybe_flush()

    async def _admit(self, scope: Scope, headers: Headers) -> Principal:
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
        login = over_tcp and scope.get("path") == LOGIN_PATH and scope["method"] in READ_METHODS
        # The login link is opened from a local file (file://), a cross-site navigation; the code is the check.
        self._check_origin(scope, headers, over_tcp, navigation=login)
        if login:
            return Principal(DASHBOARD_CLIENT, "page")  # the route checks the one-time code
        if over_tcp and "authorization" not in headers and COOKIE in cookie_parser(headers.get("cookie", "")):
            return self._session(scope, headers)
        return await self._identify(scope["method"], headers, over_tcp)

    def _session(self, scope: Scope, headers: Headers) -> Principal:
        """A dashboard session: the cookie finds it, the page key proves the page, a confirmation allows export
        and deletes. The cookie alone reaches the page's HTML and static files, which hold no data."""
        method, path = scope["method"], scope.get("path", "")
        session = self.sessions.find(cookie_parser(headers.get("cookie", ""))[COOKIE])
        if session is None:
            raise Refused(401, "session_expired", "this dashboard session has ended; run `gumd dashboard` to log in",
                          client=DASHBOARD_CLIENT)
        if method in READ_METHODS and (path == DASHBOARD_PREFIX or path.startswith(STATIC_PREFIX)):
            return Principal(DASHBOARD_CLIENT, "page", session=session)
        if not key_matches(session, headers.get(KEY_HEADER)):
            raise Refused(403, "session_key", f"a dashboard request needs the page's key in {KEY_HEADER}: use the "
                                              "dashboard page, or run `gumd dashboard` to log in again",
                          client=DASHBOARD_CLIENT)
        action = confirmation_needed(method, path)
        if action and not self.sessions.take_confirmation(session, action, headers.get(CONFIRM_HEADER)):
            raise Refused(403, "confirmation_needed", f"{action} needs a fresh confirmation from the dashboard page "
                                                      f"(POST /dashboard/confirm, then {CONFIRM_HEADER})",
                          client=DASHBOARD_CLIENT)
        return Principal(DASHBOARD_CLIENT, "write", session=session)

    @staticmethod
    def _check_origin(scope: Scope, headers: Headers, over_tcp: bool, navigation: bool = False) -> None:
        if not navigation and headers.get("sec-fetch-site", "").lower() in ("cross-site", "same-site"):
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

    async def _identify(self, method: str, headers: Headers, over_tcp: bool) -> Principal:
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
        token = await anyio.to_thread.run_sync(self.store.access.find_token, secret)  # SQL: off the event loop
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

    def _record(self, scope: Scope, who: Principal, status: int) -> None:
        # The matched route's template (/v1/propositions/{prop_id}); a short prefix of the path for one matching
        # no route. Never the query string or the body.
        template = getattr(scope.get("route"), "path", None)
        route = template or route_prefix(scope.get("path", ""))
        self.audit.record(AuditEntry(time.time(), who.client, scope["method"], route, status, who.token_id,
                                     transport=_transport(scope), session=who.session.id if who.session else ""))

    async def _maybe_flush(self) -> None:
        if self.audit.due:
            await anyio.to_thread.run_sync(self.audit.flush)
