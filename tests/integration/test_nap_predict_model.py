"""The next-action predictor asking the real packaged model in context, and its prediction scored."""

import pytest

from gumd.models import LlamaCppModel
from gumd.nap.actions import Moment, Segmenter, record
from gumd.nap.predict import REASON_CHARS, Predictor
from gumd.store import Store
from tests.support.workday import DAY, START, replay


@pytest.fixture(scope="module")
def model(model_path) -> LlamaCppModel:
    return LlamaCppModel(model_path, threads=2, context=4096)


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


def test_the_model_names_a_document_the_screen_asks_for_and_it_ranks_by_how_often_new_things_follow(tmp_path,
                                                                                                     model):
    store = Store(tmp_path / "gumd.db")
    predictor = Predictor(store, model)  # default routing: the model only for what the statistics cannot name
    replay(predictor, store, days=3)
    now = START + 3 * DAY - 1
    screen = "From: Ana\nSubject: budget\nPlease open budget-2027.xlsx now and fill in your team's numbers today."
    statistical = predictor.candidates(now)
    assert "budget-2027.xlsx" not in {c.target for c in statistical}
    prediction = predictor.predict_next(screen_text=screen, now=now)
    named = [a for a in prediction.actions if a.target == "budget-2027.xlsx"]
    assert [a.kind for a in named] == ["open"], "the model was not consulted, or named none of the screen's documents"
    assert prediction.trace_ids, "no past trace was retrieved for a moment seen three times"
    # After the browser, something new followed once in five actions: the statistics' sure pick stays first.
    assert predictor.novelty_rate() < 0.2 and prediction.top.key == statistical[0].key
    assert {c.key for c in statistical} <= {a.key for a in prediction.actions}
