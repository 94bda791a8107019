"""Cross-validated hyperparameters for VariableOrder: chosen on some people, checked on others.

    PYTHONPATH=. python bench/nap_tune.py [--jobs 2]

SEA (Schonlau et al. 2001): tune on users 1-20, check on 21-40, and the reverse. D2U (oeschsec/D2U-artifacts):
tune on the first half of participant 1 only, check on its second half (the only desktop stream in
../shared/data). Markov-2 is measured in the same run on the same streams. Read in place, measurement only.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.nap import DATA, machine  # noqa: E402
from gumd.nap.baselines import Markov  # noqa: E402
from gumd.nap.evaluate import Stream, evaluate_stream, macro_average, read_d2u, read_sea  # noqa: E402
from gumd.nap.variable_order import VariableOrder  # noqa: E402

# The settings compared: the production defaults first, then one change at a time.
GRID: list[dict] = [
    {},
    {"fast_decay": 0.8}, {"fast_decay": 0.95},
    {"learning_rate": 0.003}, {"learning_rate": 0.03},
    {"max_order": 4}, {"escape": 0.5}, {"recency_depth": 20},
]


def _score(task: tuple[str, dict, Stream]) -> tuple[str, str, float, int]:
    kind, config, stream = task
    predictor = Markov(2) if kind == "markov-2" else VariableOrder(**config)
    s = evaluate_stream(stream, predictor)
    return kind, repr(config), s.top1, s.n


def score_all(folds: dict[str, list[Stream]], jobs: int) -> dict[tuple[str, str], float]:
    """Macro top-1 of Markov-2 and of every GRID setting on every fold: {(fold, setting): top-1}."""
    tasks, where = [], []
    for fold, streams in folds.items():
        for stream in streams:
            tasks.append(("markov-2", {}, stream))
            where.append((fold, "markov-2"))
            for config in GRID:
                tasks.append(("vo", config, stream))
                where.append((fold, repr(config)))
    per: dict[tuple[str, str], list] = {}
    with ProcessPoolExecutor(jobs) as pool:
        for key, (_, _, top1, n) in zip(where, pool.map(_score, tasks, chunksize=1)):
            per.setdefault(key, []).append(top1)
    return {key: sum(v) / len(v) for key, v in per.items()}


def halves(stream: Stream) -> tuple[Stream, Stream]:
    mid = len(stream.items) // 2
    first = dataclasses.replace(stream, name=stream.name + "[:half]", items=stream.items[:mid],
                                times=stream.times[:mid] if stream.times else None)
    second = dataclasses.replace(stream, name=stream.name + "[half:]", items=stream.items[mid:],
                                 times=stream.times[mid:] if stream.times else None)
    return first, second


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"benchmark data missing: {DATA}")
    sea = [read_sea(DATA / "sea" / f"User{u}") for u in range(1, 41)]
    d2u_first, d2u_second = halves(read_d2u(DATA / "d2u" / "participant1.csv"))
    folds = {"SEA 1-20": sea[:20], "SEA 21-40": sea[20:], "D2U p1 1st half": [d2u_first],
             "D2U p1 2nd half": [d2u_second]}
    top1 = score_all(folds, args.jobs)
    print(f"machine: {machine()}; {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"\n{'setting':<48}" + "".join(f"{f:>17}" for f in folds))
    for name in ["markov-2"] + [repr(c) for c in GRID]:
        print(f"{name:<48}" + "".join(f"{top1[(f, name)]:>17.1%}" for f in folds))
    print(f"\n{'tuned on':<18}{'checked on':<18}{'chosen setting':<48}{'tune gain':>10}{'check':>8}{'Markov-2':>9}{'gain':>7}")
    for tune, check in (("SEA 1-20", "SEA 21-40"), ("SEA 21-40", "SEA 1-20"), ("D2U p1 1st half", "D2U p1 2nd half")):
        best = max((repr(c) for c in GRID), key=lambda name: top1[(tune, name)])
        tune_gain = (top1[(tune, best)] - top1[(tune, "markov-2")]) * 100
        gain = (top1[(check, best)] - top1[(check, "markov-2")]) * 100
        print(f"{tune:<18}{check:<18}{best:<48}{tune_gain:>+9.1f}p{top1[(check, best)]:>8.1%}"
              f"{top1[(check, 'markov-2')]:>9.1%}{gain:>+6.1f}p")


if __name__ == "__main__":
    main()
