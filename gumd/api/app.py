"""The REST API (FastAPI), versioned under /v1. It reads and writes through the store and nothing else.

Every request passes `AccessGuard` (gumd/api/auth.py) first: Host and Origin
checks, the bearer token over TCP, the scope for the method, size limits and the
audit entry. Route modules each hold one area and are included here.
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from gumd import __version__
from gumd.api import (
    activity_routes, capture_routes, dashboard_routes, data_routes, proposition_routes, stream_routes,
)
from gumd.api.audit import AuditLog
from gumd.api.auth import AccessGuard
from gumd.api.events import EventBus
from gumd.api.schemas import ErrorOut, StatusOut
from gumd.api.sessions import Sessions
from gumd.capture.pipeline import Pipeline
from gumd.privacy import CaptureControl
from gumd.propositions.retrieve import Retriever
from gumd.store import Store
from gumd.usecases.predict import Predictor
from gumd.usecases.rules import CaptureRules

_STATUS_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 413: "body_too_large", 503: "unavailable"}


def create_app(
    store: Store,
    status: Callable[[], dict[str, Any]],
    control: CaptureControl,
    *,
    predictor: Predictor | None = None,
    bus: EventBus | None = None,
    audit: AuditLog | None = None,
    retriever: Retriever | None = None,
    sessions: Sessions | None = None,
    rules: CaptureRules | None = None,
    pipeline: Pipeline | None = None,
) -> FastAPI:
    """The API over one store.

    `status()` supplies the daemon's live state, `control` pauses capture,
    `predictor` (optional) answers /v1/predictions/next, `bus` carries events to
    /v1/events, `audit` buffers the audit log (the caller closes it at shutdown), `sessions` holds the
    dashboard's logins (the caller sets its `url` once the loopback listener is bound), `rules` keeps the
    privacy rules in force (by default in `control` alone), and `pipeline`, the running capture, drops what it
    holds from a forgotten span.
    """
    bus = bus or EventBus()
    audit = audit or AuditLog(store)
    # No /docs or /redoc: FastAPI's load scripts from a CDN on the dashboard's origin. The schema is at
    # /openapi.json, for any viewer the user trusts.
    app = FastAPI(title="gumd", version=__version__, description="Ask gumd what it knows about its user.",
                  responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}}, docs_url=None, redoc_url=None)
    app.state.bus, app.state.audit = bus, audit
    sessions = sessions or Sessions()
    app.add_middleware(AccessGuard, store=store, audit=audit, sessions=sessions)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid)

    @app.get("/v1/status", response_model=StatusOut, response_model_exclude_unset=True)
    def get_status() -> dict[str, Any]:
        return {"version": __version__, **store.counts(), "database_bytes": store.database.file_bytes(),
                "encrypted": store.database.key is not None, **status()}

    retriever = retriever or Retriever(store)  # without an embedder: BM25 alone
    app.include_router(proposition_routes.router(store, retriever))
    app.include_router(activity_routes.router(store, retriever, predictor))
    app.include_router(stream_routes.router(bus))
    app.include_router(data_routes.router(store, audit))
    app.include_router(capture_routes.router(store, control, rules or CaptureRules(store, control), pipeline))
    app.include_router(dashboard_routes.router(sessions))
    app.mount("/dashboard/static", dashboard_routes.static_files(), name="dashboard-static")
    _document_bearer_auth(app)
    return app


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Every HTTP error as {"code", "message"}."""
    if isinstance(exc.detail, dict):
        code, message = exc.detail.get("code"), exc.detail.get("message")
    else:
        code, message = _STATUS_CODES.get(exc.status_code, "http_error"), str(exc.detail)
    return JSONResponse({"code": code, "message": message}, status_code=exc.status_code, headers=exc.headers)


async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
    """A request the schema refuses: its first error, where it is and what is wrong."""
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(x) for x in first.get("loc", ()))
    return JSONResponse({"code": "invalid_request", "message": f"{where}: {first.get('msg', 'invalid')}"},
                        status_code=422)


def _document_bearer_auth(app: FastAPI) -> None:
    """Say in the OpenAPI schema that every route takes a bearer token (required over TCP)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "`gumd token create NAME --scope read|write`; optional on the unix socket",
            }}
            schema["security"] = [{"bearer": []}, {}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi
