"""What the in-context step adds on a recorded session: top-1 beside the statistics, with a paired bootstrap.

    PYTHONPATH=. python bench/nap_session.py session.db --days 12 --seed 1
    PYTHONPATH=. python bench/nap_in_context.py session.db [--last 300] [--model qwen2.5-coder-1.5b]

Replays the session's actions through a fresh Predictor (gumd.nap.evaluate.in_context_ranks); on the last
N actions it scores the statistical top candidate and the in-context prediction (the model consulted only
where the screen names a document or command no recorded action has). The interval is the 2.5-97.5
percentile of the top-1 difference over 2,000 resamples of the N actions (paired).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.nap import machine  # noqa: E402
from gumd.config import load_settings  # noqa: E402
from gumd.models import load_language_model  # noqa: E402
from gumd.nap.evaluate import in_context_ranks, score_ranks  # noqa: E402


def paired_interval(a: list[int | None], b: list[int | None], resamples: int = 2000,
                    seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of top-1(b) - top-1(a) over the same actions."""
    rng = random.Random(seed)
    diffs = [(y == 1) - (x == 1) for x, y in zip(a, b)]
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("session", type=Path)
    ap.add_argument("--last", type=int, default=300)
    ap.add_argument("--model", default="", help="a model preset or GGUF path (default: the configured default)")
    args = ap.parse_args()
    settings = load_settings({"model": args.model} if args.model else {}, environ={},
                             config_file=REPO / "absent.toml")
    model = load_language_model(settings)
    t = time.perf_counter()
    ranks = in_context_ranks(args.session, model, args.last)
    seconds = time.perf_counter() - t
    stat, ctx = ranks["statistical (replay)"], ranks["in-context"]
    changed = sum((x == 1) != (y == 1) for x, y in zip(stat, ctx))
    low, high = paired_interval(stat, ctx)
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}; "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"session {args.session.name}, last {len(stat)} actions, model {model.name}, {seconds:.0f} s")
    for name, rs in ranks.items():
        s = score_ranks(name, rs)
        print(f"{name:<22} top-1 {s.top1:6.1%}  top-5 {s.top5:6.1%}  MRR {s.mrr:.3f}")
    diff = score_ranks("", ctx).top1 - score_ranks("", stat).top1
    print(f"in-context - statistical top-1: {diff * 100:+.1f} points, 95% interval [{low * 100:+.1f}, {high * 100:+.1f}]"
          f"; top-1 differs on {changed} of {len(stat)} actions")


if __name__ == "__main__":
    main()
