"""Capture routes beyond pause/resume: forget a span of time, the user's privacy rules, "would this window be
captured?", and focus spans. Mounted by create_app; it reads and writes through the store only."""

from __future__ import annotations

import time

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, Field, model_validator

from gumd.privacy import CaptureControl, InvalidRule, check_app, check_pattern
from gumd.store import Store
from gumd.store.capture import RULE_KINDS

MAX_MINUTES = 60 * 24 * 365 * 10


class ForgetIn(BaseModel):
    """Either the last `minutes`, an explicit span of unix times, or (with `app` alone) all of one app's history."""

    minutes: float | None = Field(None, gt=0, le=MAX_MINUTES, description="forget the last N minutes")
    since: float | None = Field(None, ge=0, description="unix time; with `until` instead of `minutes`")
    until: float | None = Field(None, ge=0, description="unix time; defaults to now")
    app: str | None = Field(None, min_length=1, max_length=200, description="only this app's captures")

    @model_validator(mode="after")
    def one_span(self) -> "ForgetIn":
        if self.app is not None and self.minutes is None and self.since is None:
            self.since = 0.0  # an app alone: all of its history
        if (self.minutes is None) == (self.since is None):
            raise ValueError("give either minutes or since (and optionally until), or an app")
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError("until is before since")
        return self


class ForgetOut(BaseModel):
    since: float
    until: float
    observations: int
    propositions: int
    focus_spans: int
    actions: int = Field(0, description="actions deleted (next-action traces and predictions quoting the span go too)")


class RuleIn(BaseModel):
    kind: str = Field(..., description="app (an app name), title (a window-title regex) or redact (a text regex)")
    pattern: str = Field(..., min_length=1, max_length=500)


class RuleOut(BaseModel):
    id: int
    kind: str
    pattern: str
    created_at: float


class RuleList(BaseModel):
    items: list[RuleOut]


class CheckOut(BaseModel):
    captured: bool
    state: str
    rule: str | None


class SpanOut(BaseModel):
    id: int
    started_at: float
    ended_at: float
    duration: float
    app: str
    title: str
    page_title: str
    source: str


class SpanPage(BaseModel):
    items: list[SpanOut]
    limit: int
    offset: int


def _bad(message: str, code: str = "invalid_rule", status: int = 422) -> HTTPException:
    return HTTPException(status, {"code": code, "message": message})


def router(store: Store, control: CaptureControl) -> APIRouter:
    """The routes under /v1/capture/ that `control` (pause state, exclusions, listeners) and the store serve."""
    r = APIRouter(prefix="/v1/capture", tags=["capture"])
    capture = store.capture

    @r.post("/forget", response_model=ForgetOut)
    def forget(body: ForgetIn) -> ForgetOut:
        now = time.time()
        until = body.until if body.until is not None else now
        since = body.since if body.since is not None else now - body.minutes * 60
        done = capture.forget(since, until, body.app)
        control.forgotten(until, done.observation_ids)
        return ForgetOut(since=since, until=until, observations=done.observations,
                         propositions=done.propositions, focus_spans=done.focus_spans, actions=done.actions)

    @r.get("/rules", response_model=RuleList)
    def list_rules(kind: str | None = Query(None, description="app, title or redact")) -> RuleList:
        return RuleList(items=[RuleOut(**rule.__dict__) for rule in capture.rules(kind)])

    @r.post("/rules", response_model=RuleOut, status_code=201)
    def add_rule(body: RuleIn) -> RuleOut:
        if body.kind not in RULE_KINDS:
            raise _bad(f"kind must be one of {', '.join(RULE_KINDS)}, not {body.kind!r}")
        try:
            pattern = check_app(body.pattern) if body.kind == "app" else body.pattern.strip()
            if body.kind != "app":
                check_pattern(pattern)
        except InvalidRule as e:
            raise _bad(str(e)) from None
        rule = capture.add_rule(body.kind, pattern)
        control.rules_changed()
        return RuleOut(**rule.__dict__)

    @r.delete("/rules/{rule_id}")
    def remove_rule(rule_id: int = Path(ge=1, le=2**63 - 1, description="a rule id")) -> dict:  # SQLite's range
        if not capture.remove_rule(rule_id):
            raise _bad(f"no rule with id {rule_id}", code="not_found", status=404)
        control.rules_changed()
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
        items = capture.list_spans(since=since, until=until, app=app, limit=limit, offset=offset)
        return SpanPage(items=[SpanOut(**s.__dict__, duration=s.duration) for s in items], limit=limit, offset=offset)

    return r
