"""What the user is doing: observations, the context bundle for assistants, and the next-action prediction."""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any, Protocol

from fastapi import APIRouter, HTTPException, Query

from gumd.api.schemas import (
    MAX_PAGE,
    MAX_QUERY,
    Context,
    CurrentActivity,
    ErrorOut,
    ObservationOut,
    ObservationPage,
    PropositionOut,
    RecentApp,
)
from gumd.propositions.retrieve import Retriever
from gumd.store import Proposition, Store

log = logging.getLogger(__name__)

RECENT_APPS_WINDOW_S = 3600
EXCERPT_CHARS = 280


class Predictor(Protocol):
    """Anything that can guess the user's next action (gumd.nap provides the real one)."""

    def predict_next(self) -> dict[str, Any]: ...


def build_context(
    store: Store, retriever: Retriever, q: str = "", limit: int = 5, now: float | None = None
) -> Context:
    """Top propositions (for `q`, or the most confident), the newest observation, and the apps of the last hour."""
    now = time.time() if now is None else now
    if q.strip():
        props = [dataclasses.replace(h.proposition, score=h.score) for h in retriever.search(q, limit=limit, now=now)]
    else:
        props = store.propositions.top(limit)
    newest = store.observations.newest(limit=1)
    current = None
    if newest:
        o = newest[0]
        current = CurrentActivity(app=o.app, title=o.title, started_at=o.started_at, ended_at=o.ended_at,
                                  excerpt=" ".join(o.text.split())[:EXCERPT_CHARS])
    apps = [RecentApp(**a) for a in store.behaviour.recent_apps(now - RECENT_APPS_WINDOW_S)]
    return Context(query=q, generated_at=now, propositions=[PropositionOut.of(p) for p in props],
                   current_activity=current, recent_apps=apps, prompt=_render(props, current, apps, now))


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def _render(props: list[Proposition], current: CurrentActivity | None, apps: list[RecentApp], now: float) -> str:
    lines = ["What gumd knows about the user (confidence 1-10; confirmed = the user said so):"]
    lines += [f"- [{p.confidence}{', confirmed' if p.verdict == 'confirmed' else ''}] {p.text}" for p in props]
    if not props:
        lines.append("- nothing yet")
    if current:
        where = f"{current.app} - {current.title!r}" if current.title else current.app or "an unnamed window"
        lines.append(f"Current activity ({_ago(now - current.ended_at)}): {where}")
        if current.excerpt:
            lines.append(f"On screen: {current.excerpt}")
    if apps:
        lines.append("Apps in the last hour: " + ", ".join(a.app for a in apps))
    return "\n".join(lines)


def router(store: Store, retriever: Retriever, predictor: Predictor | None) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["activity"])

    @r.get("/observations", response_model=ObservationPage, responses={422: {"model": ErrorOut}})
    def list_observations(
        since: float | None = Query(None, description="unix time; observations ending at or after it"),
        until: float | None = Query(None, description="unix time; observations starting at or before it"),
        app_name: str | None = Query(None, alias="app", max_length=200),
        limit: int = Query(50, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=1_000_000),
    ) -> ObservationPage:
        """Observations, newest first, by time window and app."""
        items = store.observations.newest(since=since, until=until, app=app_name, limit=limit, offset=offset)
        return ObservationPage(items=[ObservationOut.of(o) for o in items], limit=limit, offset=offset)

    @r.get("/apps", response_model=list[RecentApp])
    def list_apps() -> list[RecentApp]:
        """Every app seen in the observations, with its last sighting and count, latest first."""
        return [RecentApp(**a) for a in store.behaviour.observed_apps()]

    @r.get("/context", response_model=Context, responses={422: {"model": ErrorOut}})
    def get_context(
        q: str = Query("", max_length=MAX_QUERY, description="what the assistant is working on; empty for general"),
        limit: int = Query(5, ge=1, le=20, description="how many propositions"),
    ) -> Context:
        """A compact bundle to paste into a prompt: top propositions, current activity, recent apps."""
        return build_context(store, retriever, q, limit)

    @r.get("/predictions/next", response_model=dict[str, Any], responses={503: {"model": ErrorOut}})
    def predict_next_action() -> dict[str, Any]:
        """The predictor's guess at the user's next action."""
        if predictor is None:
            raise HTTPException(503, {"code": "predictor_unavailable",
                                      "message": "this daemon runs no next-action predictor"})
        try:
            return predictor.predict_next()
        except Exception as e:  # a model's bad day is the caller's 503, not the daemon's crash
            log.exception("next-action prediction failed")
            raise HTTPException(503, {"code": "prediction_failed",
                                      "message": f"the predictor failed ({type(e).__name__}); try again later"}) from e

    return r
