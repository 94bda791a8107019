"""/v1/propositions: search, read with evidence and history, and the user's confirm, reject, edit and delete."""

from __future__ import annotations

import dataclasses
from typing import Literal

from fastapi import APIRouter, HTTPException, Path, Query

from gumd.api.schemas import (
    MAX_PAGE,
    MAX_QUERY,
    Deleted,
    ErrorOut,
    ObservationOut,
    PropositionDetail,
    PropositionEdit,
    PropositionOut,
    PropositionPage,
)
from gumd.propositions.retrieve import Retriever
from gumd.store import Store
from gumd.store.curation import NotFound

PropId = Path(ge=1, le=2**63 - 1, description="a proposition id")
NOT_FOUND = {404: {"model": ErrorOut}}
INVALID = {422: {"model": ErrorOut}}


def router(store: Store, retriever: Retriever) -> APIRouter:
    """Reading propositions (ranked by `retriever` when there is a query) and the user's curation of them."""
    r = APIRouter(prefix="/v1/propositions", tags=["propositions"])
    _reading(r, store, retriever)
    _curation(r, store)
    return r


def missing(prop_id: int) -> HTTPException:
    return HTTPException(404, {"code": "not_found", "message": f"no proposition with id {prop_id}"})


def _reading(r: APIRouter, store: Store, retriever: Retriever) -> None:
    @r.get("", response_model=PropositionPage, responses=INVALID)
    def search_propositions(
        q: str = Query("", max_length=MAX_QUERY, description="full-text query; empty lists the newest"),
        since: float | None = Query(None, description="unix time; updated at or after it"),
        until: float | None = Query(None, description="unix time; updated at or before it"),
        min_confidence: int = Query(1, ge=1, le=10),
        status: Literal["active", "rejected", "superseded"] = Query("active"),
        app_name: str | None = Query(None, alias="app", max_length=200,
                                     description="only those with evidence from this app"),
        unreviewed: bool = Query(False, description="only those the user has not confirmed or rejected"),
        limit: int = Query(20, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=100_000),
    ) -> PropositionPage:
        """Active propositions, best first by hybrid relevance x effective confidence (`score`), or the
        newest when `q` is empty. `min_confidence` applies to confidence faded by staleness. With `status`,
        `app` or `unreviewed` a query is ranked by BM25 alone."""
        filtered = status != "active" or bool(app_name) or unreviewed
        if q.strip() and not filtered:
            items = [dataclasses.replace(h.proposition, score=h.score) for h in retriever.search(
                q, limit=limit, offset=offset, since=since, until=until, min_confidence=min_confidence)]
        else:
            items = store.search.propositions(q, limit=limit, offset=offset, since=since, until=until,
                                              min_confidence=min_confidence, status=status, app=app_name,
                                              unreviewed=unreviewed)
        return PropositionPage(items=[PropositionOut.of(p) for p in items], limit=limit, offset=offset)

    @r.get("/{prop_id}", response_model=PropositionDetail, responses=NOT_FOUND)
    def get_proposition(prop_id: int = PropId) -> PropositionDetail:
        """One proposition with the observations that support it and every version of it."""
        p = store.propositions.get(prop_id)
        if p is None:
            raise missing(prop_id)
        return PropositionDetail(
            **PropositionOut.of(p).model_dump(),
            grounding=p.grounding,
            evidence=[ObservationOut.of(o) for o in p.evidence],
            history=[PropositionOut.of(v) for v in store.propositions.history(prop_id)],
        )

    @r.get("/{prop_id}/history", response_model=list[PropositionOut], responses=NOT_FOUND)
    def proposition_history(prop_id: int = PropId) -> list[PropositionOut]:
        """Every version in the proposition's revision group, oldest first."""
        versions = store.propositions.history(prop_id)
        if not versions:
            raise missing(prop_id)
        return [PropositionOut.of(v) for v in versions]


def _curation(r: APIRouter, store: Store) -> None:
    @r.patch("/{prop_id}", response_model=PropositionOut, responses=NOT_FOUND | INVALID)
    def edit_proposition(body: PropositionEdit, prop_id: int = PropId) -> PropositionOut:
        """Change text, reasoning, confidence or decay; fields left out stay as they are."""
        changes = body.model_dump(exclude_none=True)
        if not changes:
            raise HTTPException(422, {"code": "invalid_request",
                                      "message": "nothing to change: send text, reasoning, confidence or decay"})
        try:
            return PropositionOut.of(store.curation.edit(prop_id, changes))
        except NotFound:
            raise missing(prop_id) from None

    @r.post("/{prop_id}/confirm", response_model=PropositionOut, responses=NOT_FOUND)
    def confirm_proposition(prop_id: int = PropId) -> PropositionOut:
        """The user says it is true: confidence 10, active, verdict "confirmed"."""
        try:
            return PropositionOut.of(store.curation.confirm(prop_id))
        except NotFound:
            raise missing(prop_id) from None

    @r.post("/{prop_id}/reject", response_model=PropositionOut, responses=NOT_FOUND)
    def reject_proposition(prop_id: int = PropId) -> PropositionOut:
        """The user says it is false: confidence 1, status "rejected", hidden from search and context."""
        try:
            return PropositionOut.of(store.curation.reject(prop_id))
        except NotFound:
            raise missing(prop_id) from None

    @r.delete("/{prop_id}", response_model=Deleted, responses=NOT_FOUND)
    def delete_proposition(
        prop_id: int = PropId,
        with_evidence: bool = Query(False, description="also delete the observations that support it"),
    ) -> Deleted:
        """Forget it: every version, its evidence links and its index entries leave the database and its WAL;
        with `with_evidence`, the observations behind it go too."""
        try:
            props, observations = store.curation.delete(prop_id, with_evidence)
            return Deleted(deleted=props, observations_deleted=observations)
        except NotFound:
            raise missing(prop_id) from None
