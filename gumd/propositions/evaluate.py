"""`gumd eval propositions`: run the real pipeline over scenarios and score what it believes.

A scenario is a JSONL file of observations and the facts a careful reader would infer:

    {"type": "observation", "t": 1764230000, "app": "thunderbird", "title": "Inbox", "text": "...", "input": "40 keys"}
    {"type": "fact", "text": "The user is planning a wedding in Lisbon"}

Scores: fact recall (facts that some proposition states), precision (propositions that state
some fact), and calibration (accuracy per confidence bin, expected calibration error). A
proposition states a fact when their embeddings' cosine reaches `match_cosine`, or, when a
judge model is given, when the judge says so.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from pydantic import BaseModel

from gumd.models.lm import LanguageModel, ModelError
from gumd.propositions.engine import Engine
from gumd.propositions.retrieve import Retriever
from gumd.store import NewObservation, Proposition, Store

BINS = ((1, 3), (4, 6), (7, 8), (9, 10))


class ScenarioError(ValueError):
    """A scenario file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Scenario:
    name: str
    observations: list[NewObservation]
    facts: list[str]


@dataclass
class ScenarioScore:
    scenario: str
    observations: int
    facts: int
    propositions: int
    recall: float
    precision: float
    ece: float
    bins: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0
    failed_batches: int = 0


def load_scenario(path: Path) -> Scenario:
    observations, facts = [], []
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if row["type"] == "observation":
                t = float(row["t"])
                observations.append(NewObservation(
                    started_at=t, ended_at=t + float(row.get("duration", 30)), app=str(row.get("app", "")),
                    title=str(row.get("title", "")), text=str(row["text"]), input_summary=str(row.get("input", "")),
                    source="eval",
                ))
            elif row["type"] == "fact":
                facts.append(str(row["text"]))
            else:
                raise KeyError("type")
        except (ValueError, KeyError, TypeError):
            raise ScenarioError(f"{path}:{n}: expected an observation (t, text) or a fact (text)") from None
    if not observations or not facts:
        raise ScenarioError(f"{path}: a scenario needs at least one observation and one fact")
    return Scenario(Path(path).stem, observations, facts)


class _Verdict(BaseModel):
    stated: bool


def _judge_matches(judge: LanguageModel, props: list[Proposition], facts: list[str]) -> list[list[bool]]:
    out = []
    for p in props:
        row = []
        for f in facts:
            try:
                verdict = judge.complete_json(
                    [{"role": "system", "content": "Say whether the statement states the fact (the same meaning; "
                                                   "more or less detail is fine)."},
                     {"role": "user", "content": f"Fact: {f}\nStatement: {p.text}"}],
                    _Verdict, max_tokens=16,
                )
                row.append(verdict.stated)
            except ModelError:
                row.append(False)
        out.append(row)
    return out


def score(props: list[Proposition], facts: list[str], matches: list[list[bool]]) -> tuple[float, float, float, dict]:
    """(recall, precision, ece, bins) from a propositions x facts match matrix."""
    correct = [any(row) for row in matches]
    recall = sum(any(matches[i][j] for i in range(len(props))) for j in range(len(facts))) / len(facts)
    precision = sum(correct) / len(props) if props else 0.0
    bins, ece = {}, 0.0
    for lo, hi in BINS:
        members = [i for i, p in enumerate(props) if lo <= p.confidence <= hi]
        if not members:
            continue
        acc = sum(correct[i] for i in members) / len(members)
        conf = sum(props[i].confidence for i in members) / len(members) / 10
        bins[f"{lo}-{hi}"] = {"n": len(members), "accuracy": round(acc, 3), "confidence": round(conf, 3)}
        ece += len(members) / len(props) * abs(acc - conf)
    return recall, precision, ece, bins


def evaluate(
    scenario: Scenario,
    language_model: Callable[[], LanguageModel],
    embedder,
    match_cosine: float = 0.6,
    judge: LanguageModel | None = None,
    progress: Callable[[str], None] = lambda msg: None,
) -> ScenarioScore:
    """Run the pipeline on a fresh store in a temporary dir and score its propositions."""
    with tempfile.TemporaryDirectory(prefix="gumd-eval-") as tmp:
        store = Store(Path(tmp) / "eval.db")
        try:
            for obs in scenario.observations:
                store.add_observation(obs)
            engine = Engine(store, language_model, Retriever(store, embedder), max_attempts=1)
            start = time.monotonic()
            failed = 0
            while (outcome := engine.run_once()) is not None:
                failed += bool(outcome.error)
                progress(f"{scenario.name}: batch {outcome.batch_id} {outcome.status} {outcome.operations}")
            seconds = time.monotonic() - start
            props = [p for p in store.search_propositions("", limit=1000) if p.origin == "model"]
        finally:
            store.close()
    if judge is not None:
        matches = _judge_matches(judge, props, scenario.facts)
    elif props:
        sims = embedder.embed([p.text for p in props]) @ embedder.embed(scenario.facts).T
        matches = (sims >= match_cosine).tolist()
    else:
        matches = []
    recall, precision, ece, bins = score(props, scenario.facts, matches)
    return ScenarioScore(scenario.name, len(scenario.observations), len(scenario.facts), len(props),
                         round(recall, 3), round(precision, 3), round(ece, 3), bins, round(seconds, 1), failed)


def as_json(scores: list[ScenarioScore]) -> str:
    return json.dumps([asdict(s) for s in scores], indent=2)
