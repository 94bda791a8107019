"""The on-device predictor: statistical candidates, online scoring and calibration, and when the model is asked.
The in-context model call itself is in tests/integration/test_nap_predict_model.py."""

import dataclasses

from gumd.nap.actions import Segmenter, make_action, record
from gumd.nap.novel import screen_names, unnamed_by_history
from gumd.nap.predict import Predictor
from gumd.store import Store
from tests.support.workday import DAY, START, replay, workday


def test_observed_actions_score_predictions_grow_traces_and_calibrate_confidence(tmp_path):
    store = Store(tmp_path / "gumd.db")
    predictor = Predictor(store)
    replay(predictor, store, days=6)
    outcomes = store.actions.scored_outcomes("statistical")
    assert len(outcomes) == 6 * 8 - 1  # 8 actions a day; every action but the first was predicted first
    assert 0 < store.actions.count_traces() < len(outcomes)  # repeated days replace near-duplicate traces
    hit_rate = sum(e for _, e in outcomes[:20]) / 20
    assert hit_rate > 0.7  # by the last days the loop is learned
    prediction = predictor.predict_next(now=START + 6 * DAY - 1, use_model=False)
    assert prediction.source == "statistical" and prediction.id
    assert prediction.top.key == "switch|xterm|xterm"  # after the search, each day went back to the terminal
    # Calibrated: close to the observed hit rate of its band, not just the raw probability.
    assert abs(prediction.top.confidence - prediction.top.raw_confidence) < 0.5
    assert 0.0 < prediction.top.confidence <= 1.0


def test_a_fresh_store_predicts_nothing_without_failing(tmp_path):
    prediction = Predictor(Store(tmp_path / "gumd.db")).predict_next(use_model=False)
    assert prediction.actions == [] and prediction.top is None


class Unreachable:
    """A model stand-in for one unit test: any call fails the test."""

    name = "unreachable"

    def complete_json(self, *args, **kwargs):
        raise AssertionError("the model was asked although the statistics were sure")


def test_the_model_is_asked_only_when_the_statistics_are_unsure(tmp_path):
    store = Store(tmp_path / "gumd.db")
    predictor = Predictor(store, Unreachable())
    replay(predictor, store, days=6)
    seg = Segmenter()
    first = workday(START + 6 * DAY)[0]  # day 7 opens with git pull; the editor has followed it every day
    for action in record(store, seg, first):
        predictor.observe(action)
    prediction = predictor.predict_next(screen_text=first.text, now=first.at + 1)
    assert prediction.top.key == "switch|code|code"
    assert prediction.source == "statistical" and prediction.top.raw_confidence >= predictor.consult_below


def test_the_model_is_not_consulted_where_the_statistics_name_every_action_the_screen_does(tmp_path):
    store = Store(tmp_path / "gumd.db")
    predictor = Predictor(store, Unreachable())
    replay(predictor, store, days=3)
    screen = "me@box:~/gumd$ make test\n3 passed\nopen main.py next, then `make test` and `git pull`\n"
    prediction = predictor.predict_next(screen_text=screen, now=START + 3 * DAY - 1)
    assert prediction.source == "statistical" and prediction.top is not None


def test_documents_and_commands_the_screen_names_but_no_action_had_are_what_the_model_is_asked_about():
    screen = ("From: Ana\nPlease fill in budget-2027.xlsx and run `make migrate` before Friday; see docs/setup.md.\n"
              "  $ pip install gumd\nFAILED tests/test_parser.py::test_roundtrip - 1 failed in 3.2s (v1.2.3)\n")
    assert [(n.kind, n.target) for n in screen_names(screen)] == [
        ("open", "budget-2027.xlsx"), ("command", "make migrate"), ("open", "setup.md"),
        ("command", "pip install gumd"), ("open", "test_parser.py")]
    known = {"test_parser.py - gumd - Visual Studio Code", "make migrate"}
    assert [n.target for n in unnamed_by_history(screen, known)] == ["budget-2027.xlsx", "setup.md", "pip install gumd"]


def test_the_novelty_rate_is_how_often_something_new_followed_an_action_in_the_current_app(tmp_path):
    store = Store(tmp_path / "gumd.db")
    predictor = Predictor(store)
    for i in range(9):
        for action in (make_action(100.0 * i, "switch", "evince", "evince"),
                       make_action(100.0 * i + 1, "open", "evince", f"spec-{i}.pdf"),
                       make_action(100.0 * i + 2, "switch", "code", "code")):
            predictor.observe(dataclasses.replace(action, id=store.actions.add(action)))
    assert predictor.novelty_rate() < 0.2  # after the editor: the viewer again, every time
    predictor.observe(make_action(901.0, "switch", "evince", "evince"))
    assert predictor.novelty_rate() > 0.4  # in the viewer: something new came next ten times in eighteen
