"""Forget a span of time: every row captured in it, and whatever the running capture holds from it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from gumd.capture.pipeline import Pipeline
from gumd.store import Store


@dataclass(frozen=True)
class Forgotten:
    since: float
    until: float
    observations: int
    propositions: int
    focus_spans: int
    actions: int  # next-action traces and predictions quoting the span go too


def forget(store: Store, pipeline: Pipeline | None, *, minutes: float | None = None, since: float | None = None,
           until: float | None = None, app: str | None = None) -> Forgotten:
    """Delete what was captured in the last `minutes`, or from `since` to `until` (default now), of one app
    when `app` is given (store.capture.forget says what goes); then the running `pipeline`, if any, drops what
    it holds in memory from that span and the screenshots kept of it."""
    now = time.time()
    until = until if until is not None else now
    if since is None:
        if minutes is None:
            raise ValueError("give either minutes or since")
        since = now - minutes * 60
    done = store.capture.forget(since, until, app)
    if pipeline is not None:
        pipeline.forgot(until, done.observation_ids)
    return Forgotten(since=since, until=until, observations=done.observations, propositions=done.propositions,
                     focus_spans=done.focus_spans, actions=done.actions)
