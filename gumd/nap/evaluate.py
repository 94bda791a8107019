"""Prequential evaluation of next-action predictors on recorded streams.

Each item is predicted before it is learned (top-1, top-5, mean reciprocal rank
over the top 10), and the figures are macro-averaged over files, so every user
counts once. Readers turn the formats `gumd eval nap` accepts into streams:
D2U app-switch CSVs, SEA command files, ActivityWatch exports, and the
daemon's own recorded actions. Replaying a gumd database also scores each
prediction's description: how similar its caption is to the real next action's.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Sequence

from gumd.nap.sequence import SequencePredictor
from gumd.store import Store

SEA_CLEAN_COMMANDS = 5000  # commands 1-5000 of each SEA user hold no masquerade blocks
RANK_DEPTH = 10  # MRR counts ranks up to this depth


class StreamFormatError(ValueError):
    """A file could not be read as the format it was given as; the message names file and problem."""


@dataclass(frozen=True)
class Stream:
    """One user's items in order, with unix times when the source has them.

    `exclude_current`: the item just seen cannot come next (app switches:
    the app you are in is not a switch), so it is left out of the candidates.
    """

    name: str
    items: list[str]
    times: list[float] | None = None
    exclude_current: bool = False


@dataclass(frozen=True)
class Score:
    """Prequential accuracy of one predictor: fractions in 0..1 over n predictions; `similarity`, the mean
    similarity of the top prediction's caption to the real action's, where predictions have captions."""

    predictor: str
    top1: float
    top5: float
    mrr: float
    n: int
    similarity: float | None = None


def read_d2u(path: Path) -> Stream:
    """A D2U participant CSV (`start_unix,app,...`): one row per focused app."""
    items, times = [], []
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or not {"start_unix", "app"} <= set(reader.fieldnames):
            raise StreamFormatError(f"{path}: expected a CSV with columns start_unix and app")
        for row in reader:
            if row["app"] and (not items or row["app"] != items[-1]):
                items.append(row["app"])
                times.append(float(row["start_unix"]))
    return Stream(path.stem, items, times, exclude_current=True)


def read_sea(path: Path, limit: int = SEA_CLEAN_COMMANDS) -> Stream:
    """A SEA user file, one command per line; the first `limit` commands (the clean part)."""
    items = [line.strip() for line in path.read_text().splitlines() if line.strip()][:limit]
    if not items:
        raise StreamFormatError(f"{path}: no commands found")
    return Stream(path.name, items)


def read_activitywatch(path: Path) -> Stream:
    """An ActivityWatch export (JSON with buckets of window events): the sequence of focused apps."""
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise StreamFormatError(f"{path}: not JSON ({e})") from None
    buckets = data.get("buckets", data) if isinstance(data, dict) else None
    if not isinstance(buckets, dict):
        raise StreamFormatError(f"{path}: expected an ActivityWatch export with a 'buckets' object")
    events = []
    for bucket_id, bucket in buckets.items():
        if bucket.get("type", "") == "currentwindow" or bucket_id.startswith("aw-watcher-window"):
            for e in bucket.get("events", []):
                app = (e.get("data") or {}).get("app")
                if app:
                    when = dt.datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00")).timestamp()
                    events.append((when, app))
    if not events:
        raise StreamFormatError(f"{path}: no window events (aw-watcher-window bucket) found")
    items, times = [], []
    for when, app in sorted(events):
        if not items or app != items[-1]:
            items.append(app)
            times.append(when)
    return Stream(path.stem, items, times, exclude_current=True)


def read_gumd(path: Path) -> Stream:
    """A gumd database: the daemon's recorded action stream (kind, app and target of each action)."""
    if not path.is_file():
        raise StreamFormatError(f"{path}: no such gumd database")
    store = Store(path)
    try:
        actions = store.actions.recorded()
    finally:
        store.close()
    if not actions:
        raise StreamFormatError(f"{path}: no recorded actions")
    return Stream(path.stem, [a.key for a in actions], [a.at for a in actions])


READERS: dict[str, Callable[[Path], Stream]] = {
    "d2u": read_d2u,
    "sea": read_sea,
    "activitywatch": read_activitywatch,
    "gumd": read_gumd,
}


def evaluate_stream(stream: Stream, predictor: SequencePredictor) -> Score:
    """Predict each item before learning it; the first item is learned unpredicted."""
    hits1 = hits5 = 0
    rr = 0.0
    n = 0
    times = stream.times
    for i, item in enumerate(stream.items):
        if i:
            # Predict as of the previous item: its time is the latest the predictor may know.
            exclude = (stream.items[i - 1],) if stream.exclude_current else ()
            ranked = [c.item for c in predictor.rank(RANK_DEPTH, exclude, times[i - 1] if times else None)]
            n += 1
            if item in ranked:
                r = ranked.index(item) + 1
                hits1 += r == 1
                hits5 += r <= 5
                rr += 1.0 / r
        predictor.learn(item, times[i] if times else None)
    return Score(predictor.name, hits1 / n if n else 0.0, hits5 / n if n else 0.0, rr / n if n else 0.0, n)


def macro_average(scores: Sequence[Score]) -> Score:
    """The mean of per-file scores (each user counts once); n is the total number of predictions."""
    k = len(scores)
    similarities = [s.similarity for s in scores if s.similarity is not None]
    return Score(
        scores[0].predictor,
        sum(s.top1 for s in scores) / k,
        sum(s.top5 for s in scores) / k,
        sum(s.mrr for s in scores) / k,
        sum(s.n for s in scores),
        sum(similarities) / k if len(similarities) == k else None,
    )


def evaluate(streams: Iterable[Stream], make_predictors: Callable[[], list[SequencePredictor]]) -> list[Score]:
    """Macro-averaged scores of each predictor (fresh per stream) over all streams."""
    per_predictor: dict[str, list[Score]] = {}
    for stream in streams:
        for predictor in make_predictors():
            per_predictor.setdefault(predictor.name, []).append(evaluate_stream(stream, predictor))
    return [macro_average(scores) for scores in per_predictor.values()]


@dataclass
class Replayed:
    """One source's predictions of replayed actions, an entry per action: the real action's rank among them (1..,
    None when it was not offered), and the similarity of the top one's caption to the real action's caption
    (`Predictor.match`: 1.0 when exact, 0.0 when nothing was predicted)."""

    ranks: list[int | None] = field(default_factory=list)
    similarities: list[float] = field(default_factory=list)

    def score(self, name: str) -> Score:
        n = len(self.similarities)
        return replace(score_ranks(name, self.ranks), similarity=sum(self.similarities) / n if n else 0.0)

    def similarities_when_top1_wrong(self) -> list[float]:
        """The similarities where the top prediction was not the real action: where a description can be
        partly right."""
        return [s for r, s in zip(self.ranks, self.similarities) if r != 1]


def in_context_replay(path: Path, model, last: int, embedder=None) -> dict[str, Replayed]:
    """Replay one gumd database's actions through a fresh Predictor (with `embedder`, if given, for traces and
    descriptions, as the daemon's); on the last `last` actions, score the statistical candidates and the
    in-context prediction (`Replayed`).

    Everything before those actions is learned first, traces included, so both see the same history.
    """
    import tempfile

    from gumd.nap.predict import Predictor

    source = Store(path)
    try:
        actions = source.actions.recorded()
    finally:
        source.close()
    replayed = {"statistical (replay)": Replayed(), "in-context": Replayed()}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "replay.db")
        predictor = Predictor(store, model, embedder=embedder)
        start = max(1, len(actions) - last)
        screen = ""
        for i, action in enumerate(actions):
            # The screen as it was before this action: actions segmented from one frame share its text,
            # which already shows the later ones, so the screen of an earlier frame is the one to use.
            if i and actions[i - 1].at < action.at:
                screen = actions[i - 1].screen_text
            if i >= start:
                stat = predictor.predict_next(screen, now=actions[i - 1].at, use_model=False)
                ctx = predictor.predict_next(screen, now=actions[i - 1].at, use_model=True)
                for r, p in ((replayed["statistical (replay)"], stat), (replayed["in-context"], ctx)):
                    keys = [a.key for a in p.actions]
                    r.ranks.append(keys.index(action.key) + 1 if action.key in keys else None)
                    r.similarities.append(predictor.match(p.top.key, p.top.caption, action)[1] if p.top else 0.0)
            elif i:
                predictor.predict_next(screen, now=actions[i - 1].at, use_model=False)
            predictor.observe(action)
        store.close()
    return replayed


def score_ranks(name: str, ranks: Sequence[int | None]) -> Score:
    """Top-1, top-5 and MRR of a list of ranks (None: the real item was not offered)."""
    n = len(ranks)
    return Score(name, sum(r == 1 for r in ranks) / n if n else 0.0,
                 sum(r is not None and r <= 5 for r in ranks) / n if n else 0.0,
                 sum(1.0 / r for r in ranks if r) / n if n else 0.0, n)


def evaluate_in_context(paths: Sequence[Path], model, last: int) -> list[Score]:
    """The statistical top candidates and the in-context prediction side by side on the last `last` actions
    of each gumd database (`in_context_replay`), macro-averaged over the databases."""
    per_source: dict[str, list[Score]] = {}
    for path in paths:
        for name, replayed in in_context_replay(path, model, last).items():
            per_source.setdefault(name, []).append(replayed.score(name))
    return [macro_average(scores) for scores in per_source.values()]
