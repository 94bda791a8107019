"""`gumd status`, `query`, `observations`, `pause`, `resume`: talk to the running daemon over its socket."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from gumd.commands import call_daemon
from gumd.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="what the running daemon is doing")
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(func=status)
    p = sub.add_parser("query", help="search what gumd believes about you")
    p.add_argument("text", nargs="?", default="", help="words to search for; empty lists the newest")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(func=query)
    p = sub.add_parser("observations", help="the newest stored observations")
    p.add_argument("--app", help="only this app")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--json", action="store_true", help="print the raw JSON")
    p.set_defaults(func=observations)
    p = sub.add_parser("pause", help="pause screen capture")
    p.add_argument("minutes", nargs="?", type=float, help="for this many minutes; omit to pause until resumed")
    p.set_defaults(func=pause)
    p = sub.add_parser("resume", help="resume screen capture")
    p.set_defaults(func=resume)



def status(args: argparse.Namespace, settings: Settings) -> int:
    st = call_daemon(settings, lambda c: c.status())
    if st is None:
        return 1
    if args.json:
        print(json.dumps(st, indent=2))
        return 0
    obs = st["observations"]
    print(f"gumd {st['version']} pid {st['pid']}, data dir {st['data_dir']}, model {st['model']}")
    cap = st["capture"]
    print(f"capture: {_capture_line(cap)}, {cap['frames_captured']} frames, {cap['frames_unchanged']} unchanged, "
          f"{cap.get('frames_deferred', 0)} deferred by the CPU budget, {cap['excluded']} excluded; "
          f"CPU {100 * cap.get('cpu_share', 0):.1f}% of a core (budget {100 * cap.get('cpu_budget', 0):.1f}%)")
    print(f"observations: {sum(obs.values())} ({', '.join(f'{v} {k}' for k, v in sorted(obs.items())) or 'none'})")
    print(f"propositions: {st['propositions']}; failed batches: {st['failed_batches']}")
    if st["capture"].get("last_error"):
        print(f"capture problem: {st['capture']['last_error']}")
    if st["capture"].get("observations_held") or st["capture"].get("observations_dropped"):
        print(f"observations waiting in memory for the database: {st['capture']['observations_held']}, "
              f"dropped: {st['capture']['observations_dropped']}")
    if st["engine"]["last_error"]:
        print(f"last model error: {st['engine']['last_error']}")
    if (reading := st.get("screen_reader")) and reading["mode"] != "ocr":
        print(_reading_line(reading))
    return 0


def _reading_line(r: dict) -> str:
    per_frame = f"{r['seconds_per_frame']:.1f} s per frame" if r["seconds_per_frame"] is not None else "none read yet"
    line = (f"screen reader: {r['mode']} with {r['reader'] or 'OCR only'}, {r['frames_read']} frames read "
            f"({per_frame}), {r['frames_skipped_budget']} skipped by the hourly budget, {r['frames_queued']} queued, "
            f"{r['frames_failed']} failed")
    return line + (f"\nscreen reader problem: {r['last_error']}" if r["last_error"] else "")


def query(args: argparse.Namespace, settings: Settings) -> int:
    items = call_daemon(settings, lambda c: c.search(args.text, limit=args.limit))
    if items is None:
        return 1
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    if not items:
        print("no propositions match" if args.text else "no propositions yet")
    for p in items:
        print(f"[{p['id']}] ({p['confidence']}/10) {p['text']}")
        if p["reasoning"]:
            print(f"      because: {p['reasoning']}")
    return 0


def observations(args: argparse.Namespace, settings: Settings) -> int:
    items = call_daemon(settings, lambda c: c.observations(app=args.app, limit=args.limit))
    if items is None:
        return 1
    if args.json:
        print(json.dumps(items, indent=2))
        return 0
    for o in items:
        when = dt.datetime.fromtimestamp(o["started_at"]).strftime("%Y-%m-%d %H:%M:%S")
        text = " ".join(o["text"].split())
        print(f"[{o['id']}] {when} {o['app']} — {o['title']} ({o['status']})\n      {text[:160]}")
    return 0


def _capture_line(state: dict) -> str:
    if state["state"] == "paused" and state["paused_until"]:
        return "paused until " + dt.datetime.fromtimestamp(state["paused_until"]).strftime("%H:%M")
    return state["state"]


def pause(args: argparse.Namespace, settings: Settings) -> int:
    if args.minutes is not None and args.minutes <= 0:
        print("gumd: minutes must be a positive number", file=sys.stderr)
        return 2
    st = call_daemon(settings, lambda c: c.pause(args.minutes))
    if st is None:
        return 1
    print(f"capture {_capture_line(st)}")
    return 0


def resume(args: argparse.Namespace, settings: Settings) -> int:
    st = call_daemon(settings, lambda c: c.resume())
    if st is None:
        return 1
    print(f"capture {_capture_line(st)}")
    return 0
