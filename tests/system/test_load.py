"""The load test's mechanics (bench/load.py), at a tiny size so they stay tested: synthetic activity
through `gumd replay --speed` into a real daemon while clients query it over the socket and TCP.

The model is the loopback stub (tests/models_support.py); the full run with the packaged model is
`python bench/load.py` (figures in docs/benchmarks.md)."""

from __future__ import annotations

import importlib.util
import json
import sys

from tests.support.environment import REPO


def _bench_load():
    spec = importlib.util.spec_from_file_location("bench_load", REPO / "bench" / "load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_synthetic_activity_is_a_replay_folder_and_the_same_for_a_seed(tmp_path):
    load = _bench_load()
    a = load.generate_activity(tmp_path / "a", 600, seed=3, end=1_800_000_000)
    b = load.generate_activity(tmp_path / "b", 600, seed=3, end=1_800_000_000)
    assert (tmp_path / "a" / "events.jsonl").read_text() == (tmp_path / "b" / "events.jsonl").read_text()
    events = [json.loads(line) for line in (tmp_path / "a" / "events.jsonl").read_text().splitlines()]
    assert {e["type"] for e in events} == {"focus", "input", "frame"}
    assert a.frames == b.frames == sum(e["type"] == "frame" for e in events) >= 10
    assert all(1_800_000_000 - 600 <= e["t"] <= 1_800_000_000 for e in events)


def test_clients_querying_during_a_replay_at_10x_get_every_answer(tmp_path):
    load = _bench_load()
    result = load.run_load(minutes=0.4, speed=10, clients=5, tcp_clients=1, stub_model=True, think_s=0.3,
                           sample_s=2, stream_s=5, work_dir=tmp_path / "work", log=lambda *a: None)
    assert result.tally.failures == []
    assert result.replay_rc == 0
    assert result.final_status["observations"].get("pending", 0) + result.final_status["observations"].get(
        "done", 0) >= result.activity.frames // 2
    assert result.final_status["observations"].get("done", 0) >= 1
    routes = result.tally.latencies
    assert {"status", "search", "context", "observations"} <= set(routes)
    assert sum(len(v) for v in routes.values()) >= 20
    assert all(s.daemon_mb for s in result.samples)
