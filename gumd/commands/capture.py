"""`gumd forget`, `gumd exclude`, `gumd redact`, `gumd import activitywatch`: what capture keeps, and what it never does."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from gumd.commands import call_daemon
from gumd.config import Settings, ensure_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("forget", help="delete what was captured in the last N minutes (or between two times)")
    p.add_argument("minutes", nargs="?", type=float, help="the last N minutes")
    p.add_argument("--since", help="start: ISO time (2026-11-27T09:00) or unix time, instead of MINUTES")
    p.add_argument("--until", help="end: ISO or unix time (default: now)")
    p.set_defaults(func=forget)

    p = sub.add_parser("exclude", help="windows gumd never captures (by app name or title regex)")
    ex = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = ex.add_parser("list", help="the user's exclusion rules (private browsing and password managers are built in)")
    a.set_defaults(func=rules_list, kinds=("app", "title"))
    a = ex.add_parser("app", help="never capture this app (its WM_CLASS, case-insensitive)")
    a.add_argument("pattern", metavar="APP")
    a.set_defaults(func=rules_add, kind="app")
    a = ex.add_parser("title", help="never capture a window whose title matches this regex")
    a.add_argument("pattern", metavar="REGEX")
    a.set_defaults(func=rules_add, kind="title")
    a = ex.add_parser("remove", help="remove a rule by id")
    a.add_argument("rule_id", type=int, metavar="ID")
    a.set_defaults(func=rules_remove)
    a = ex.add_parser("check", help="would a window of this app and title be captured now?")
    a.add_argument("app")
    a.add_argument("title", nargs="?", default="")
    a.set_defaults(func=check)

    p = sub.add_parser("redact", help="extra patterns redacted from captured text")
    rd = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    a = rd.add_parser("list", help="the user's redaction patterns (cards, keys, passwords... are built in)")
    a.set_defaults(func=rules_list, kinds=("redact",))
    a = rd.add_parser("add", help="redact text matching this regex (a group named 'secret' limits the cut)")
    a.add_argument("pattern", metavar="REGEX")
    a.set_defaults(func=rules_add, kind="redact")
    a = rd.add_parser("remove", help="remove a pattern by id")
    a.add_argument("rule_id", type=int, metavar="ID")
    a.set_defaults(func=rules_remove)

    p = sub.add_parser("import", help="bring history from another tool into gumd")
    im = p.add_subparsers(dest="tool", required=True, metavar="TOOL")
    a = im.add_parser("activitywatch", help="an ActivityWatch export file, or a running aw-server's URL")
    a.add_argument("source", metavar="FILE|URL", help="export JSON, or e.g. http://127.0.0.1:5600")
    a.add_argument("--spans-only", action="store_true", help="keep focus spans; make no observations from them")
    a.set_defaults(func=import_activitywatch)



def _when(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        return dt.datetime.fromisoformat(text).timestamp()
    except ValueError:
        raise SystemExit(f"gumd: {text!r} is neither an ISO time (2026-11-27T09:00) nor a unix time") from None


def forget(args: argparse.Namespace, settings: Settings) -> int:
    if (args.minutes is None) == (args.since is None):
        print("gumd: give MINUTES or --since (not both)", file=sys.stderr)
        return 2
    if args.minutes is not None and args.minutes <= 0:
        print("gumd: minutes must be a positive number", file=sys.stderr)
        return 2
    since = _when(args.since) if args.since else None
    until = _when(args.until) if args.until else None
    out = call_daemon(settings, lambda c: c.forget(minutes=args.minutes, since=since, until=until))
    if out is None:
        return 1
    span = " to ".join(dt.datetime.fromtimestamp(out[k]).strftime("%Y-%m-%d %H:%M:%S") for k in ("since", "until"))
    print(f"forgot {span}: {out['observations']} observations, {out['propositions']} propositions, "
          f"{out['focus_spans']} focus spans, {out['actions']} actions")
    return 0


def rules_list(args: argparse.Namespace, settings: Settings) -> int:
    items = call_daemon(settings, lambda c: c.capture_rules())
    if items is None:
        return 1
    items = [r for r in items if r["kind"] in args.kinds]
    if not items:
        print("no rules of your own yet")
    for r in items:
        print(f"[{r['id']}] {r['kind']}: {r['pattern']}")
    return 0


def rules_add(args: argparse.Namespace, settings: Settings) -> int:
    r = call_daemon(settings, lambda c: c.add_capture_rule(args.kind, args.pattern))
    if r is None:
        return 1
    print(f"[{r['id']}] {r['kind']}: {r['pattern']}")
    return 0


def rules_remove(args: argparse.Namespace, settings: Settings) -> int:
    return 0 if call_daemon(settings, lambda c: c.remove_capture_rule(args.rule_id)) is not None else 1


def check(args: argparse.Namespace, settings: Settings) -> int:
    r = call_daemon(settings, lambda c: c.would_capture(args.app, args.title))
    if r is None:
        return 1
    if r["captured"]:
        print("captured")
    else:
        print(f"not captured: {r['rule'] or 'capture is ' + r['state']}")
    return 0


def import_activitywatch(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.importers.activitywatch import ImportFailed
    from gumd.importers.activitywatch import import_activitywatch as run_import
    from gumd.store.encryption import open_store
    from gumd.usecases.rules import privacy_rules

    ensure_data_dir(settings)
    store = open_store(settings)
    try:
        exclusions, patterns = privacy_rules(store, settings.exclude_defaults)
        result = run_import(args.source, store, exclusions, patterns, observations=not args.spans_only)
    except ImportFailed as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()
    print(f"imported {result.events} events from {result.buckets} buckets: {result.spans} focus spans, "
          f"{result.observations} observations ({result.excluded} excluded)")
    return 0
