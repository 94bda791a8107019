"""`gumd token create|list|revoke`: bearer tokens for API clients, one per client, stored hashed.

These work on the data dir directly, whether or not the daemon runs; a revoked
token stops working on the daemon's next request.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from gumd.config import Settings, ensure_data_dir
from gumd.store.access import SCOPES


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("token", help="create, list and revoke API tokens for assistants and other clients")
    tsub = p.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    c = tsub.add_parser("create", help="a new token for one client; printed once, stored only as a hash")
    c.add_argument("name", help="the client's name, as the audit log will show it (e.g. claude-desktop)")
    c.add_argument("--scope", choices=SCOPES, default="read",
                   help="read: search and context; write: also edit, delete, pause, export (default: read)")
    c.set_defaults(func=create)
    ls = tsub.add_parser("list", help="every token with its scope, creation and last use")
    ls.add_argument("--json", action="store_true", help="print the raw JSON")
    ls.set_defaults(func=list_)
    r = tsub.add_parser("revoke", help="stop a token from working")
    r.add_argument("name")
    r.set_defaults(func=revoke)


def _store(settings: Settings):
    from gumd.store.encryption import open_store

    ensure_data_dir(settings)
    return open_store(settings)


def create(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.store.access import TokenError

    store = _store(settings)
    try:
        token, secret = store.access.create_token(args.name, args.scope)
    except TokenError as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 2
    finally:
        store.close()
    print(secret)
    print(f"token {token.name!r} ({token.scope}) created; it is shown only now. For `gumd mcp`, set "
          f"GUMD_TOKEN to it; over TCP send `Authorization: Bearer <token>`.", file=sys.stderr)
    return 0


def _when(t: float | None) -> str:
    return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M") if t else "never"


def list_(args: argparse.Namespace, settings: Settings) -> int:
    from dataclasses import asdict

    store = _store(settings)
    try:
        tokens = store.access.list_tokens()
    finally:
        store.close()
    if args.json:
        print(json.dumps([asdict(t) for t in tokens], indent=2))
        return 0
    if not tokens:
        print("no tokens; create one with `gumd token create NAME --scope read`")
    for t in tokens:
        state = "active" if t.active else f"revoked {_when(t.revoked_at)}"
        print(f"{t.name:24} {t.scope:5} {t.prefix}…  created {_when(t.created_at)}  "
              f"last used {_when(t.last_used_at)}  {state}")
    return 0


def revoke(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.store.access import TokenError

    store = _store(settings)
    try:
        token = store.access.revoke_token(args.name)
    except TokenError as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"token {token.name!r} revoked")
    return 0
