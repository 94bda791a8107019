"""`gumd eval nap --in-context`: the in-context predictor with the real packaged model beside the statistics, on a
recorded session written by bench/nap_session.py."""

import argparse
import importlib.util
import json

from gumd.commands import eval as eval_command
from gumd.nap.evaluate import read_gumd
from tests.support.environment import REPO


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
        assert rows[name]["top1"] <= rows[name]["similarity"] <= 1  # an exact top-1 describes the action fully
