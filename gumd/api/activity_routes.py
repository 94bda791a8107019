"""What the user is doing: observations, the context bundle for assistants, and the next-action prediction."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query

from gumd.api.schemas import (
    MAX_PAGE,
    MAX_QUERY,
    Context,
    ErrorOut,
    ObservationOut,
    ObservationPage,
    PredictionOut,
    RecentApp,
)
from gumd.propositions.retrieve import Retriever
from gumd.store import Store
from gumd.usecases.context import build_context
from gumd.usecases.predict import PredictionUnavailable, Predictor, next_action


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
        return Context.of(build_context(store, retriever, q, limit))

    @r.get("/predictions/next", response_model=PredictionOut, responses={503: {"model": ErrorOut}})
    def predict_next_action() -> PredictionOut:
        """The predictor's guess at the user's next action."""
        try:
            return PredictionOut(**next_action(predictor))
        except PredictionUnavailable as e:
            raise HTTPException(503, {"code": e.code, "message": str(e)}) from e

    return r
