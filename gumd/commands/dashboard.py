"""`gumd dashboard`: log a browser into the privacy dashboard with a one-time link from the running daemon."""

from __future__ import annotations

import argparse
import sys

from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.config import Settings
from gumd.login_link import open_login_link


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("dashboard", help="open the privacy dashboard: review, correct and erase what gumd believes")
    p.add_argument("--no-open", action="store_true",
                   help="print the login link instead of opening a browser (anyone who sees it can log in once)")
    p.set_defaults(func=dashboard)


def dashboard(args: argparse.Namespace, settings: Settings) -> int:
    try:
        with Client(settings.socket_path) as client:
            link = client.dashboard_login()
    except (DaemonUnavailable, ApiError) as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    note = "The link logs in once and works for 2 minutes; the session lasts 12 hours or until gumd restarts."
    # Never on a browser's command line: every user can read /proc/PID/cmdline (see gumd/login_link.py).
    if not args.no_open and open_login_link(link["url"], settings.data_path):
        print(f"Opening the dashboard in your browser. {note}", file=sys.stderr)
        return 0
    print(link["url"])
    print(note if args.no_open else f"No browser could be opened: paste the link into one on this machine. {note}",
          file=sys.stderr)
    return 0
