"""`gumd doctor`: check display access, permissions, model, OCR, disk, daemon and service; print the fixes."""

from __future__ import annotations

import argparse
import json

from gumd.config import Settings

MARKS = {"ok": "[ ok ]", "warn": "[warn]", "fail": "[FAIL]"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check what gumd needs on this machine and say what to fix")
    p.add_argument("--json", action="store_true", help="print the checks as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.doctor import as_dict, run_checks

    checks = run_checks(settings)
    if args.json:
        print(json.dumps([as_dict(c) for c in checks], indent=2))
    else:
        for c in checks:
            print(f"{MARKS[c.level]} {c.name}: {c.detail}")
            if c.fix and c.level != "ok":
                print(f"       fix: {c.fix}")
    return 1 if any(c.level == "fail" for c in checks) else 0
