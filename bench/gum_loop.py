"""Throughput of the whole GUM loop (propose -> retrieve -> revise -> store -> embed) with a real model.

    .venv/bin/python bench/gum_loop.py [--model qwen2.5-coder-0.5b] [--rounds 2] [--per-hour 120]

Feeds the observations of tests/scenarios/*.jsonl (real-looking screen text, 4 minutes apart)
through the engine `--rounds` times on a fresh store, and reports model seconds per
observation. "Keeps up" means processing time <= 25% of the activity's wall time at the
given observation rate (`--per-hour`, observations stored per active hour).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gumd.config import load_settings  # noqa: E402
from gumd.daemon import SharedModel  # noqa: E402
from gumd.models import load_embedder  # noqa: E402
from gumd.propositions.engine import Engine  # noqa: E402
from gumd.propositions.evaluate import load_scenario  # noqa: E402
from gumd.propositions.retrieve import Retriever  # noqa: E402
from gumd.store import Store  # noqa: E402

SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "scenarios"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="qwen2.5-coder-0.5b")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--per-hour", type=float, default=120.0, help="observations stored per active hour")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"data_dir": tmp, "model": args.model}, environ={}, config_file=Path("/nonexistent"))
        store = Store(settings.db_path)
        embedder = load_embedder(settings)
        engine = Engine.from_settings(store, SharedModel(settings), Retriever(store, embedder), settings)
        engine.max_attempts = 1
        observations = [o for path in sorted(SCENARIOS.glob("*.jsonl")) for o in load_scenario(path).observations]
        SharedModel(settings)()  # load outside the timed part
        shift = 0.0
        for _ in range(args.rounds):
            for o in observations:
                store.add_observation(dataclasses.replace(o, started_at=o.started_at + shift, ended_at=o.ended_at + shift))
            shift += 86400
        start = time.monotonic()
        batches = failed = 0
        ops: dict[str, int] = {}
        while (outcome := engine.run_once()) is not None:
            batches += 1
            failed += bool(outcome.error)
            for k, v in outcome.operations.items():
                ops[k] = ops.get(k, 0) + v
            print(f"  batch {outcome.batch_id}: {outcome.observations} obs, {outcome.seconds:.1f} s, {outcome.operations}"
                  f"{' ' + outcome.status + ': ' + outcome.error if outcome.error else ''}", flush=True)
        seconds = time.monotonic() - start
        n = len(observations) * args.rounds
        per_obs = seconds / n
        share = per_obs * args.per_hour / 3600
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs; model {args.model}, {settings.model_threads} threads")
        print(f"{n} observations in {batches} batches ({failed} failed): {seconds:.0f} s, {per_obs:.1f} s/observation, "
              f"{60 / per_obs:.1f} observations/minute; operations {ops}")
        print(f"at {args.per_hour:.0f} observations per active hour the engine needs {100 * share:.0f}% of that hour "
              f"({'keeps up' if share <= 0.25 else 'falls behind'}: goal <= 25%)")
        store.close()


if __name__ == "__main__":
    main()
