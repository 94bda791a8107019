"""/v1/capture: the pause state, forgetting a span of time, the user's privacy rules, "would this window be
captured?", and focus spans. Each route is a thin adapter over gumd.usecases and the store."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path, Query

from gumd.api.schemas import (
    CaptureState,
    CheckOut,
    ForgetIn,
    ForgetOut,
    PauseIn,
    RuleIn,
    RuleList,
    RuleOut,
    SpanOut,
    SpanPage,
)
from gumd.capture.pipeline import Pipeline
from gumd.privacy import CaptureControl, InvalidRule
from gumd.store import Store
from gumd.usecases.forget import forget
from gumd.usecases.rules import CaptureRules


def _bad(message: str, code: str = "invalid_rule", status: int = 422) -> HTTPException:
    return HTTPException(status, {"code": code, "message": message})


def router(store: Store, control: CaptureControl, rules: CaptureRules, pipeline: Pipeline | None) -> APIRouter:
    """The routes under /v1/capture: `control` holds the pause state, `rules` the privacy rules, `pipeline` (the
    running capture, if any) drops what it holds from a forgotten span."""
    r = APIRouter(prefix="/v1/capture", tags=["capture"])

    @r.get("", response_model=CaptureState)
    def capture_state() -> CaptureState:
        return CaptureState(**control.state())

    @r.post("/pause", response_model=CaptureState)
    def pause_capture(body: PauseIn | None = None) -> CaptureState:
        control.pause(body.minutes if body else None)
        return CaptureState(**control.state())

    @r.post("/resume", response_model=CaptureState)
    def resume_capture() -> CaptureState:
        control.resume()
        return CaptureState(**control.state())

    @r.post("/forget", response_model=ForgetOut)
    def forget_span(body: ForgetIn) -> ForgetOut:
        done = forget(store, pipeline, minutes=body.minutes, since=body.since, until=body.until, app=body.app)
        return ForgetOut(**done.__dict__)

    @r.get("/rules", response_model=RuleList)
    def list_rules(kind: str | None = Query(None, description="app, title or redact")) -> RuleList:
        return RuleList(items=[RuleOut(**rule.__dict__) for rule in rules.list_rules(kind)])

    @r.post("/rules", response_model=RuleOut, status_code=201)
    def add_rule(body: RuleIn) -> RuleOut:
        try:
            return RuleOut(**rules.add(body.kind, body.pattern).__dict__)
        except InvalidRule as e:
            raise _bad(str(e)) from None

    @r.delete("/rules/{rule_id}")
    def remove_rule(rule_id: int = Path(ge=1, le=2**63 - 1, description="a rule id")) -> dict:  # SQLite's range
        if not rules.remove(rule_id):
            raise _bad(f"no rule with id {rule_id}", code="not_found", status=404)
        return {"deleted": rule_id}

    @r.get("/check", response_model=CheckOut)
    def check(app: str = Query("", max_length=200), title: str = Query("", max_length=2000)) -> CheckOut:
        return CheckOut(**control.check(app, title))

    @r.get("/spans", response_model=SpanPage)
    def spans(
        since: float | None = Query(None, description="unix time; spans ending at or after it"),
        until: float | None = Query(None, description="unix time; spans starting at or before it"),
        app: str | None = Query(None, max_length=200),
        limit: int = Query(100, ge=1, le=1000),
        offset: int = Query(0, ge=0, le=10_000_000),
    ) -> SpanPage:
        items = store.capture.list_spans(since=since, until=until, app=app, limit=limit, offset=offset)
        return SpanPage(items=[SpanOut(**s.__dict__, duration=s.duration) for s in items], limit=limit, offset=offset)

    return r
