"""The propositions engine's failure paths with small stand-in models; the real packaged model runs in
tests/integration/test_engine_model.py."""

import threading

import pytest

from gumd.models.lm import SchemaViolation
from gumd.propositions.engine import Engine
from gumd.propositions.calibrate import Calibrator
from gumd.propositions.digest import Digester
from gumd.propositions.propose import propose
from gumd.store import Observation, Store
from tests.support.propositions import MAIL, SHEET, Scripted, add, said

EVEN = Calibrator({}, 0.0)  # every candidate at confidence 5: these tests are about the engine, not the table


def test_a_failing_batch_is_retried_with_backoff_then_parked_and_the_engine_goes_on(tmp_path):
    store = Store(tmp_path / "g.db")
    first = add(store, MAIL, "thunderbird", "Inbox", 1000.0)
    good = said("The user has to pay the wedding deposit by June 30")
    lm = Scripted(["not json", '{"statement": 3}', "[]", "{}", good])
    engine = Engine(store, lambda: lm, max_observations=1, max_attempts=2, backoff_s=3600, calibrator=EVEN)
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
    (activity,) = Digester().digest([Observation(1.0, 2.0, "a", "b", "From: Marta Silva <m@x.pt>\nvenue due 8 May", "",
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
    engine = Engine(store, lambda: Scripted([release]), calibrator=EVEN)
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
    answer = said("The user is planning the Lisbon wedding on September 14")
    lm = Scripted([answer, answer])
    engine = Engine(store, lambda: lm, calibrator=EVEN)
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


def test_the_engine_scores_with_the_confidence_table_of_the_model_that_answers(tmp_path):
    scored = {}
    for name in ("qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "qwen2.5-coder-1.5b-instruct.gguf"):
        store = Store(tmp_path / f"{name}.db")
        add(store, MAIL, "thunderbird", "Inbox", 1000.0)
        lm = Scripted([said("The user has to book TAP flight TP 218 for Marta Silva by September 14 at 16:00")])
        lm.name = name  # as LlamaCppModel names a model: its file's name
        (stored,) = [store.propositions.get(i) for i in Engine(store, lambda: lm).run_once().propositions]
        scored[name] = stored.confidence
        assert stored.confidence == Calibrator.packaged(name).confidence(stored.grounding["features"])
    assert len(set(scored.values())) == 2


def test_the_floor_under_which_candidates_are_not_stored_can_be_lowered_for_a_tables_fit(tmp_path):
    doubtful = Calibrator({}, -1.5)  # every candidate at confidence 2, under gumd's floor
    for floor, stored, dropped in (({}, 0, {"unsure": 1}), ({"min_confidence": 1}, 1, {})):  # gumd's own; 1
        store = Store(tmp_path / f"{stored}.db")
        add(store, MAIL, "thunderbird", "Inbox", 1000.0)
        lm = Scripted([said("The user has to book TAP flight TP 218 for Marta Silva by September 14 at 16:00")])
        engine = Engine(store, lambda: lm, calibrator=doubtful, **floor)
        assert len(engine.run_once().propositions) == stored and engine.dropped == dropped
