"""Next-action prediction benchmark: accuracy on D2U and SEA, time per action, in-context latency.

    PYTHONPATH=. python bench/nap.py [--sea-users 40] [--model-calls 10]

Data: ../shared/data (D2U participant1, oeschsec/D2U-artifacts; SEA, Schonlau et al. 2001),
read in place, measurement only. Baselines are measured in the same run, same protocol:
prequential, current app excluded for app switches, macro average over users, SEA commands 1-5000.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gumd.config import load_settings  # noqa: E402
from gumd.models import load_language_model  # noqa: E402
from gumd.nap.actions import make_action  # noqa: E402
from gumd.nap.baselines import standard_predictors  # noqa: E402
from gumd.nap.evaluate import Stream, evaluate_stream, macro_average, read_d2u, read_sea  # noqa: E402
from gumd.nap.predict import Predictor  # noqa: E402
from gumd.store import Store  # noqa: E402

DATA = REPO.parent / "shared" / "data"
SCREEN = ("me@box:~/thesis$ make figures\npython plot.py --all\nwrote fig/accuracy.pdf\n"
          "me@box:~/thesis$ git status\nOn branch main\nChanges not staged for commit:\n  modified: chapter3.tex\n")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}, {platform.system()}"


def accuracy(streams: list[Stream]) -> list[tuple]:
    rows = []
    per: dict[str, list] = {}
    seconds: dict[str, float] = {}
    for stream in streams:
        for p in standard_predictors():
            t = time.perf_counter()
            per.setdefault(p.name, []).append(evaluate_stream(stream, p))
            seconds[p.name] = seconds.get(p.name, 0.0) + time.perf_counter() - t
    for name, scores in per.items():
        s = macro_average(scores)
        rows.append((name, s.top1, s.top5, s.mrr, s.n, 1000 * seconds[name] / s.n))
    return rows


def in_context_latency(calls: int) -> tuple[float, float, list[float], str]:
    """Model load, first call and warm calls of predict_next with the default model, on real D2U switches.

    300 switches are learned first; between calls the next real switch is observed, so each prompt differs
    from the last as it would in use (recent actions, retrieved traces) and only its unchanged prefix is reused.
    """
    settings = load_settings({}, environ={}, config_file=REPO / "absent.toml")
    model = load_language_model(settings)
    stream = read_d2u(DATA / "d2u" / "participant1.csv")
    switches = [make_action(at, "switch", app, app) for app, at in zip(stream.items, stream.times)]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.db")
        for action in switches[:300]:
            store.actions.add(action)
        predictor = Predictor(store, model, consult_below=1.0)  # time the model path on every call
        t = time.perf_counter()
        model.complete_text([{"role": "user", "content": "hi"}], max_tokens=1)  # loads the model
        load = time.perf_counter() - t
        latencies, sources = [], []
        for action in switches[300:301 + calls]:
            t = time.perf_counter()
            p = predictor.predict_next(screen_text=SCREEN, now=action.at - 1)
            latencies.append(time.perf_counter() - t)
            sources.append(p.source)
            predictor.observe(dataclasses.replace(action, id=store.actions.add(action)))
        store.close()
    answered = f"{sources.count('model')}/{len(sources)} answered by the model"
    return load, latencies[0], latencies[1:], f"{model.name} ({settings.model_threads} threads), {answered}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sea-users", type=int, default=40)
    ap.add_argument("--model-calls", type=int, default=10, help="warm in-context calls to time (0: none)")
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"benchmark data missing: {DATA}")
    print(f"machine: {machine()}")
    d2u = [read_d2u(DATA / "d2u" / "participant1.csv")]
    sea = [read_sea(DATA / "sea" / f"User{u}") for u in range(1, args.sea_users + 1)]
    for label, streams in ((f"D2U participant1 ({len(d2u[0].items)} switches)", d2u),
                           (f"SEA {len(sea)} users x 5000 commands", sea)):
        rows = accuracy(streams)
        base = {r[0]: r for r in rows}["markov-2"]
        print(f"\n{label}")
        print(f"{'predictor':<16}{'top-1':>8}{'top-5':>8}{'MRR':>8}{'vs M2 top-1':>13}{'n':>9}{'ms/action':>11}")
        for name, top1, top5, mrr, n, ms in rows:
            print(f"{name:<16}{top1:>8.1%}{top5:>8.1%}{mrr:>8.3f}{(top1 - base[1]) * 100:>+12.1f}p{n:>9}{ms:>11.3f}")
    if args.model_calls:
        load, first, warm, what = in_context_latency(args.model_calls)
        warm = sorted(warm)
        print(f"\nin-context predict_next, {what}; load average {os.getloadavg()[0]:.1f}")
        print(f"model load {load:.1f} s; first call {first:.2f} s; warm calls (n={len(warm)}): "
              f"median {warm[len(warm) // 2]:.2f} s, max {warm[-1]:.2f} s")

if __name__ == "__main__":
    main()
