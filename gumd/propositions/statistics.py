"""Propositions that need no model: what behaviour counts say, with confidence from the counts.

Main apps and their share of time, the hours the user is usually active, and
window titles they keep returning to (documents, projects, contacts). Each has
a stable `stat_key`; when the numbers change, the proposition gets a new
version in its revision group, so the model can refine it like any other.
"""

from __future__ import annotations

import math
import time

from gumd.store import NewProposition, Store

WINDOW_DAYS = 14


def _confidence(evidence: int, days: int) -> int:
    """More observations and more distinct days make a behavioural fact surer: 3 at 1 obs/1 day, 9 at ~64 obs/5 days."""
    return max(1, min(9, 2 + int(math.log2(max(evidence, 1))) // 2 + min(days, 5)))


def _share(seconds: float, total: float) -> int:
    return round(100 * seconds / total) if total else 0


def compute(store: Store, now: float | None = None) -> list[tuple[str, NewProposition, list[int]]]:
    """(stat_key, proposition, evidence ids) for every fact the last WINDOW_DAYS support."""
    now = time.time() if now is None else now
    since = now - WINDOW_DAYS * 86400
    facts: list[tuple[str, NewProposition, list[int]]] = []
    usage = store.behaviour.app_usage(since)
    total = sum(u["seconds"] or 0 for u in usage)
    for u in usage[:5]:
        share = _share(u["seconds"] or 0, total)
        if share < 10 or u["observations"] < 5:
            continue
        facts.append((
            f"app:{u['app']}",
            NewProposition(
                text=f"The user spends about {share}% of their observed computer time in {u['app']}.",
                reasoning=f"{u['observations']} observations on {u['days']} day(s) in the last {WINDOW_DAYS} days.",
                confidence=_confidence(u["observations"], u["days"]),
                decay=7,
            ),
            store.observations.latest_ids(u["app"]),
        ))
    histogram = store.behaviour.hour_histogram(since)
    days = histogram.days
    counted = sum(histogram.hours.values())
    if counted >= 20:
        busy = sorted(h for h, n in histogram.hours.items() if n >= 0.05 * counted)
        if busy:
            facts.append((
                "rhythm:hours",
                NewProposition(
                    text=f"The user is usually at the computer between {busy[0]:02d}:00 and {busy[-1] + 1:02d}:00.",
                    reasoning=f"{counted} observations over {days} day(s); each hour in that span holds at least 5%.",
                    confidence=_confidence(counted, days),
                    decay=8,
                ),
                [],
            ))
    for t in store.behaviour.recurring_titles(since, min_observations=5, limit=5):
        facts.append((
            f"title:{t['app']}:{t['title']}",
            NewProposition(
                text=f"The user keeps returning to '{t['title']}' in {t['app']}.",
                reasoning=f"Seen {t['observations']} times on {t['days']} day(s) in the last {WINDOW_DAYS} days.",
                confidence=_confidence(t["observations"], t["days"]),
                decay=5,
            ),
            store.observations.latest_ids(t["app"], t["title"]),
        ))
    return facts


def refresh(store: Store, now: float | None = None) -> list[int]:
    """Write new facts, and a new version of any whose numbers changed; returns ids written.

    A fact the model has since refined (its newest version is the model's) is left to the model.
    """
    written = []
    for key, prop, evidence in compute(store, now):
        held = store.propositions.by_stat_key(key)
        if held is None:
            written.append(store.propositions.add(prop, evidence, origin="statistics", stat_key=key))
        elif held.origin == "statistics" and (held.text != prop.text or held.confidence != prop.confidence):
            written.append(store.propositions.refine(held.id, prop, evidence, origin="statistics"))
    return written
