"""The privacy dashboard: the page, its static files, the one-time login, and minting login codes.

The page is plain HTML, CSS and JavaScript from package data (gumd/api/dashboard/);
everything it shows comes from the /v1 API, called with the session cookie and the
CSRF token the page carries (see gumd/api/sessions.py and gumd/api/auth.py).
"""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from gumd.api.auth import LOGIN_PATH, TRANSPORT, Refused, principal
from gumd.api.schemas import ErrorOut
from gumd.api.sessions import COOKIE, Sessions

PAGE = resources.files("gumd.api.dashboard")


class LoginLink(BaseModel):
    url: str
    expires_at: float


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
    def login(code: str = Query("", max_length=100)) -> Response:
        redeemed = sessions.redeem(code) if code else None
        if redeemed is None:
            return Refused(401, "login_code", "this login link is unknown, used or expired; run `gumd dashboard` "
                                              "for a new one").response(LOGIN_PATH)
        secret, session = redeemed
        page = RedirectResponse("/dashboard", status_code=303)
        page.set_cookie(COOKIE, secret, max_age=int(session.expires_at - session.created_at), path="/",
                        httponly=True, samesite="strict")
        return page

    @r.post("/dashboard/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        if (secret := request.cookies.get(COOKIE)) is not None:
            sessions.end(secret)
        done = JSONResponse({"logged_out": True})
        done.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
        return done

    @r.get("/dashboard", include_in_schema=False, response_class=HTMLResponse)
    def dashboard(request: Request) -> HTMLResponse:
        session = principal(request).session
        html = PAGE.joinpath("index.html").read_text().replace("{csrf}", session.csrf if session else "")
        return HTMLResponse(html, headers={"Cache-Control": "no-store", "Content-Security-Policy": CSP,
                                           "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"})

    return r


# Only the page's own files; no inline script, no framing, nothing fetched from elsewhere.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
