"""`gumd tray`: the tray icon, a client of the running daemon."""

from __future__ import annotations

import argparse
import sys

from gumd.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tray", help="show gumd's state in the system tray (pause, resume, dashboard)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        from gumd.tray import Tray

        tray = Tray(settings)
    except Exception as e:  # pystray raises several types (Xlib errors, ValueError) when no display opens
        print(f"gumd: no system tray: {type(e).__name__}: {e}; `gumd doctor` checks the display", file=sys.stderr)
        return 1
    tray.run()
    return 0
