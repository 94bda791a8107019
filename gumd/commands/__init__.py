"""The command groups of the `gumd` CLI, one module each, and what they share."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.config import Settings


def call_daemon(settings: Settings, fn: Callable[[Client], Any]) -> Any:
    """fn(client) against the running daemon; None after printing a one-line error when it cannot answer."""
    try:
        with Client(settings.socket_path) as client:
            return fn(client)
    except (DaemonUnavailable, ApiError) as e:
        print(f"gumd: {e}", file=sys.stderr)
        return None
