"""The context bundle for assistants: what gumd knows that bears on a query, what the user is doing now, and
the apps of the last hour, also rendered as prompt-ready text."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from gumd.propositions.retrieve import Retriever
from gumd.store import Proposition, Store

RECENT_APPS_WINDOW_S = 3600
EXCERPT_CHARS = 280


def excerpt(text: str) -> str:
    """The start of a screen's text, whitespace collapsed."""
    return " ".join(text.split())[:EXCERPT_CHARS]


@dataclass(frozen=True)
class Activity:
    """The newest observation: the window the user is in and the start of its text."""

    app: str
    title: str
    started_at: float
    ended_at: float
    excerpt: str


@dataclass(frozen=True)
class AppSeen:
    app: str
    last_seen: float
    observations: int


@dataclass(frozen=True)
class ContextBundle:
    query: str
    generated_at: float
    propositions: list[Proposition]  # with their relevance `score` when there is a query
    current_activity: Activity | None
    recent_apps: list[AppSeen]
    prompt: str


def build_context(store: Store, retriever: Retriever, q: str = "", limit: int = 5,
                  now: float | None = None) -> ContextBundle:
    """Top propositions (for `q`, or the most confident), the newest observation, and the apps of the last hour."""
    now = time.time() if now is None else now
    if q.strip():
        props = [dataclasses.replace(h.proposition, score=h.score) for h in retriever.search(q, limit=limit, now=now)]
    else:
        props = store.propositions.top(limit)
    newest = store.observations.newest(limit=1)
    current = None
    if newest:
        o = newest[0]
        current = Activity(app=o.app, title=o.title, started_at=o.started_at, ended_at=o.ended_at,
                           excerpt=excerpt(o.text))
    apps = [AppSeen(**a) for a in store.behaviour.recent_apps(now - RECENT_APPS_WINDOW_S)]
    return ContextBundle(query=q, generated_at=now, propositions=props, current_activity=current, recent_apps=apps,
                         prompt=_render(props, current, apps, now))


def _ago(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return "just now"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min ago"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h ago"
    return f"{seconds / 86400:.0f} days ago"


def _render(props: list[Proposition], current: Activity | None, apps: list[AppSeen], now: float) -> str:
    lines = ["What gumd knows about the user (confidence 1-10; confirmed = the user said so):"]
    lines += [f"- [{p.confidence}{', confirmed' if p.verdict == 'confirmed' else ''}] {p.text}" for p in props]
    if not props:
        lines.append("- nothing yet")
    if current:
        where = f"{current.app} - {current.title!r}" if current.title else current.app or "an unnamed window"
        lines.append(f"Current activity ({_ago(now - current.ended_at)}): {where}")
        if current.excerpt:
            lines.append(f"On screen: {current.excerpt}")
    if apps:
        lines.append("Apps in the last hour: " + ", ".join(a.app for a in apps))
    return "\n".join(lines)
