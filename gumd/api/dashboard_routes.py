"""The privacy dashboard: the page, its static files, the one-time login, and minting login codes.

The page is plain HTML, CSS and JavaScript from package data (gumd/api/dashboard/);
everything it shows comes from the /v1 API, called with the session cookie and the
page key the login handed to the page's script once (see gumd/api/sessions.py,
gumd/api/auth.py and docs/security.md).
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from gumd.api.auth import LOGIN_PATH, TRANSPORT, Refused, principal
from gumd.api.schemas import Confirmation, ConfirmIn, ErrorOut, LoginLink
from gumd.api.sessions import CONFIRM_TTL_S, COOKIE, Sessions

PAGE = resources.files("gumd.api.dashboard")


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(PAGE.joinpath("static")))


def router(sessions: Sessions) -> APIRouter:
    r = APIRouter(tags=["dashboard"])

    @r.post("/v1/dashboard/login", response_model=LoginLink, responses={403: {"model": ErrorOut},
                                                                          409: {"model": ErrorOut}})
    def mint_login_link(request: Request) -> LoginLink:
        """A one-time link that logs a browser into the dashboard (unix socket only; single use, 2 minutes)."""
        if request.scope.get(TRANSPORT) != "unix":
            raise HTTPException(403, {"code": "socket_only",
                                      "message": "login links are given on the unix socket only: run `gumd dashboard`"})
        if sessions.url is None:
            raise HTTPException(409, {"code": "dashboard_off", "message": (
                "the dashboard needs the loopback listener: set api_tcp_port (e.g. `api_tcp_port = 8765` in "
                "config.toml, or `gumd run --set api_tcp_port=8765`) and restart gumd")})
        code = sessions.issue_code()
        return LoginLink(url=f"{sessions.url}{LOGIN_PATH}?code={code.code}", expires_at=code.expires_at)

    @r.get(LOGIN_PATH, include_in_schema=False)
    def login(request: Request, code: str = Query("", max_length=100)) -> Response:
        login = sessions.redeem(code) if code else None
        if login is not None:
            request.scope["state"]["principal"] = replace(principal(request), session=login.session)
        if login is None:
            return Refused(401, "login_code", "this login link is unknown, used or expired; run `gumd dashboard` "
                                              "for a new one").response(LOGIN_PATH)
        # The page key goes to this page's script once; it keeps it in sessionStorage and opens /dashboard.
        page = HTMLResponse(PAGE.joinpath("login.html").read_text().replace("{key}", login.key),
                            headers=NO_STORE)
        page.set_cookie(COOKIE, login.cookie, max_age=int(login.session.expires_at - login.session.created_at),
                        path="/", httponly=True, samesite="strict")
        return page

    @r.post("/dashboard/confirm", include_in_schema=False, response_model=Confirmation)
    def confirm(body: ConfirmIn, request: Request) -> Confirmation:
        """A single-use confirmation for one export or delete, asked for by the page after the user said yes."""
        session = principal(request).session
        if session is None:
            raise HTTPException(403, {"code": "dashboard_only",
                                      "message": "confirmations are for dashboard sessions; tokens need none"})
        return Confirmation(token=sessions.confirm(session, body.action), expires_in=CONFIRM_TTL_S)

    @r.post("/dashboard/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        if (secret := request.cookies.get(COOKIE)) is not None:
            sessions.end(secret)
        done = JSONResponse({"logged_out": True})
        done.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return done

    @r.get("/dashboard", include_in_schema=False, response_class=HTMLResponse)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(PAGE.joinpath("index.html").read_text(), headers=NO_STORE)

    return r


NO_STORE = {"Cache-Control": "no-store"}  # the security headers (CSP...) come from AccessGuard on every response
