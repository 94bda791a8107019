"""/v1/events: new propositions and predictions as server-sent events."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import StreamingResponse

from gumd.api.events import KINDS, EventBus
from gumd.api.schemas import ErrorOut

HEARTBEAT_S = 15.0


def router(bus: EventBus) -> APIRouter:
    r = APIRouter(prefix="/v1", tags=["events"])

    @r.get("/events", response_class=StreamingResponse, responses={
        200: {"content": {"text/event-stream": {}}, "description": "`event: proposition|prediction`, JSON `data`"},
        422: {"model": ErrorOut},
    })
    async def events(
        kinds: str = Query(",".join(KINDS), max_length=100, description="comma-separated: proposition, prediction"),
        timeout: float | None = Query(None, gt=0, le=86400, description="close the stream after this many seconds"),
    ) -> StreamingResponse:
        """A stream of events as they happen; a comment line every 15 s keeps idle connections open."""
        wanted = frozenset(k.strip() for k in kinds.split(",") if k.strip())
        if not wanted or not wanted <= set(KINDS):
            raise HTTPException(422, {"code": "invalid_request",
                                      "message": f"kinds: use a comma-separated subset of {', '.join(KINDS)}"})
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout

        async def stream() -> AsyncIterator[bytes]:
            sub = bus.subscribe(wanted)
            try:
                yield b": gumd events\n\n"  # the client is subscribed once it reads this
                while deadline is None or loop.time() < deadline:
                    wait = HEARTBEAT_S if deadline is None else min(HEARTBEAT_S, deadline - loop.time())
                    try:
                        event = await asyncio.wait_for(sub.queue.get(), timeout=max(wait, 0.001))
                    except TimeoutError:
                        yield b": keep-alive\n\n"
                        continue
                    yield event.encode()
            finally:
                bus.unsubscribe(sub)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    return r

