"""The REST API (FastAPI), versioned under /v1. It reads through the store and nothing else."""

from __future__ import annotations

from typing import Any, Callable

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from gumd import __version__
from gumd.api import capture_routes
from gumd.privacy import CaptureControl
from gumd.store import Observation, Proposition, Store

MAX_PAGE = 200
MAX_QUERY = 500


class ObservationOut(BaseModel):
    id: int
    started_at: float
    ended_at: float
    app: str
    title: str
    text: str
    input_summary: str
    source: str
    status: str

    @classmethod
    def of(cls, o: Observation) -> "ObservationOut":
        return cls(**{k: getattr(o, k) for k in cls.model_fields})


class PropositionOut(BaseModel):
    id: int
    text: str
    reasoning: str
    confidence: int
    decay: int
    revision_group: int
    version: int
    status: str
    created_at: float
    updated_at: float
    evidence_count: int
    score: float | None = None

    @classmethod
    def of(cls, p: Proposition) -> "PropositionOut":
        return cls(**{k: getattr(p, k) for k in cls.model_fields})


class PropositionDetail(PropositionOut):
    evidence: list[ObservationOut]


class PropositionPage(BaseModel):
    items: list[PropositionOut]
    limit: int
    offset: int


class ObservationPage(BaseModel):
    items: list[ObservationOut]
    limit: int
    offset: int


class CaptureState(BaseModel):
    state: str  # capturing | paused | off
    paused_until: float | None


class PauseIn(BaseModel):
    minutes: float | None = Field(None, gt=0, le=60 * 24 * 365, description="omit to pause until resumed")


class ErrorOut(BaseModel):
    code: str
    message: str


def create_app(store: Store, status: Callable[[], dict[str, Any]], control: CaptureControl) -> FastAPI:
    """The API over one store; `status()` supplies the daemon's live state, `control` pauses capture."""
    app = FastAPI(title="gumd", version=__version__, description="Ask gumd what it knows about its user.")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        code = exc.detail.get("code") if isinstance(exc.detail, dict) else "http_error"
        message = exc.detail.get("message") if isinstance(exc.detail, dict) else str(exc.detail)
        return JSONResponse({"code": code, "message": message}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return JSONResponse(
            {"code": "invalid_request", "message": f"{where}: {first.get('msg', 'invalid')}"}, status_code=422
        )

    @app.get("/v1/status")
    def get_status() -> dict[str, Any]:
        return {"version": __version__, **store.counts(), **status()}

    @app.get("/v1/propositions", response_model=PropositionPage, responses={422: {"model": ErrorOut}})
    def search_propositions(
        q: str = Query("", max_length=MAX_QUERY, description="full-text query; empty lists the newest"),
        limit: int = Query(20, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=100_000),
    ) -> PropositionPage:
        items = store.search_propositions(q, limit=limit, offset=offset)
        return PropositionPage(items=[PropositionOut.of(p) for p in items], limit=limit, offset=offset)

    @app.get("/v1/propositions/{prop_id}", response_model=PropositionDetail, responses={404: {"model": ErrorOut}})
    def get_proposition(prop_id: int) -> PropositionDetail:
        p = store.get_proposition(prop_id)
        if p is None:
            raise HTTPException(404, {"code": "not_found", "message": f"no proposition with id {prop_id}"})
        return PropositionDetail(**PropositionOut.of(p).model_dump(), evidence=[ObservationOut.of(o) for o in p.evidence])

    @app.get("/v1/observations", response_model=ObservationPage, responses={422: {"model": ErrorOut}})
    def list_observations(
        since: float | None = Query(None, description="unix time; observations ending at or after it"),
        until: float | None = Query(None, description="unix time; observations starting at or before it"),
        app_name: str | None = Query(None, alias="app", max_length=200),
        limit: int = Query(50, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=1_000_000),
    ) -> ObservationPage:
        items = store.list_observations(since=since, until=until, app=app_name, limit=limit, offset=offset)
        return ObservationPage(items=[ObservationOut.of(o) for o in items], limit=limit, offset=offset)

    @app.get("/v1/capture", response_model=CaptureState)
    def capture_state() -> CaptureState:
        return CaptureState(**control.state())

    @app.post("/v1/capture/pause", response_model=CaptureState)
    def pause_capture(body: PauseIn | None = None) -> CaptureState:
        control.pause(body.minutes if body else None)
        return CaptureState(**control.state())

    @app.post("/v1/capture/resume", response_model=CaptureState)
    def resume_capture() -> CaptureState:
        control.resume()
        return CaptureState(**control.state())

    app.include_router(capture_routes.router(store, control))
    return app
