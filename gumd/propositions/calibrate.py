"""Confidence from evidence: features of a candidate in, the probability that it is right out.

The model's own number (it answers 9 almost always) is one feature among
several that the evidence gives: what kind of sentence it is, whether the
screen states the relation or the deadline, how the names were found, how many
screens show them, how much of the sentence's wording the screens contain. A
logistic model over them is fitted on the tuning half of the scenarios
(`python -m gumd.propositions.calibrate FIT.json... [--level RUN...]`, from
`gumd eval propositions --json` runs; `--level` sets the bias on runs over
people no rule was tuned on) and shipped as `calibration.json`, from the
default model's answers; a model whose answers are right at another rate has
its own, `calibration-<preset>.json`, fitted the same way on its answers. The
probability p becomes confidence round(10 p), clamped to 1..10.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import re
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from gumd.models.registry import PRESETS
from gumd.propositions.digest import Activity
from gumd.propositions.relations import relations_in
from gumd.propositions.vocabulary import CONTENT_WORD

STRONG_CUES = frozenset({"sender", "recipient", "copied", "signature", "chat", "honorific", "greeting"})
FEATURES = (
    "dated", "person", "model", "told", "strong_cue", "relation_on_screen", "deadline_cue", "named", "repeated",
    "grounded_words", "observations",
)
_FRAME = frozenset("user user's with from that this their about must will".split())


def features(kind: str, sentence: str, named: list[str], activity: Activity, passage: str,
             model_confidence: int | None, told: bool = False) -> dict[str, float]:
    """The evidence features of one candidate sentence (all in 0..1); `passage` is what it was read from,
    `model_confidence` the model's own number (None: read without a model), `told` whether the screen says it to
    the user ("your tutor")."""
    seen = passage.lower()
    entities = [e for e in activity.entities if e.text in named]
    words = [w for w in CONTENT_WORD.findall(sentence.lower()) if w not in _FRAME]
    n_obs = len(activity.observations)
    return {
        "dated": float(kind == "dated"),
        "person": float(kind == "person"),
        "model": (model_confidence or 0) / 10,
        "told": float(told),
        "strong_cue": float(any(e.cue in STRONG_CUES for e in entities)),
        "relation_on_screen": float(bool(set(relations_in(sentence)) & set(relations_in(passage)))),
        "deadline_cue": float(any(e.kind == "date" and e.cue == "deadline" and e.text.lower() in seen
                                  for e in entities)),
        "named": min(len(entities), 3) / 3,
        "repeated": max((len(e.observation_ids) for e in entities), default=0) / max(n_obs, 1),
        "grounded_words": sum(w in seen for w in words) / len(words) if words else 0.0,
        "observations": min(math.log1p(n_obs) / math.log1p(8), 1.0),
    }


@dataclass(frozen=True)
class Calibrator:
    """A fitted logistic model: weights per feature and a bias."""

    weights: dict[str, float]
    bias: float
    fitted_on: tuple[str, ...] = ()

    @classmethod
    def packaged(cls, model: str = "") -> "Calibrator":
        """The table fitted on the tuning scenarios with `model`'s answers (a preset's name or its file's name),
        shipped in the package; the default model's where `model` has none of its own."""
        return _packaged(next((p.name for p in PRESETS.values() if model in (p.name, p.file)), ""))

    def probability(self, feats: dict[str, float]) -> float:
        z = self.bias + sum(self.weights.get(k, 0.0) * v for k, v in feats.items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def confidence(self, feats: dict[str, float]) -> int:
        return max(1, min(10, round(10 * self.probability(feats))))


@functools.cache
def _packaged(preset: str) -> Calibrator:
    tables = resources.files("gumd.propositions")
    own = tables.joinpath(f"calibration-{preset}.json")
    data = json.loads((own if preset and own.is_file() else tables.joinpath("calibration.json")).read_text())
    return Calibrator(data["weights"], data["bias"], tuple(data.get("fitted_on", ())))


def fit(rows: list[tuple[dict[str, float], bool]], l2: float = 0.5, steps: int = 4000, rate: float = 0.5) -> Calibrator:
    """Logistic regression by gradient descent with an L2 penalty (few features, few hundred rows)."""
    import numpy as np

    x = np.array([[r[0].get(k, 0.0) for k in FEATURES] for r in rows], dtype=float)
    y = np.array([float(r[1]) for r in rows])
    w, b = np.zeros(len(FEATURES)), float(np.log((y.mean() + 1e-3) / (1 - y.mean() + 1e-3)))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        grad_w = x.T @ (p - y) / len(y) + l2 * w / len(y)
        grad_b = float(np.mean(p - y))
        w -= rate * grad_w
        b -= rate * grad_b
    return Calibrator({k: round(float(v), 4) for k, v in zip(FEATURES, w)}, round(b, 4))


def rows_by_scenario(paths: list[Path]) -> dict[str, list[tuple[dict[str, float], bool]]]:
    """(features, correct) per proposition from `gumd eval propositions --json` outputs, by scenario."""
    found: dict[str, list[tuple[dict[str, float], bool]]] = {}
    for path in paths:
        for scenario in json.loads(Path(path).read_text())["scenarios"]:
            found.setdefault(scenario["scenario"], []).extend(
                (p["features"], bool(p["correct"])) for p in scenario["propositions_scored"] if p.get("features"))
    return found


def held_out_log_loss(by_scenario: dict[str, list[tuple[dict[str, float], bool]]], l2: float) -> float:
    """The mean log loss of each scenario's propositions under a table fitted on the other scenarios."""
    total, n = 0.0, 0
    for name, rows in by_scenario.items():
        table = fit([r for other, rs in by_scenario.items() if other != name for r in rs], l2=l2)
        for feats, correct in rows:
            p = min(max(table.probability(feats), 1e-3), 1 - 1e-3)
            total -= math.log(p if correct else 1 - p)
            n += 1
    return total / n if n else 0.0


def with_level(table: Calibrator, rows: list[tuple[dict[str, float], bool]], steps: int = 2000) -> Calibrator:
    """`table` with its bias moved to where its log loss on `rows` is lowest, its weights kept: the features' say
    from the scenarios the rules were tuned on, the overall level from people no rule was tuned on (the tuning
    half's precision is inflated by the rules written for it)."""
    if not rows:
        return table
    base = [table.bias + sum(table.weights.get(k, 0.0) * v for k, v in feats.items()) for feats, _ in rows]
    shift = 0.0
    for _ in range(steps):
        error = sum(1 / (1 + math.exp(-(z + shift))) - correct for z, (_, correct) in zip(base, rows))
        shift -= 0.5 * error / len(rows)
    return Calibrator(table.weights, round(table.bias + shift, 4))


L2_CHOICES = (0.5, 1.0, 2.0, 5.0, 10.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fit the confidence table from eval runs on the tuning scenarios")
    parser.add_argument("runs", nargs="+", type=Path, help="outputs of gumd eval propositions --json")
    parser.add_argument("--l2", type=float, help="the L2 penalty (default: the one of "
                        f"{', '.join(map(str, L2_CHOICES))} with the lowest leave-one-scenario-out log loss)")
    parser.add_argument("--level", nargs="+", type=Path, default=[], metavar="RUN",
                        help="runs on scenarios no rule was tuned on: the bias is set on them, the weights kept")
    args = parser.parse_args(argv)
    by_scenario = rows_by_scenario(args.runs)
    level = rows_by_scenario(args.level)
    rows = [r for rs in by_scenario.values() for r in rs]
    if len(rows) < 20:
        print(f"calibrate: {len(rows)} propositions with features; need at least 20", file=sys.stderr)
        return 2
    l2 = args.l2
    if l2 is None:
        losses = {c: held_out_log_loss(by_scenario, c) for c in L2_CHOICES}
        for c, loss in losses.items():
            print(f"calibrate: L2 {c}: leave-one-scenario-out log loss {loss:.4f}", file=sys.stderr)
        l2 = min(losses, key=losses.get)
    level_rows = [r for rs in level.values() for r in rs]
    c = with_level(fit(rows, l2=l2), level_rows)
    json.dump({"weights": c.weights, "bias": c.bias, "fitted_on": sorted(by_scenario), "rows": len(rows),
               "l2": l2, **({"level_on": sorted(level), "level_rows": len(level_rows)} if level else {})},
              sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
