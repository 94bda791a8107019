"""`gumd dashboard`: log a browser into the privacy dashboard with a one-time link from the running daemon."""

from __future__ import annotations

import argparse
import sys
import webbrowser

from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="open the privacy dashboard: review, correct and erase what gumd believes")
    p.add_argument("--no-open", action="store_true", help="print the login link without opening a browser")
    p.set_defaults(func=dashboard)


def dashboard(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with Client(settings.socket_path) as client:
            link = client.dashboard_login()
    except (DaemonUnavailable, ApiError) as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    print(link["url"])
    print("This link logs in once and works for 2 minutes; the session lasts 12 hours or until gumd restarts.",
          file=sys.stderr)
    if not args.no_open and not webbrowser.open(link["url"]):
        print("No browser could be opened: paste the link into one on this machine.", file=sys.stderr)
    return 0
