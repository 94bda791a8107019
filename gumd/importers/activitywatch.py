"""ActivityWatch history -> focus spans and observations, through gumd's privacy stage.

Reads either an export file (`aw-server`'s `GET /api/0/export`, or the web UI's
"Export all buckets as JSON": `{"buckets": {id: {"type", "hostname", "events": [...]}}}`)
or a running server's REST API (`/api/0/buckets/`, `/api/0/buckets/<id>/events`).

- `currentwindow` buckets (aw-watcher-window) give focus spans (app, title);
- `web.tab.current` buckets (aw-watcher-web) give page titles; incognito tabs are dropped;
- `afkstatus` buckets (aw-watcher-afk) cut the spans to the time the user was there;
- every window and title goes through the exclusion rules and redaction; URLs are not kept.

Each bucket's last imported event is remembered, so running it again imports only what is new.
Consecutive spans are grouped into sessions (at most 30 minutes, no gap over 5) and each session becomes
one observation ("09:00-09:25: firefox 'Inbox - Mail' 12 min; ..."), for the propositions engine.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

import httpx

from gumd.capture.focus import heartbeat
from gumd.privacy import Exclusions, UserPattern, redact
from gumd.store import NewObservation, Store
from gumd.store.capture import FocusSpan

SOURCE = "activitywatch"
PULSETIME_S = 1.0  # adjacent events of one window closer than this are one span
SESSION_GAP_S = 300.0
SESSION_MAX_S = 1800.0
MIN_SPAN_S = 1.0
KINDS = ("currentwindow", "web.tab.current", "afkstatus")


class ImportFailed(ValueError):
    """The source cannot be read as ActivityWatch data; the message says what is wrong."""


@dataclass(frozen=True)
class AwEvent:
    start: float
    end: float
    data: dict[str, Any]


@dataclass(frozen=True)
class AwBucket:
    id: str
    type: str
    hostname: str
    events: list[AwEvent]


@dataclass(frozen=True)
class ImportResult:
    buckets: int
    events: int
    spans: int
    observations: int
    excluded: int  # events dropped by an exclusion rule or as incognito


def _time(value: Any, where: str) -> float:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ImportFailed(f"{where}: timestamp {value!r} is not ISO 8601") from None


def _events(raw: list, where: str) -> list[AwEvent]:
    out = []
    for i, e in enumerate(raw):
        if not isinstance(e, dict) or "timestamp" not in e:
            raise ImportFailed(f"{where}: event {i} has no timestamp")
        start = _time(e["timestamp"], f"{where} event {i}")
        out.append(AwEvent(start, start + float(e.get("duration") or 0), dict(e.get("data") or {})))
    return sorted(out, key=lambda e: e.start)


def _bucket(bucket_id: str, meta: dict, events: list[AwEvent]) -> AwBucket:
    return AwBucket(bucket_id, str(meta.get("type", "")), str(meta.get("hostname", "")), events)


def read_export(path: Path) -> list[AwBucket]:
    """Buckets from an ActivityWatch export file."""
    try:
        doc = json.loads(Path(path).read_text())
    except OSError as e:
        raise ImportFailed(f"cannot read {path}: {e.strerror}") from None
    except ValueError as e:
        raise ImportFailed(f"{path} is not JSON: {e}") from None
    buckets = doc.get("buckets") if isinstance(doc, dict) else None
    if not isinstance(buckets, dict):
        raise ImportFailed(f"{path} is not an ActivityWatch export: no top-level 'buckets' object")
    return [_bucket(bid, b, _events(b.get("events") or [], f"{path} bucket {bid}")) for bid, b in buckets.items()]


def fetch_server(url: str, since: Callable[[str], float | None] = lambda bucket_id: None,
                 timeout: float = 60.0) -> list[AwBucket]:
    """Buckets from a running aw-server (e.g. http://127.0.0.1:5600); `since(bucket_id)` says where to start."""
    base = url.rstrip("/")
    try:
        with httpx.Client(base_url=base, timeout=timeout) as http:
            metas = http.get("/api/0/buckets/")
            metas.raise_for_status()
            out = []
            for bid, meta in metas.json().items():
                if meta.get("type") not in KINDS:
                    continue
                params: dict[str, Any] = {"limit": -1}
                start = since(bid)
                if start is not None:
                    params["start"] = dt.datetime.fromtimestamp(start, dt.timezone.utc).isoformat()
                r = http.get(f"/api/0/buckets/{quote(bid, safe='')}/events", params=params)
                r.raise_for_status()
                out.append(_bucket(bid, meta, _events(r.json(), f"{base} bucket {bid}")))
            return out
    except httpx.HTTPError as e:
        raise ImportFailed(f"cannot read ActivityWatch at {base}: {e}") from None
    except ValueError as e:
        raise ImportFailed(f"{base} did not answer like aw-server: {e}") from None


def _browser(bucket_id: str) -> str:
    m = re.match(r"aw-watcher-web-([A-Za-z0-9]+)", bucket_id)
    return m.group(1).lower() if m else "browser"


def _present(spans: list[FocusSpan], periods: list[tuple[float, float]]) -> list[FocusSpan]:
    """The parts of each span that fall inside the periods the user was at the machine."""
    out = []
    for s in spans:
        for a, b in periods:
            start, end = max(s.started_at, a), min(s.ended_at, b)
            if end > start:
                out.append(FocusSpan(start, end, s.app, s.title, s.page_title, s.source))
    return out


def _merged(spans: list[FocusSpan]) -> list[FocusSpan]:
    out: list[FocusSpan] = []
    for s in sorted(spans, key=lambda s: s.started_at):
        joined = heartbeat(out[-1], s, PULSETIME_S) if out else None
        if joined is not None:
            out[-1] = joined
        else:
            out.append(s)
    return [s for s in out if s.duration >= MIN_SPAN_S]


def _sessions(spans: list[FocusSpan]) -> list[list[FocusSpan]]:
    groups: list[list[FocusSpan]] = []
    for s in sorted(spans, key=lambda s: s.started_at):
        g = groups[-1] if groups else None
        if g and s.started_at - g[-1].ended_at <= SESSION_GAP_S and s.ended_at - g[0].started_at <= SESSION_MAX_S:
            g.append(s)
        else:
            groups.append([s])
    return groups


def session_observation(spans: list[FocusSpan]) -> NewObservation:
    """One observation for a session of spans: what had focus and for how long, longest first."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for s in spans:
        totals[(s.app, s.page_title or s.title)] += s.duration
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])
    start, end = spans[0].started_at, spans[-1].ended_at
    day = dt.datetime.fromtimestamp(start).strftime("%Y-%m-%d %H:%M")
    lines = [f"{day} to {dt.datetime.fromtimestamp(end).strftime('%H:%M')}, from ActivityWatch:"]
    lines += [f"{app} '{title}' {round(sec / 60, 1)} min" for (app, title), sec in ranked[:20]]
    (app, title), _ = ranked[0]
    return NewObservation(started_at=start, ended_at=end, app=app, title=title, text="\n".join(lines),
                          input_summary="", source="import")


def import_buckets(buckets: list[AwBucket], store: Store, exclusions: Exclusions,
                   extra_patterns: tuple[UserPattern, ...] = (), observations: bool = True) -> ImportResult:
    """Write the buckets' new events as focus spans (and session observations) through the privacy stage."""
    capture = store.capture
    present: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for b in buckets:
        if b.type == "afkstatus":
            present[b.hostname] += [(e.start, e.end) for e in b.events if e.data.get("status") == "not-afk"]
    spans: list[FocusSpan] = []
    events = excluded = 0
    cursors: dict[str, float] = {}
    for b in buckets:
        if b.type not in ("currentwindow", "web.tab.current"):
            continue
        after = capture.import_cursor(SOURCE, b.id)
        # aw-server trims events to the queried period: one that ended at the cursor comes back empty
        new = [e for e in b.events if after is None or (e.start >= after and e.end > after)]
        if not new:
            continue
        cursors[b.id] = max(e.end for e in new)
        events += len(new)
        found = []
        for e in new:
            if b.type == "currentwindow":
                app, title, page, private = str(e.data.get("app", "")), str(e.data.get("title", "")), "", False
            else:
                app, title = _browser(b.id), str(e.data.get("title", ""))
                page, private = title, bool(e.data.get("incognito"))
            if exclusions.excludes(app, title, private) or (private and b.type == "web.tab.current"):
                excluded += 1
                continue
            found.append(FocusSpan(e.start, e.end, app, redact(title, extra_patterns).text,
                                   redact(page, extra_patterns).text, f"import:{SOURCE}"))
        if present.get(b.hostname):
            found = _present(found, sorted(present[b.hostname]))
        spans += _merged(found)
    capture.add_spans(spans)
    made = 0
    if observations:
        windows = [s for s in spans if not s.page_title]  # web spans repeat what the window spans hold
        for group in _sessions(windows or spans):
            store.observations.add(session_observation(group))
            made += 1
    for bid, end in cursors.items():
        capture.set_import_cursor(SOURCE, bid, end)
    return ImportResult(buckets=len(buckets), events=events, spans=len(spans), observations=made, excluded=excluded)


def import_activitywatch(source: str, store: Store, exclusions: Exclusions,
                         extra_patterns: tuple[UserPattern, ...] = (), observations: bool = True) -> ImportResult:
    """Import from an export file path or an aw-server URL (http://host:port)."""
    if re.match(r"https?://", source):
        capture = store.capture
        buckets = fetch_server(source, lambda bucket_id: capture.import_cursor(SOURCE, bucket_id))
    else:
        buckets = read_export(Path(source))
    return import_buckets(buckets, store, exclusions, extra_patterns, observations)
