"""Prequential evaluation on the real D2U and SEA data in ../shared/data, and the readers for each format."""

import argparse
import importlib.util
import json
from pathlib import Path

import pytest

from gumd.commands import eval as eval_command
from gumd.config import Settings
from gumd.nap.actions import Moment, Segmenter, record
from gumd.nap.baselines import Markov, MostFrequent
from gumd.nap.variable_order import VariableOrder
from gumd.nap.evaluate import evaluate, read_activitywatch, read_d2u, read_gumd, read_sea
from gumd.store import Store
from tests.support.environment import REPO

DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="module")
def data() -> Path:
    if not (DATA / "d2u" / "participant1.csv").is_file() or not (DATA / "sea" / "User1").is_file():
        pytest.fail(f"the shared benchmark data is missing: expected it in {DATA}", pytrace=False)
    return DATA


def _by_name(scores):
    return {s.predictor: s for s in scores}


def test_d2u_markov2_reproduces_the_baseline_and_variable_order_beats_it(data):
    stream = read_d2u(data / "d2u" / "participant1.csv")
    assert len(stream.items) > 19000 and stream.exclude_current
    scores = _by_name(evaluate([stream], lambda: [MostFrequent(), Markov(2), VariableOrder()]))
    # Measured on this file with this protocol: most-frequent 32.4%, Markov-2 54.5% top-1.
    assert abs(scores["markov-2"].top1 - 0.545) < 0.01
    assert abs(scores["most-frequent"].top1 - 0.324) < 0.01
    assert scores["variable-order"].top1 > scores["markov-2"].top1 + 0.04  # measured: +4.7 points
    assert scores["variable-order"].top5 >= 0.92


def test_sea_variable_order_beats_markov2_on_the_clean_commands(data):
    streams = [read_sea(data / "sea" / f"User{u}") for u in (1, 2, 3)]
    assert all(len(s.items) == 5000 for s in streams)
    scores = _by_name(evaluate(streams, lambda: [Markov(2), VariableOrder()]))
    assert scores["markov-2"].n == 3 * 4999
    assert scores["variable-order"].top1 > scores["markov-2"].top1 + 0.02
    assert scores["variable-order"].mrr > scores["markov-2"].mrr


def test_eval_nap_json_prints_one_macro_averaged_object_per_predictor(data, capsys, tmp_path):
    parser = argparse.ArgumentParser()
    eval_command.register(parser.add_subparsers())
    files = [str(data / "sea" / "User7"), str(data / "sea" / "User8")]
    args = parser.parse_args(["eval", "nap", "--format", "sea", *files, "--json"])
    assert args.func(args, Settings(data_dir=str(tmp_path))) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["predictor"] for r in rows] == ["most-frequent", "markov-1", "markov-2", "variable-order"]
    for r in rows:
        assert r["n"] == 2 * 4999 and r["files"] == 2
        assert 0 <= r["top1"] <= r["top5"] <= 1 and r["top1"] <= r["mrr"] <= r["top5"] + 1e-9


def test_eval_nap_names_the_file_it_cannot_read(tmp_path, capsys):
    bad = tmp_path / "apps.csv"
    bad.write_text("when,what\n1,x\n")
    parser = argparse.ArgumentParser()
    eval_command.register(parser.add_subparsers())
    args = parser.parse_args(["eval", "nap", "--format", "d2u", str(bad)])
    assert args.func(args, Settings(data_dir=str(tmp_path))) == 2
    assert str(bad) in capsys.readouterr().err


def test_activitywatch_export_becomes_a_stream_of_app_switches(tmp_path):
    events = [("2024-05-01T09:00:00Z", "Firefox"), ("2024-05-01T09:00:05Z", "Firefox"),
              ("2024-05-01T09:01:00Z", "Code"), ("2024-05-01T09:02:00+00:00", "Firefox")]
    export = {"buckets": {
        "aw-watcher-window_laptop": {"type": "currentwindow", "events": [
            {"timestamp": t, "duration": 5.0, "data": {"app": a, "title": "x"}} for t, a in reversed(events)]},
        "aw-watcher-afk_laptop": {"type": "afkstatus", "events": [
            {"timestamp": "2024-05-01T09:00:00Z", "duration": 1.0, "data": {"status": "afk"}}]},
    }}
    path = tmp_path / "aw-export.json"
    path.write_text(json.dumps(export))
    stream = read_activitywatch(path)
    assert stream.items == ["Firefox", "Code", "Firefox"]
    assert stream.times[0] == 1714554000.0 and stream.exclude_current


def test_gumd_format_reads_the_daemons_recorded_actions(tmp_path):
    store = Store(tmp_path / "gumd.db")
    seg = Segmenter()
    for i, (app, title) in enumerate([("xterm", "bash"), ("firefox", "Docs - Firefox"), ("firefox", "API - Firefox")]):
        record(store, seg, Moment(1000.0 + i, app, title))
    store.close()
    stream = read_gumd(tmp_path / "gumd.db")
    assert stream.items == ["switch|xterm|xterm", "switch|firefox|firefox", "open|firefox|API"]
    assert stream.times == [1000.0, 1001.0, 1002.0]


def _bench_session_module():
    """bench/nap_session.py, the generator the documented in-context figure is measured on."""
    spec = importlib.util.spec_from_file_location("nap_session", REPO / "bench" / "nap_session.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_eval_nap_in_context_scores_the_model_beside_the_statistics_on_a_recorded_session(tmp_path, model_settings, capsys):
    db = tmp_path / "session.db"
    actions = _bench_session_module().write_session(db, days=2, seed=5)
    stream = read_gumd(db)
    assert len(stream.items) == actions > 20
    assert {"command|xterm|make test", "switch|code|code"} <= set(stream.items)
    parser = argparse.ArgumentParser()
    eval_command.register(parser.add_subparsers())
    args = parser.parse_args(["eval", "nap", "--format", "gumd", str(db), "--in-context", "3", "--json"])
    assert args.func(args, model_settings) == 0
    rows = {r["predictor"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["variable-order"]["n"] == actions - 1
    for name in ("statistical (replay)", "in-context"):
        assert rows[name]["n"] == 3
        assert 0 <= rows[name]["top1"] <= rows[name]["top5"] <= 1


def test_eval_nap_in_context_needs_recorded_actions_with_screen_text(data, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    eval_command.register(parser.add_subparsers())
    args = parser.parse_args(["eval", "nap", "--format", "sea", str(data / "sea" / "User1"), "--in-context", "3"])
    assert args.func(args, Settings(data_dir=str(tmp_path))) == 2
    assert "--format gumd" in capsys.readouterr().err
