"""`gumd audit`: which client called which API route, and when (never what it asked)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="the API audit log: client, method, route, status, time")
    p.add_argument("--client", help="only this client (a token name, or local-socket)")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(func=audit)


def audit(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with Client(settings.socket_path) as client:
            items = client.audit(limit=args.limit, client=args.client)
    except (DaemonUnavailable, ApiError) as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    for e in items:
        when = dt.datetime.fromtimestamp(e["at"]).strftime("%Y-%m-%d %H:%M:%S")
        who = e["client"] + (f" ({e['session']})" if e.get("session") else "")
        times = f" x{e['count']}" if e.get("count", 1) > 1 else ""  # refusals of one minute share a row
        print(f"{when}  {who:20} {e.get('transport', ''):4} {e['method']:6} {e['route']:40} {e['status']}{times}")
    return 0
