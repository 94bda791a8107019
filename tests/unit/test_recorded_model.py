"""Model answers recorded in a file and replayed from it (`gumd eval propositions --answers`)."""

import json
import stat

from pydantic import BaseModel

from gumd.models.lm import Generation
from gumd.models.recorded import RecordedModel
from tests.support.propositions import Scripted


class Timed(Scripted):
    """Scripted answers that each took the model 1.5 s."""

    def _generate(self, messages, schema, max_tokens, retry=False):
        return Generation(super()._generate(messages, schema, max_tokens, retry).text, "stop", seconds=1.5)


class Answer(BaseModel):
    statement: str


ASK = [{"role": "user", "content": "What is due?"}]
OTHER = [{"role": "user", "content": "What else?"}]


def test_an_answer_is_recorded_once_and_replayed_with_its_model_time(tmp_path):
    answers = tmp_path / "answers.jsonl"
    first = RecordedModel(Timed([json.dumps({"statement": "the report"})]), answers)
    assert first.complete_json(ASK, Answer).statement == "the report"
    assert (first.recorded, first.replayed) == (1, 0) and first.model.calls == 1
    assert stat.S_IMODE(answers.stat().st_mode) == 0o600  # screen text in prompts stays the user's

    again = RecordedModel(Scripted([json.dumps({"statement": "a new answer"})]), answers)
    assert again.complete_json(ASK, Answer).statement == "the report"  # replayed, the model not asked
    assert (again.replayed, again.model.calls) == (1, 0)
    assert again.usage.calls == 1 and again.usage.seconds == 1.5  # the model time it took when recorded

    assert again.complete_json(OTHER, Answer).statement == "a new answer"  # a new request goes to the model
    assert (again.recorded, again.model.calls) == (1, 1)
    assert len(answers.read_text().splitlines()) == 2


def test_a_line_cut_short_by_a_stopped_run_is_skipped_and_the_rest_replayed(tmp_path):
    answers = tmp_path / "answers.jsonl"
    RecordedModel(Scripted([json.dumps({"statement": "the report"})]), answers).complete_json(ASK, Answer)
    with answers.open("a") as f:
        f.write('["3f2a", {"text": "{\\"statem')  # the run was killed while writing
    replay = RecordedModel(Scripted([json.dumps({"statement": "more"})]), answers)
    assert replay.complete_json(ASK, Answer).statement == "the report"
    assert replay.complete_json(OTHER, Answer).statement == "more"  # recorded on a line of its own
    again = RecordedModel(Scripted([]), answers)
    assert [again.complete_json(q, Answer).statement for q in (ASK, OTHER)] == ["the report", "more"]
