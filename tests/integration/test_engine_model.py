"""The propositions engine's model steps with the real packaged model: propose over a batch, and revise against
a held belief. The failure paths, with stand-in models, are in tests/unit/test_engine.py and test_revise.py."""

from gumd.models.lm import LlamaCppModel
from gumd.propositions.engine import Engine, apply_operations
from gumd.propositions.retrieve import Retriever
from gumd.propositions.revise import revise
from gumd.store import Store
from tests.support.propositions import MAIL, SHEET, add, candidate, trip_store


def test_real_model_proposes_valid_propositions_linked_to_their_observations(tmp_path, model_path):
    store = Store(tmp_path / "g.db")
    mailbox = "Inbox - alex.rivera@posteo.net - Mozilla Thunderbird"  # the account a mail client's title shows
    ids = [add(store, MAIL, "thunderbird", mailbox, 1000.0), add(store, SHEET, "soffice", "wedding-budget.ods", 1060.0)]
    lm = LlamaCppModel(model_path, threads=2, context=4096)
    outcome = Engine(store, lambda: lm).run_once()
    assert outcome.error is None and outcome.observations == 2 and outcome.propositions
    for pid in outcome.propositions:
        p = store.propositions.get(pid)
        assert 1 <= p.confidence <= 10 and 1 <= p.decay <= 10 and len(p.text) >= 10
        assert p.evidence and {o.id for o in p.evidence} <= set(ids)
    assert {o.status for o in store.observations.newest()} == {"done"}


def test_real_model_returns_a_valid_operation(tmp_path, model_path):
    store, obs, held = trip_store(tmp_path)
    lm = LlamaCppModel(model_path, threads=2, context=4096)
    ops = revise(lm, Retriever(store), [candidate("The user booked TAP flight TP 218 to Lisbon for June", obs[1])])
    assert len(ops) == 1 and ops[0].kind in {"new", "refine", "contradict", "duplicate"}
    if ops[0].kind != "new":
        assert ops[0].target.id == held
    ids = apply_operations(store, ops)
    assert all(store.propositions.get(i) for i in ids)
