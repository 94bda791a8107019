"""`gumd mcp`: an MCP server on stdio for assistants (Claude Desktop, IDEs), answered by the daemon."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from gumd.config import Settings

TOKEN_ENV = "GUMD_TOKEN"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mcp", help=f"serve MCP on stdio; needs its own token in ${TOKEN_ENV}")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        print(f"gumd: gumd mcp needs its own token: run `gumd token create mcp --scope read` and put it in "
              f"{TOKEN_ENV} in the assistant's MCP config", file=sys.stderr)
        return 2
    from gumd.api.mcp import build_server
    from gumd.client import Client

    logging.getLogger("httpx").setLevel(logging.WARNING)  # at INFO it logs each URL, queries included
    with Client(settings.socket_path, token=token) as client:
        build_server(client).run("stdio")
    return 0
