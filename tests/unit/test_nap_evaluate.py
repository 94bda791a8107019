"""Prequential evaluation and the readers of each format `gumd eval nap` takes, on small generated files
(tests/support/behaviour_data.py) whose best achievable accuracy is known: a cycle is certain after its first
passes, uniform noise allows no better than chance.

Accuracy on the real D2U and SEA data (../shared/data) is measured, not asserted here:
`PYTHONPATH=. .venv/bin/python bench/nap.py --sea-users 3 --model-calls 0` prints it for D2U participant 1 and
SEA users 1-3, each predictor beside Markov-2 (the full run, `bench/nap.py`, is in docs/nap.md). The in-context
replay's scoring is checked here with a scripted stand-in for the model; the in-context predictor with the real
model: tests/integration/test_nap_in_context.py.
"""

import argparse
import json

import pytest

from gumd import models
from gumd.commands import eval as eval_command
from gumd.nap.actions import Moment, Segmenter, make_action, record
from gumd.nap.baselines import standard_predictors
from gumd.nap.evaluate import (
    Stream,
    StreamFormatError,
    evaluate,
    in_context_replay,
    read_activitywatch,
    read_d2u,
    read_gumd,
    read_sea,
)
from gumd.store import Store
from tests.support.behaviour_data import (
    D2U_APPS,
    SEA_CLEAN,
    SEA_MASQUERADE,
    SEA_TOTAL,
    app_walk,
    cycle,
    sea_user,
    uniform,
    write_d2u,
    write_sea,
)


def _by_name(scores):
    return {s.predictor: s for s in scores}


def _eval_nap(*argv: str):
    """`gumd eval nap ARGV`, parsed as the command line parses it."""
    parser = argparse.ArgumentParser()
    eval_command.register(parser.add_subparsers())
    return parser.parse_args(["eval", "nap", *argv])


def test_d2u_rows_become_app_switches_and_a_recording_that_opens_in_the_same_app_adds_none(tmp_path):
    path = tmp_path / "participant1.csv"
    switches = app_walk(120, D2U_APPS, seed=1)
    starts = write_d2u(path, switches, per_recording=40)
    assert len(path.read_text().splitlines()) == 1 + 120 + 2  # header, switches, two recordings opening again
    stream = read_d2u(path)
    assert stream.items == switches and stream.times == pytest.approx(starts, abs=1e-6)
    assert stream.name == "participant1" and stream.exclude_current


def test_sea_gives_the_first_5000_commands_only_the_users_own(tmp_path):
    commands = sea_user(seed=3)
    assert len(commands) == SEA_TOTAL and set(commands[SEA_CLEAN:]) & set(SEA_MASQUERADE)
    write_sea(tmp_path / "User1", commands)
    stream = read_sea(tmp_path / "User1")
    assert stream.items == commands[:SEA_CLEAN] and not set(stream.items) & set(SEA_MASQUERADE)
    assert stream.name == "User1" and stream.times is None and not stream.exclude_current
    (tmp_path / "User2").write_text("\n\n")
    with pytest.raises(StreamFormatError, match="User2: no commands found"):
        read_sea(tmp_path / "User2")


def test_a_cycle_is_predicted_without_error_after_two_passes_by_a_long_enough_context():
    pattern = ("edit", "build", "edit", "test")  # what follows "edit" depends on the item before it
    stream = Stream("cycle", cycle(pattern, 150))
    scores = _by_name(evaluate([stream], standard_predictors))
    n = len(stream.items) - 1
    for name in ("markov-2", "variable-order"):
        assert scores[name].n == n and scores[name].top1 >= 1 - 2 * len(pattern) / n, name
    assert scores["markov-1"].top1 <= 0.75  # after "edit", one item back cannot tell build from test


def test_variable_order_reaches_a_context_markov_2_cannot_see():
    pattern = ("x", "a", "b", "c", "y", "a", "b", "d")  # after "a b": c or d, decided three items back
    stream = Stream("cycle", cycle(pattern, 100))
    scores = _by_name(evaluate([stream], standard_predictors))
    n = len(stream.items) - 1
    assert scores["markov-2"].top1 <= 1 - 2 / len(pattern) / 2  # at best half of the "a b" positions
    assert scores["variable-order"].top1 >= 1 - 2 * len(pattern) / n


def test_no_predictor_beats_chance_on_uniform_noise():
    commands = Stream("noise", uniform(2000, 10, seed=11))
    switches = Stream("switches", app_walk(2000, [f"app{i}" for i in range(10)], seed=12), exclude_current=True)
    for stream, chance in ((commands, 1 / 10), (switches, 1 / 9)):  # the current app is never next
        for s in evaluate([stream], standard_predictors):
            assert abs(s.top1 - chance) <= 0.03, (stream.name, s)
            assert s.top5 <= 5 * chance + 0.04 and s.top1 <= s.mrr <= s.top5, (stream.name, s)


def test_eval_nap_json_prints_one_macro_averaged_object_per_predictor(tmp_path, settings, capsys):
    files = []
    for user in (7, 8):
        write_sea(tmp_path / f"User{user}", sea_user(seed=user)[:300])
        files.append(str(tmp_path / f"User{user}"))
    args = _eval_nap("--format", "sea", *files, "--json")
    assert args.func(args, settings) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["predictor"] for r in rows] == ["most-frequent", "markov-1", "markov-2", "variable-order"]
    for r in rows:
        assert r["n"] == 2 * 299 and r["files"] == 2
        assert 0 <= r["top1"] <= r["top5"] <= 1 and r["top1"] <= r["mrr"] <= r["top5"] + 1e-9


def test_eval_nap_names_the_file_it_cannot_read(tmp_path, settings, capsys):
    bad = tmp_path / "apps.csv"
    bad.write_text("when,what\n1,x\n")
    args = _eval_nap("--format", "d2u", str(bad))
    assert args.func(args, settings) == 2
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


def test_eval_nap_in_context_needs_recorded_actions_with_screen_text(tmp_path, settings, capsys):
    write_sea(tmp_path / "User1", sea_user(seed=1)[:50])
    args = _eval_nap("--format", "sea", str(tmp_path / "User1"), "--in-context", "3")
    assert args.func(args, settings) == 2
    assert "--format gumd" in capsys.readouterr().err


class PicksTheFirst:
    """A model stand-in for the replay's unit tests: always picks the first document the screen names."""

    name = "scripted"

    def __init__(self):
        self.asked = 0

    def complete_json(self, messages, schema, **kwargs):
        self.asked += 1
        return schema(choice=1, why="the dialog names it")


def _specs_session(path, days: int = 8) -> None:
    """Each day: the viewer with a file dialog naming a new spec, that spec opened, back to the editor. The
    statistics can only name the spec opened before ("Opened spec-4.pdf ..." for spec-5: a near miss)."""
    store = Store(path)
    t = 1000.0
    for i in range(days):
        for kind, app, target, screen in (("switch", "evince", "evince", f"Open File\nspec-{i}.pdf\n"),
                                          ("open", "evince", f"spec-{i}.pdf", ""),
                                          ("switch", "code", "code", "")):
            store.actions.add(make_action(t, kind, app, target, screen))
            t += 10
    store.close()


def test_the_replay_scores_each_top_description_against_the_real_next_action(tmp_path):
    _specs_session(tmp_path / "session.db")
    model = PicksTheFirst()
    replayed = in_context_replay(tmp_path / "session.db", model, last=6)  # days 7 and 8: switch, open, switch
    stat, ctx = replayed["statistical (replay)"], replayed["in-context"]
    assert model.asked == 2  # only before each open: the dialog names a spec no action had
    near_miss = 1 / 7  # "Opened spec-5.pdf in evince" against "Opened spec-6.pdf in evince": 1 of 7 word trigrams
    assert stat.ranks == [1, None, 1, 1, None, 1]
    assert stat.similarities == pytest.approx([1.0, near_miss, 1.0, 1.0, near_miss, 1.0])
    assert stat.similarities_when_top1_wrong() == pytest.approx([near_miss, near_miss])
    assert ctx.ranks == [1] * 6 and ctx.similarities == [1.0] * 6
    assert ctx.similarities_when_top1_wrong() == []
    score = stat.score("statistical (replay)")
    assert (score.top1, score.n) == (pytest.approx(4 / 6), 6)
    assert score.similarity == pytest.approx((4 + 2 * near_miss) / 6)


def test_eval_nap_in_context_reports_the_description_similarity_of_each_source(tmp_path, settings, capsys,
                                                                                monkeypatch):
    _specs_session(tmp_path / "session.db")
    monkeypatch.setattr(models, "load_language_model", lambda settings: PicksTheFirst())
    args = _eval_nap("--format", "gumd", str(tmp_path / "session.db"), "--in-context", "6", "--json")
    assert args.func(args, settings) == 0
    rows = {r["predictor"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert rows["statistical (replay)"]["similarity"] == pytest.approx((4 + 2 / 7) / 6, abs=1e-4)
    assert rows["in-context"]["similarity"] == 1.0
    assert "similarity" not in rows["variable-order"]  # the statistical predictors alone have no captions
    args = _eval_nap("--format", "gumd", str(tmp_path / "session.db"), "--in-context", "6")
    assert args.func(args, settings) == 0
    lines = {line.split(" top-1")[0].strip(): line for line in capsys.readouterr().out.splitlines()}
    assert lines["statistical (replay)"].endswith("description similarity 0.714")
    assert lines["in-context"].endswith("description similarity 1.000")
