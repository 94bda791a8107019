"""`gumd eval propositions`: run the real pipeline over scenarios and score what it believes, strictly.

A scenario is a JSONL file: a header, observations, the facts a careful reader
would sign, and optionally false statements a careless reader would make:

    {"type": "scenario", "person": "a nurse in Leeds", "split": "tune"}
    {"type": "observation", "t": 1764230000, "app": "thunderbird", "title": "Inbox", "text": "...", "input": "40 keys"}
    {"type": "observation", "source": "import", "t": 1764233600, "duration": 1500, "app": "code", "title": "...",
     "text": "2025-11-27 10:13 to 10:38, from ActivityWatch:\ncode 'scheduler.py - gumd' 14.2 min\n..."}
    {"type": "fact", "text": "Priya Shah is the user's manager", "kind": "person",
     "hints": [["Priya"], ["manager", "boss"]]}
    {"type": "false", "text": "The user is going to the Denver offsite", "hints": [["Denver"], ["offsite"]]}

A proposition states a fact when, for every hint group, one of its
alternatives starts a word of the proposition (case and accents ignored): the
entity and what is said of it must both be there; a role fact needs a sentence
about the user, and neither a role nor a person fact is stated by a task or a
program's view that happens to name it. A fact without hints falls
back to an embedding cosine; `--judge` asks a model instead. Precision counts
a proposition correct when it states some fact and no false statement.
Calibration pools every proposition: accuracy per confidence bin and ECE.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from pydantic import BaseModel

from gumd.models.lm import LanguageModel, ModelError
from gumd.propositions.check import fold
from gumd.propositions.engine import Engine
from gumd.propositions.propose import MIN_CONFIDENCE
from gumd.propositions.retrieve import Retriever
from gumd.store import NewObservation, Proposition, Store

BINS = ((1, 3), (4, 6), (7, 8), (9, 10))


class ScenarioError(ValueError):
    """A scenario file cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Fact:
    text: str
    kind: str = ""
    hints: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Scenario:
    name: str
    observations: list[NewObservation]
    facts: list[Fact]
    false: list[Fact] = field(default_factory=list)
    split: str = ""
    person: str = ""


@dataclass
class ScoredProposition:
    id: int
    text: str
    confidence: int
    model_confidence: int | None
    evidence: list[int]
    fact: str | None  # the fact it states, if any
    false: str | None  # the false statement it makes, if any
    correct: bool
    features: dict | None = None


@dataclass
class ScenarioScore:
    scenario: str
    split: str
    observations: int
    facts: int
    propositions: int
    recall: float
    precision: float
    ece: float
    bins: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0
    failed_batches: int = 0
    model_seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    false_beliefs: int = 0
    missed: list[str] = field(default_factory=list)
    propositions_scored: list[ScoredProposition] = field(default_factory=list)
    kinds: dict[str, list[int]] = field(default_factory=dict)  # kind of fact -> [found, facts]


def _fact(row: dict) -> Fact:
    hints = tuple(tuple(str(a) for a in group) for group in row.get("hints", []))
    if any(not group for group in hints):
        raise ValueError("empty hint group")
    return Fact(str(row["text"]), str(row.get("kind", "")), hints)


def _source(row: dict) -> str:
    """An observation's source: "import" for a session as `gumd import activitywatch` writes it (its windows and
    minutes, no screen text), else "eval"."""
    source = row.get("source", "eval")
    if source not in ("eval", "import"):
        raise ValueError(source)
    return source


def load_scenario(path: Path) -> Scenario:
    observations, facts, false, header = [], [], [], {}
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
                    source=_source(row),
                ))
            elif row["type"] == "fact":
                facts.append(_fact(row))
            elif row["type"] == "false":
                false.append(_fact(row))
            elif row["type"] == "scenario":
                header = row
            else:
                raise KeyError("type")
        except (ValueError, KeyError, TypeError):
            raise ScenarioError(f"{path}:{n}: expected a scenario header, an observation (t, text), a fact or a "
                                "false statement (text, hints)") from None
    if not observations or not facts:
        raise ScenarioError(f"{path}: a scenario needs at least one observation and one fact")
    split = str(header.get("split") or Path(path).parent.name)
    return Scenario(Path(path).stem, observations, facts, false, split, str(header.get("person", "")))


# What a sentence must say to state a fact of a kind, beyond its hints. The user's role is said of the user, not
# of another person ("Priya Raman, claims adjuster at Front Range, works with the user"), in a task or in a
# program's view ("The user works in Salesforce on Niguarda - Gara protesi"). Who a person is to the user is not
# said by a task that names them ("The user has to file the report with Ingrid Bakker by Friday") or by a view
# ("The user works in Tradify on Quote Q-1043 - Niamh O'Sullivan").
_TASK_OR_VIEW = r"(?:has to|must|needs to|should|will|is to|is due to|keeps the spreadsheet|works on the spreadsheet|" \
                r"works in .* on )"
_ROLE = re.compile(rf"^the user(?:, [^,]+,)? (?!{_TASK_OR_VIEW})")
_NOT_PERSON = re.compile(rf"^the user(?:, [^,]+,)? {_TASK_OR_VIEW}")


def states(proposition: str, fact: Fact) -> bool:
    """Whether every hint group of `fact` has an alternative that starts a word of `proposition`, and the sentence
    is of the shape its kind asks for: a role is said of the user, a person not in a task or a program's view."""
    text = fold(proposition)
    if fact.kind == "role" and not _ROLE.match(text) or fact.kind == "person" and _NOT_PERSON.match(text):
        return False
    return bool(fact.hints) and all(
        any(re.search(r"(?<!\w)" + re.escape(fold(alt)), text) for alt in group) for group in fact.hints
    )


class _Verdict(BaseModel):
    stated: bool


def _judge(judge: LanguageModel, proposition: str, fact: str) -> bool:
    try:
        return judge.complete_json(
            [{"role": "system", "content": "Say whether the statement states the fact (the same meaning, the same "
                                           "people and relations, the same dates; more detail is fine)."},
             {"role": "user", "content": f"Fact: {fact}\nStatement: {proposition}"}],
            _Verdict, max_tokens=16,
        ).stated
    except ModelError:
        return False


def match(props: list[Proposition], facts: list[Fact], embedder=None, judge: LanguageModel | None = None,
          match_cosine: float = 0.6) -> list[list[bool]]:
    """props x facts: whether each proposition states each fact (hints; else judge; else cosine)."""
    sims = None
    if judge is None and props and any(not f.hints for f in facts) and embedder is not None:
        sims = embedder.embed([p.text for p in props]) @ embedder.embed([f.text for f in facts]).T
    out = []
    for i, p in enumerate(props):
        row = []
        for j, f in enumerate(facts):
            if judge is not None:
                row.append(_judge(judge, p.text, f.text))
            elif f.hints:
                row.append(states(p.text, f))
            else:
                row.append(bool(sims is not None and sims[i, j] >= match_cosine))
        out.append(row)
    return out


def calibration(pairs: list[tuple[int, bool]]) -> tuple[float, dict[str, dict[str, float]]]:
    """ECE and the reliability table (n, accuracy, mean confidence per bin) of (confidence 1-10, correct) pairs."""
    bins, ece = {}, 0.0
    for lo, hi in BINS:
        members = [(c, ok) for c, ok in pairs if lo <= c <= hi]
        if not members:
            continue
        acc = sum(ok for _, ok in members) / len(members)
        conf = sum(c for c, _ in members) / len(members) / 10
        bins[f"{lo}-{hi}"] = {"n": len(members), "accuracy": round(acc, 3), "confidence": round(conf, 3)}
        ece += len(members) / len(pairs) * abs(acc - conf)
    return ece, bins


def score(props: list[Proposition], facts: list, matches: list[list[bool]],
          wrong: list[bool] | None = None) -> tuple[float, float, float, dict]:
    """(recall, precision, ece, bins) from a propositions x facts match matrix; `wrong` marks false beliefs."""
    wrong = wrong or [False] * len(props)
    correct = [any(row) and not bad for row, bad in zip(matches, wrong)]
    recall = sum(any(matches[i][j] for i in range(len(props))) for j in range(len(facts))) / len(facts)
    precision = sum(correct) / len(props) if props else 0.0
    ece, bins = calibration([(p.confidence, ok) for p, ok in zip(props, correct)])
    return recall, precision, ece, bins


def evaluate(
    scenario: Scenario,
    language_model: Callable[[], LanguageModel],
    embedder,
    match_cosine: float = 0.6,
    judge: LanguageModel | None = None,
    progress: Callable[[str], None] = lambda msg: None,
    min_confidence: int = MIN_CONFIDENCE,
) -> ScenarioScore:
    """Run the pipeline on a fresh store in a temporary dir and score its propositions; candidates under
    `min_confidence` are not stored (1 keeps them all, as fitting a confidence table needs)."""
    lm = language_model()
    before = asdict(lm.usage)
    with tempfile.TemporaryDirectory(prefix="gumd-eval-") as tmp:
        store = Store(Path(tmp) / "eval.db")
        try:
            for obs in scenario.observations:
                store.observations.add(obs)
            # The embedder is waited for: what revise is shown must not hang on how long its first load took.
            engine = Engine(store, lambda: lm, Retriever(store, embedder, load_wait_s=None), max_attempts=1,
                            min_confidence=min_confidence)
            start = time.monotonic()
            failed = 0
            while (outcome := engine.run_once()) is not None:
                failed += bool(outcome.error)
                progress(f"{scenario.name}: batch {outcome.batch_id} {outcome.status} {outcome.operations}"
                         + (f" {outcome.error}" if outcome.error else ""))
            seconds = time.monotonic() - start
            props = [store.propositions.get(p.id) for p in store.search.propositions("", limit=1000)
                     if p.origin == "model"]
        finally:
            store.close()
    usage = {k: v - before[k] for k, v in asdict(lm.usage).items()}
    matches = match(props, scenario.facts, embedder, judge, match_cosine)
    false_hits = [next((f.text for f in scenario.false if states(p.text, f)), None) for p in props]
    recall, precision, ece, bins = score(props, scenario.facts, matches, [bool(f) for f in false_hits])
    scored = [
        ScoredProposition(
            p.id, p.text, p.confidence, p.model_confidence, [o.id for o in p.evidence],
            next((f.text for f, hit in zip(scenario.facts, row) if hit), None), bad,
            any(row) and not bad, (p.grounding or {}).get("features"),
        )
        for p, row, bad in zip(props, matches, false_hits)
    ]
    found = [any(row[j] for row in matches) for j in range(len(scenario.facts))]
    missed = [f.text for f, hit in zip(scenario.facts, found) if not hit]
    kinds: dict[str, list[int]] = {}
    for f, hit in zip(scenario.facts, found):
        counts = kinds.setdefault(f.kind or "other", [0, 0])
        counts[0] += hit
        counts[1] += 1
    return ScenarioScore(
        scenario.name, scenario.split, len(scenario.observations), len(scenario.facts), len(props),
        round(recall, 3), round(precision, 3), round(ece, 3), bins, round(seconds, 1), failed,
        round(usage["seconds"], 1), usage["prompt_tokens"], usage["completion_tokens"], dict(engine.dropped),
        sum(bool(f) for f in false_hits), missed, scored, kinds,
    )


@dataclass
class Summary:
    """Pooled figures over scenarios: every fact and every proposition counted once."""

    scenarios: int
    observations: int
    facts: int
    propositions: int
    recall: float
    precision: float
    ece: float
    bins: dict[str, dict[str, float]]
    false_beliefs: int
    dropped: dict[str, int]
    model_seconds_per_observation: float
    prompt_tokens_per_observation: float
    completion_tokens_per_observation: float
    model_share_at_120_per_hour: float  # model time / active time when 120 observations arrive per hour
    kinds: dict[str, list[int]] = field(default_factory=dict)  # kind of fact -> [found, facts], pooled


def summarize(scores: list[ScenarioScore]) -> Summary:
    facts = sum(s.facts for s in scores)
    found = sum(s.facts - len(s.missed) for s in scores)
    pairs = [(p.confidence, p.correct) for s in scores for p in s.propositions_scored]
    ece, bins = calibration(pairs)
    n_obs = sum(s.observations for s in scores) or 1
    per_obs = sum(s.model_seconds for s in scores) / n_obs
    dropped: Counter = Counter()
    kinds: dict[str, list[int]] = {}
    for s in scores:
        dropped.update(s.dropped)
        for kind, (hits, total) in s.kinds.items():
            pooled = kinds.setdefault(kind, [0, 0])
            pooled[0] += hits
            pooled[1] += total
    return Summary(
        len(scores), n_obs, facts, len(pairs), round(found / facts, 3) if facts else 0.0,
        round(sum(ok for _, ok in pairs) / len(pairs), 3) if pairs else 0.0, round(ece, 3), bins,
        sum(s.false_beliefs for s in scores), dict(dropped), round(per_obs, 2),
        round(sum(s.prompt_tokens for s in scores) / n_obs, 1), round(sum(s.completion_tokens for s in scores) / n_obs, 1),
        round(per_obs * 120 / 3600, 3), dict(sorted(kinds.items())),
    )


def as_json(scores: list[ScenarioScore]) -> str:
    return json.dumps({"summary": asdict(summarize(scores)), "scenarios": [asdict(s) for s in scores]}, indent=2,
                      ensure_ascii=False)
