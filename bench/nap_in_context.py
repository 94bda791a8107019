"""What the in-context step adds on a recorded session: top-1 and the description's similarity beside the
statistics, with a paired bootstrap.

    PYTHONPATH=. python bench/nap_session.py session.db --days 12 --seed 1
    PYTHONPATH=. python bench/nap_in_context.py session.db [--last 300] [--model qwen2.5-coder-1.5b] [--embed]

Replays the session's actions through a fresh Predictor (gumd.nap.evaluate.in_context_replay); on the last
N actions it scores the statistical top candidate and the in-context prediction (the model consulted only
where the screen names a document or command no recorded action has): the rank of the real action, and the
similarity of the top prediction's caption to the real action's (1.0 when exact; word trigrams, or with
--embed the cosine of the configured embedder's vectors, as the daemon scores them), also on the actions
whose top-1 was wrong alone. The intervals are the 2.5-97.5 percentile of the difference over 2,000
resamples of the N actions (paired).
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
from gumd.models import load_embedder, load_language_model  # noqa: E402
from gumd.nap.evaluate import in_context_replay  # noqa: E402


def paired_interval(a: list[float], b: list[float], resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of mean(b) - mean(a), a and b measured on the same actions."""
    rng = random.Random(seed)
    diffs = [y - x for x, y in zip(a, b)]
    n = len(diffs)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("session", type=Path)
    ap.add_argument("--last", type=int, default=300)
    ap.add_argument("--model", default="", help="a model preset or GGUF path (default: the configured default)")
    ap.add_argument("--embed", action="store_true", help="score and retrieve with the configured embedder, as the "
                    "daemon does (default: word trigrams)")
    args = ap.parse_args()
    settings = load_settings({"model": args.model} if args.model else {}, environ={},
                             config_file=REPO / "absent.toml")
    model = load_language_model(settings)
    t = time.perf_counter()
    replayed = in_context_replay(args.session, model, args.last, load_embedder(settings) if args.embed else None)
    seconds = time.perf_counter() - t
    stat, ctx = replayed["statistical (replay)"], replayed["in-context"]
    hits = {name: [float(r == 1) for r in rep.ranks] for name, rep in replayed.items()}
    n = len(stat.ranks)
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}; "
          f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"session {args.session.name}, last {n} actions, model {model.name}, "
          f"{'embeddings' if args.embed else 'word trigrams'}, {seconds:.0f} s")
    for name, rep in replayed.items():
        s, wrong = rep.score(name), rep.similarities_when_top1_wrong()
        print(f"{name:<22} top-1 {s.top1:6.1%}  top-5 {s.top5:6.1%}  MRR {s.mrr:.3f}  description similarity "
              f"{s.similarity:.3f}, {sum(wrong) / len(wrong) if wrong else 0.0:.3f} on the {len(wrong)} top-1 wrong")
    points, plain = (lambda x: f"{x * 100:+.1f}"), (lambda x: f"{x:+.3f}")
    for what, a, b, fmt in (("top-1 (points)", hits["statistical (replay)"], hits["in-context"], points),
                            ("description similarity", stat.similarities, ctx.similarities, plain)):
        low, high = paired_interval(a, b)
        print(f"in-context - statistical {what}: {fmt((sum(b) - sum(a)) / n)}, 95% interval [{fmt(low)}, "
              f"{fmt(high)}]; differs on {sum(x != y for x, y in zip(a, b))} of {n} actions")


if __name__ == "__main__":
    main()
