"""The on-device predictor: statistical candidates, the in-context model call, online scoring and calibration."""

import pytest

from gumd.models import LlamaCppModel
from gumd.models.registry import PRESETS, assemble
from gumd.nap.actions import Moment, Segmenter, record
from gumd.nap.predict import REASON_CHARS, Predictor
from gumd.store import Store

DAY = 86400.0
START = 1_700_000_000.0


def workday(t0: float) -> list[Moment]:
    """Pull, edit, save, test, look something up: a developer's loop."""
    return [
        Moment(t0, "xterm", "bash", text="me@box:~/gumd$ git pull\nAlready up to date.\n"),
        Moment(t0 + 10, "code", "main.py - Visual Studio Code", text="def main():\n    run()\n"),
        Moment(t0 + 20, "code", "main.py - Visual Studio Code", input_summary="120 keys, shortcuts ctrl+s"),
        Moment(t0 + 30, "xterm", "bash", text="me@box:~/gumd$ git pull\nAlready up to date.\nme@box:~/gumd$ make test\n"),
        Moment(t0 + 40, "firefox", "pytest fixtures - Google Search - Mozilla Firefox", text="pytest fixtures"),
    ]


def replay(predictor: Predictor, store: Store, days: int) -> None:
    seg = Segmenter()
    for d in range(days):
        for m in workday(START + d * DAY):
            for action in record(store, seg, m):
                predictor.predict_next(screen_text=m.text, now=action.at - 1, use_model=False)
                predictor.observe(action)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> LlamaCppModel:
    path = assemble(PRESETS["qwen2.5-coder-0.5b"], tmp_path_factory.mktemp("models"))
    return LlamaCppModel(path, threads=2, context=4096)


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


def test_the_model_predicts_in_context_and_its_prediction_is_scored(tmp_path, model):
    store = Store(tmp_path / "gumd.db")
    predictor = Predictor(store, model, consult_below=1.0)  # always ask the model
    replay(predictor, store, days=3)
    now = START + 3 * DAY - 1
    prediction = predictor.predict_next(screen_text="me@box:~/gumd$ ", now=now)
    assert prediction.source == "model", "the model's answer was not usable"
    assert prediction.reasoning and len(prediction.reasoning) <= REASON_CHARS
    assert prediction.trace_ids, "no past trace was retrieved for a moment seen three times"
    top = prediction.top
    assert top.key in {c.key for c in predictor.candidates(now)}  # the model picks among the candidates
    assert top.kind in ("switch", "open", "command", "save", "search") and 0 < top.confidence <= 1
    assert len({a.key for a in prediction.actions}) == len(prediction.actions)  # no candidate twice
    (action,) = [a for a in record(store, Segmenter(), Moment(now + 1, "xterm", "bash")) if a.kind == "switch"]
    scored = predictor.observe(action)
    assert [p.source for p in scored] == ["model"] and scored[0].exact in (0, 1)


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
