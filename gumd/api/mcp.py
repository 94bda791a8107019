"""The MCP server behind `gumd mcp`: tools and a resource for assistants, answered by the daemon.

It speaks MCP over stdio to the assistant and asks the daemon over its unix
socket with its own token, so the audit log names it and the user can revoke it.
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Callable, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from pydantic import Field

from gumd import __version__
from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.usecases.context import excerpt

T = TypeVar("T")
CURRENT_ACTIVITY = "gumd://activity/current"
INSTRUCTIONS = (
    "gumd watches how this user works on this computer and keeps confidence-weighted beliefs about them "
    "(1-10; 'confirmed' means the user said so). Call get_user_context before answering anything personal."
)


def _ask(fn: Callable[[], T], error: type[Exception] = ToolError) -> T:
    try:
        return fn()
    except (ApiError, DaemonUnavailable) as e:
        raise error(str(e)) from e


def _proposition(p: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "text", "confidence", "decay", "verdict", "score", "evidence_count", "updated_at")
    return {k: p[k] for k in keys}


def build_server(client: Client) -> MCPServer:
    """An MCP server whose tools call the daemon through `client`."""
    server = MCPServer(name="gumd", version=__version__, instructions=INSTRUCTIONS)

    @server.tool()
    def get_user_context(
        query: Annotated[str, Field(max_length=500, description="what you are helping with; empty for general")] = "",
        limit: Annotated[int, Field(ge=1, le=20)] = 5,
    ) -> str:
        """What gumd knows about the user that bears on `query`, with their current activity, as prompt-ready text."""
        return _ask(lambda: client.context(query, limit))["prompt"]

    @server.tool()
    def search_propositions(
        query: Annotated[str, Field(max_length=500)],
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
        min_confidence: Annotated[int, Field(ge=1, le=10)] = 1,
    ) -> dict[str, Any]:
        """Beliefs about the user matching `query`, best match first, with confidence and how much evidence."""
        items = _ask(lambda: client.search(query, limit=limit, min_confidence=min_confidence))
        return {"propositions": [_proposition(p) for p in items]}

    @server.tool()
    def recent_activity(
        minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30,
        limit: Annotated[int, Field(ge=1, le=50)] = 10,
    ) -> dict[str, Any]:
        """What the user had on screen in the last `minutes`, newest first: app, window title, a text excerpt."""
        items = _ask(lambda: client.observations(since=time.time() - minutes * 60, limit=limit))
        return {"observations": [
            {"app": o["app"], "title": o["title"], "started_at": o["started_at"], "ended_at": o["ended_at"],
             "excerpt": excerpt(o["text"])}
            for o in items
        ]}

    @server.tool()
    def predict_next_action() -> dict[str, Any]:
        """gumd's guess at what the user will do next, with its reasoning and confidence."""
        return _ask(client.predict_next)

    @server.resource(CURRENT_ACTIVITY, name="current-activity", mime_type="application/json",
                     description="the window the user is in now and the start of its text")
    def current_activity() -> str:
        return json.dumps(_ask(lambda: client.context(limit=1), ResourceError)["current_activity"])

    return server
