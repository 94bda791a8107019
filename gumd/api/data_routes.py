"""The user's own records: export everything as JSON, and read the API's audit log. Both need write scope."""

from __future__ import annotations

import json
import time
from typing import Iterator

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from gumd import __version__
from gumd.api.audit import AuditLog
from gumd.api.auth import require_write
from gumd.api.schemas import MAX_PAGE, AuditOut, AuditPage, ErrorOut
from gumd.store import Store
from gumd.store.export import export_rows

EXPORT_FORMAT = "gumd-export/1"


def export_json(store: Store) -> Iterator[bytes]:
    """The export as one JSON object, streamed: format, version, time, then one array per section."""
    yield json.dumps({"format": EXPORT_FORMAT, "version": __version__, "exported_at": time.time()})[:-1].encode()
    current, first = None, True
    for section, rows in export_rows(store.database):
        if section != current:
            yield (("]" if current else "") + f',"{section}":[').encode()
            current, first = section, True
        if rows:
            yield (("" if first else ",") + ",".join(json.dumps(r) for r in rows)).encode()
            first = False
    yield b"]}"


def router(store: Store, audit: AuditLog) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["data"], dependencies=[Depends(require_write)],
                  responses={403: {"model": ErrorOut}})

    @r.get("/export", response_class=StreamingResponse,
           responses={200: {"content": {"application/json": {}}, "description": "everything gumd holds"}})
    def export() -> StreamingResponse:
        """Everything gumd holds about you as one JSON document: observations, propositions, evidence, tokens
        (without their hashes) and the audit log."""
        audit.flush()
        return StreamingResponse(export_json(store), media_type="application/json",
                                 headers={"Content-Disposition": 'attachment; filename="gumd-export.json"'})

    @r.get("/audit", response_model=AuditPage)
    def read_audit_log(
        client: str | None = Query(None, max_length=64, description="only this client"),
        since: float | None = Query(None, description="unix time"),
        limit: int = Query(100, ge=1, le=MAX_PAGE),
        offset: int = Query(0, ge=0, le=1_000_000),
    ) -> AuditPage:
        """Who called which route and when (never what they sent), newest first."""
        audit.flush()
        items = store.access.read_audit(limit=limit, offset=offset, client=client, since=since)
        return AuditPage(items=[AuditOut.of(e) for e in items], limit=limit, offset=offset)

    return r
