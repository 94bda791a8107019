"""Model time of the whole GUM loop (digest -> propose -> check -> revise -> store), models side by side.

    .venv/bin/python bench/gum_loop.py [--models qwen2.5-coder-0.5b qwen2.5-coder-1.5b] [--lookup 0 10]
                                       [--scenarios 'tests/scenarios/check/*.jsonl'] [--per-hour 120]

Each configuration (model x prompt-lookup draft length) runs every scenario on a fresh store, in this one
process, one after the other, and the table shows per observation: model calls, prompt tokens evaluated and
served from the KV cache, tokens generated, model seconds; and the share of an active hour the engine needs when
`--per-hour` observations arrive per hour (goal: <= 25%). Quality is `gumd eval propositions`' job.
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gumd.config import load_settings  # noqa: E402
from gumd.models import load_embedder, load_language_model  # noqa: E402
from gumd.propositions.engine import Engine  # noqa: E402
from gumd.propositions.evaluate import load_scenario  # noqa: E402
from gumd.propositions.retrieve import Retriever  # noqa: E402
from gumd.store import Store  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def run(model: str, lookup: int, scenarios: list, tmp: Path) -> dict:
    settings = load_settings({"data_dir": str(tmp), "model": model, "model_prompt_lookup": lookup}, environ={},
                             config_file=Path("/nonexistent"))
    lm = load_language_model(settings)
    embedder = load_embedder(settings)
    lm.complete_text([{"role": "user", "content": "hi"}], 1)  # load outside the timed part
    before = dataclasses.asdict(lm.usage)
    n_obs = 0
    start = time.monotonic()
    for sc in scenarios:
        store = Store(tmp / f"{model}-{lookup}-{sc.name}.db")
        for o in sc.observations:
            store.observations.add(o)
        n_obs += len(sc.observations)
        engine = Engine.from_settings(store, lambda: lm, Retriever(store, embedder), settings)
        engine.max_attempts = 1
        while engine.run_once() is not None:
            pass
        store.close()
        print(f"  {model} lookup {lookup}: {sc.name} done", file=sys.stderr, flush=True)
    wall = time.monotonic() - start
    used = {k: v - before[k] for k, v in dataclasses.asdict(lm.usage).items()}
    return {"observations": n_obs, "wall": wall, **used}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
    ap.add_argument("--lookup", nargs="+", type=int, default=[0], help="prompt-lookup draft lengths (0: off)")
    ap.add_argument("--scenarios", default=str(ROOT / "tests/scenarios/check/*.jsonl"))
    ap.add_argument("--per-hour", type=float, default=120.0, help="observations stored per active hour")
    args = ap.parse_args()
    scenarios = [load_scenario(Path(p)) for p in sorted(glob.glob(args.scenarios))]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in args.models:
            for lookup in args.lookup:
                rows.append((model, lookup, run(model, lookup, scenarios, Path(tmp))))
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {load:.1f}; {len(scenarios)} scenarios "
          f"({args.scenarios}); {time.strftime('%Y-%m-%d')}")
    print(f"{'model':<22} {'lookup':>6} {'obs':>4} {'calls/obs':>9} {'prompt/obs':>10} {'cached/obs':>10} "
          f"{'out/obs':>7} {'model s/obs':>11} {'hour share':>10}")
    for model, lookup, r in rows:
        n = r["observations"] or 1
        per_obs = r["seconds"] / n
        print(f"{model:<22} {lookup:>6} {n:>4} {r['calls'] / n:>9.2f} {r['prompt_tokens'] / n:>10.0f} "
              f"{r['cached_prompt_tokens'] / n:>10.0f} {r['completion_tokens'] / n:>7.0f} {per_obs:>11.2f} "
              f"{per_obs * args.per_hour / 3600:>10.0%}")
    print(f"hour share = model seconds per observation x {args.per_hour:.0f} / 3600; goal <= 25%")


if __name__ == "__main__":
    main()
