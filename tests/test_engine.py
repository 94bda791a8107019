"""The propositions engine: the real packaged model, plus failure paths with small stand-in models."""

import json
import threading

import pytest

from gumd.models.lm import Generation, LanguageModel, LlamaCppModel, SchemaViolation
from gumd.propositions.engine import Engine
from gumd.propositions.calibrate import Calibrator
from gumd.propositions.digest import Digester
from gumd.propositions.propose import propose
from gumd.store import NewObservation, Observation, Store

MAIL = (
    "Inbox - Thunderbird. From: Marta Silva. Subject: Lisbon wedding - flights. Hi Alex, we booked the venue "
    "Quinta da Regaleira for September 14. Could you book TAP flight TP 218 from Boston for both of us? "
    "Budget is 900 EUR per person. Thanks, Marta"
)
SHEET = "wedding-budget.ods - LibreOffice Calc. Venue 12000 EUR. Flights TP 218 1800 EUR. Guests 120. Catering 9600 EUR"


def add(store, text, app, title, t):
    return store.observations.add(
        NewObservation(started_at=t, ended_at=t + 5, app=app, title=title, text=text, input_summary="40 keys",
                       source="test")
    )


def said(statement: str) -> str:
    """An answer to the propose step: one statement about the user."""
    return json.dumps({"statement": statement, "confidence": 8})


class Scripted(LanguageModel):
    """Answers from a script, one entry per call; an Event entry blocks until set."""

    name = "scripted"

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0
        self.prompts = []  # the last message of each call

    def _generate(self, messages, schema, max_tokens):
        self.calls += 1
        self.prompts.append(messages[-1]["content"])
        answer = self.answers.pop(0)
        if isinstance(answer, threading.Event):
            answer.wait(10)
            answer = said("")
        return Generation(text=answer, finish_reason="stop")


def test_real_model_proposes_valid_propositions_linked_to_their_observations(tmp_path, model_path):
    store = Store(tmp_path / "g.db")
    ids = [add(store, MAIL, "thunderbird", "Inbox", 1000.0), add(store, SHEET, "soffice", "wedding-budget.ods", 1060.0)]
    lm = LlamaCppModel(model_path, threads=2, context=4096)
    outcome = Engine(store, lambda: lm).run_once()
    assert outcome.error is None and outcome.observations == 2 and outcome.propositions
    for pid in outcome.propositions:
        p = store.propositions.get(pid)
        assert 1 <= p.confidence <= 10 and 1 <= p.decay <= 10 and len(p.text) >= 10
        assert p.evidence and {o.id for o in p.evidence} <= set(ids)
    assert {o.status for o in store.observations.newest()} == {"done"}


def test_a_failing_batch_is_retried_with_backoff_then_parked_and_the_engine_goes_on(tmp_path):
    store = Store(tmp_path / "g.db")
    first = add(store, MAIL, "thunderbird", "Inbox", 1000.0)
    good = said("The user is planning the wedding budget")
    lm = Scripted(["not json", '{"statement": 3}', "[]", "{}", good])
    engine = Engine(store, lambda: lm, max_observations=1, max_attempts=2, backoff_s=3600)
    retry = engine.run_once()
    assert retry.status == "retry" and "scripted" in retry.error and lm.calls == 2
    assert store.observations.get(first).status == "waiting"
    assert engine.run_once() is None  # not due for an hour; nothing else pending
    with store.database.transaction():  # the hour passes
        store.database.execute("UPDATE batches SET next_attempt_at = 0")
    parked = engine.run_once()
    assert parked.batch_id == retry.batch_id and parked.status == "failed" and lm.calls == 4
    assert store.observations.get(first).status == "failed"
    second = add(store, SHEET, "soffice", "budget", 2000.0)
    ok = engine.run_once()
    assert ok.error is None and len(ok.propositions) == 1 and ok.operations == {"new": 1}
    assert [o.id for o in store.propositions.get(ok.propositions[0]).evidence] == [second]
    assert store.counts()["failed_batches"] == 1


def test_a_statement_naming_what_its_passage_never_shows_is_dropped_and_counted():
    lm = Scripted([said("The user is planning a wedding with Zed Invented")])
    (activity,) = Digester().digest([Observation(1.0, 2.0, "a", "b", "From: Marta Silva <m@x.pt>\nsome text", "",
                                                 "test", id=1)])
    proposal = propose(lm, activity, Calibrator({}, 0.0))
    assert proposal.candidates == [] and proposal.dropped == {"ungrounded": 1} and lm.calls == 1


def test_an_answer_outside_the_schema_is_a_schema_violation():
    lm = Scripted(['{"statement": "x", "confidence": 11}'] * 2)
    (activity,) = Digester().digest([Observation(1.0, 2.0, "a", "b", "Report due Friday 8 May", "", "test", id=1)])
    with pytest.raises(SchemaViolation):
        propose(lm, activity, Calibrator({}, 0.0))
    assert lm.calls == 2


def test_shutdown_gives_a_batch_still_in_the_model_back_to_the_queue(tmp_path):
    store = Store(tmp_path / "g.db")
    obs_id = add(store, MAIL, "thunderbird", "Inbox", 1000.0)
    release = threading.Event()
    engine = Engine(store, lambda: Scripted([release]))
    worker = threading.Thread(target=engine.run_once)
    worker.start()
    while not engine.busy:
        pass
    engine.stop()
    assert store.observations.get(obs_id).status == "pending"
    release.set()
    worker.join(5)
    assert store.observations.get(obs_id).status == "pending"
    assert engine.run_once() is None


def test_a_batch_whose_result_cannot_be_written_goes_back_to_the_queue_and_is_done_once(tmp_path, monkeypatch):
    import sqlite3

    store = Store(tmp_path / "g.db")
    first = add(store, MAIL, "thunderbird", "Inbox", 1000.0)
    answer = said("The user is planning the Lisbon wedding")
    lm = Scripted([answer, answer])
    engine = Engine(store, lambda: lm)
    finish = store.batches.finish

    def disk_full(batch_id):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.batches, "finish", disk_full)
    with pytest.raises(sqlite3.OperationalError):
        engine.run_once()
    assert store.observations.get(first).status == "processing"  # the write rolled back as a whole
    assert store.counts()["propositions"] == 0
    monkeypatch.setattr(store.batches, "finish", finish)
    outcome = engine.run_once()  # space again: the stranded batch is given back, then done
    assert outcome.error is None and len(outcome.propositions) == 1
    assert store.observations.get(first).status == "done"
    assert [len(store.propositions.get(p).evidence) for p in outcome.propositions] == [1]
    assert engine.run_once() is None and lm.calls == 2
