"""Revision: explicit operations, history kept, confidence moved by evidence. Scripted answers here;
the real model in tests/integration/test_engine_model.py."""

import json

from gumd.propositions.engine import apply_operations
from gumd.propositions.retrieve import Retriever
from gumd.propositions.revise import revise
from gumd.propositions.propose import Candidate
from gumd.store import NewObservation, NewProposition, Store
from tests.support.propositions import Scripted, candidate, trip_store


def decision(n, op, target, text="", confidence=8):
    return {"new_statement": n, "operation": op, "target": target, "revised_text": text, "confidence": confidence}


def test_same_words_is_a_duplicate_without_asking_the_model_and_raises_confidence(tmp_path):
    store, obs, held = trip_store(tmp_path)
    lm = Scripted([])
    ops = revise(lm, Retriever(store), [candidate("The user is planning a trip to Lisbon.", obs[1])])
    assert [(op.kind, op.target.id) for op in ops] == [("duplicate", held)] and lm.calls == 0
    apply_operations(store, ops)
    p = store.propositions.get(held)
    assert p.confidence == 7 and [o.id for o in p.evidence] == obs[:2]
    apply_operations(store, ops)  # the same evidence again is not independent: no further rise
    assert store.propositions.get(held).confidence == 7


def test_a_statement_that_says_a_held_one_in_full_and_more_refines_it_without_the_model(tmp_path):
    store, obs, held = trip_store(tmp_path)
    lm = Scripted([])
    fuller = candidate("The user is planning a trip to Lisbon with Marta in June.", obs[1])
    ops = revise(lm, Retriever(store), [fuller])
    assert [(op.kind, op.target.id) for op in ops] == [("refine", held)] and lm.calls == 0
    [new_id] = apply_operations(store, ops)
    assert store.propositions.get(new_id).text == "The user is planning a trip to Lisbon with Marta in June."
    shorter = revise(lm, Retriever(store), [candidate("The user is planning a trip to Lisbon with Marta.", obs[2])])
    assert [(op.kind, op.target.id) for op in shorter] == [("duplicate", new_id)] and lm.calls == 0


def test_a_statement_a_held_one_says_in_full_is_its_duplicate_wherever_it_ranks(tmp_path):
    store, obs, held = trip_store(tmp_path)
    fuller = store.propositions.add(NewProposition("The user is planning a trip to Lisbon with Marta in June, a "
                                                   "week of fado concerts, tiled churches and seafood", "mail", 2, 5),
                                    [obs[1]])
    lm = Scripted([])
    decoy = store.propositions.add(NewProposition("Marta is planning a trip with Marta to Lisbon, Marta says", "chat",
                                                  9, 5), [obs[0]])
    retriever = Retriever(store)
    said = "The user is planning a trip to Lisbon with Marta."
    assert retriever.search(said, limit=3, diversity=0)[0].proposition.id == decoy  # the fuller one is not the top
    ops = revise(lm, retriever, [candidate(said, obs[2])])
    assert [(op.kind, op.target.id) for op in ops] == [("duplicate", fuller)] and lm.calls == 0


def test_a_statement_held_word_for_word_is_its_duplicate_wherever_it_ranks(tmp_path):
    store, obs, _ = trip_store(tmp_path)
    role = "The user, Declan Horgan, is a director at Horgan Electrical Ltd."
    held = store.propositions.add(NewProposition(role, "mail", 6, 8), [obs[0]])
    decoy = store.propositions.add(NewProposition("Barry Murphy, director at Murphy Electrical Ltd, director of "
                                                  "Horgan Electrical Ltd, works with the user", "mail", 9, 5), [obs[1]])
    retriever = Retriever(store)
    assert retriever.search(role, limit=3, diversity=0)[0].proposition.id == decoy  # the same one is not the top
    lm = Scripted([])
    ops = revise(lm, retriever, [candidate(role, obs[2])])
    assert [(op.kind, op.target.id) for op in ops] == [("duplicate", held)] and lm.calls == 0


def test_a_weakly_held_statement_is_found_word_for_word_under_stronger_ones_that_share_its_words(tmp_path):
    store, obs, _ = trip_store(tmp_path)
    task = "The user has to submit amendment 3 of ATLAS-HF on RNEC by Friday 19 March 2027."
    held = store.propositions.add(NewProposition(task, "mail", 2, 3), [obs[0]])
    for n in (1, 2, 3):  # stronger beliefs about the same trial: a search for the user ranks them first
        store.propositions.add(NewProposition(f"The user has to submit query batch {n} of ATLAS-HF by Friday {n} "
                                              "March 2027.", "mail", 9, 3), [obs[1]])
    retriever = Retriever(store)
    assert held not in [h.proposition.id for h in retriever.search(task, limit=3, diversity=0)]
    lm = Scripted([])
    ops = revise(lm, retriever, [candidate(task, obs[2])])
    assert [(op.kind, op.target.id) for op in ops] == [("duplicate", held)] and lm.calls == 0


def test_unrelated_candidate_is_new_without_asking_the_model(tmp_path):
    store, obs, held = trip_store(tmp_path)
    lm = Scripted([])
    ops = revise(lm, Retriever(store), [candidate("The user writes Rust in Helix", obs[1])])
    assert [op.kind for op in ops] == ["new"] and lm.calls == 0


def test_refine_makes_a_new_version_and_keeps_the_old_as_history(tmp_path):
    store, obs, held = trip_store(tmp_path)
    answer = {"decisions": [decision(1, "refine", 1, "The user is planning a trip to Lisbon in June with Marta", 8)]}
    ops = revise(Scripted([json.dumps(answer)]), Retriever(store),
                 [candidate("The user books a Lisbon trip for June with Marta", obs[1])])
    [new_id] = apply_operations(store, ops)
    history = store.propositions.history(held)
    assert [(p.id, p.version, p.status) for p in history] == [(held, 1, "superseded"), (new_id, 2, "active")]
    assert history[1].text.endswith("with Marta") and history[1].revision_group == held
    assert {o.id for o in store.propositions.get(new_id).evidence} == {obs[0], obs[1]}
    assert [h.proposition.id for h in Retriever(store).search("Lisbon")] == [new_id]


def test_contradiction_lowers_the_old_belief_and_keeps_both(tmp_path):
    store, obs, held = trip_store(tmp_path)
    answer = {"decisions": [decision(1, "contradict", 1)]}
    ops = revise(Scripted([json.dumps(answer)]), Retriever(store),
                 [candidate("The user cancelled the trip to Lisbon", obs[2])])
    [new_id] = apply_operations(store, ops)
    assert store.propositions.get(held).confidence == 3 and store.propositions.get(held).status == "active"
    assert store.propositions.get(new_id).text == "The user cancelled the trip to Lisbon"


def test_a_target_the_model_invents_counts_as_new(tmp_path):
    store, obs, held = trip_store(tmp_path)
    answer = {"decisions": [decision(1, "duplicate", 0)]}
    ops = revise(Scripted([json.dumps(answer)]), Retriever(store),
                 [candidate("The user compares Lisbon hotels", obs[1])])
    assert [op.kind for op in ops] == ["new"]


def test_the_model_cannot_merge_statements_about_different_people(tmp_path):
    store, obs, held = trip_store(tmp_path)
    store.propositions.add(NewProposition("Johanna Ek is the user's recruiter.", "", 7, 9), [obs[0]])
    answer = {"decisions": [decision(1, "duplicate", 1)]}
    lm = Scripted([json.dumps(answer)])
    ops = revise(lm, Retriever(store), [candidate("Karin Lund is the user's hiring manager.", obs[1])])
    assert [op.kind for op in ops] == ["new"] and lm.calls == 1  # the model said duplicate
    # two people of one employer share its name, and are still two people
    store.propositions.add(NewProposition("Mark Delgado, athletic director at Fairbrook High School, works with the "
                                          "user.", "", 7, 9), [obs[0]])
    lm = Scripted([json.dumps(answer)])
    ops = revise(lm, Retriever(store), [candidate("Kelly Novak, athletic trainer at Fairbrook High School, works "
                                                  "with the user.", obs[1])])
    assert [op.kind for op in ops] == ["new"] and lm.calls == 1


def test_the_model_cannot_merge_statements_that_share_no_word_beyond_their_frame(tmp_path):
    store, obs, held = trip_store(tmp_path)
    store.propositions.add(NewProposition("The user has to create tickets for the last 14 days by Friday.", "",
                                          5, 9), [obs[0]])
    lm = Scripted([json.dumps({"decisions": [decision(1, "duplicate", 1)]})])
    deck = "The user has to go through the Q3 support review deck by Friday 23 October."
    ops = revise(lm, Retriever(store), [candidate(deck, obs[1])])
    assert lm.calls == 1 and [op.kind for op in ops] == ["new"]  # the model said duplicate


def test_the_model_cannot_merge_statements_sharing_only_dates_the_users_name_or_of_other_kinds(tmp_path):
    lab = NewProposition("The user has to submit the Enzyme kinetics lab report by Friday 8 May via Turnitin.", "", 6, 3,
                         grounding={"kind": "dated"})
    role = NewProposition("The user, Jonah Mbeki, is a biochemistry student.", "", 7, 9, grounding={"kind": "role"})
    for n, (held, text) in enumerate((
            (lab, "The user has to come to Garstang 8.12 on Wednesday 13 May at 11:00 about the lab report."),
            (role, "The user is Jonah Mbeki, and he has barista shifts at Blend Coffee Co."),
            (role, "The user is a biochemistry student with a lab report due."))):
        store = Store(tmp_path / f"{n}.db")
        [o] = [store.observations.add(NewObservation(1.0, 2.0, "app", "t", "o", "", "test"))]
        store.propositions.add(held, [o])
        lm = Scripted([json.dumps({"decisions": [decision(1, "refine", 1)]})])
        new = Candidate(NewProposition(text, "screen", 7, 3, grounding={"kind": "dated"}), [o])
        ops = revise(lm, Retriever(store), [new])
        assert lm.calls == 1 and [op.kind for op in ops] == ["new"], text  # the model said refine
        store.close()


def test_the_users_verdict_binds_the_model(tmp_path):
    store, obs, held = trip_store(tmp_path)
    store.curation.confirm(held)
    refine = {"decisions": [decision(1, "refine", 1, "The user is planning a trip to Lisbon and Porto", 9)]}
    ops = revise(Scripted([json.dumps(refine)]), Retriever(store), [candidate("The user adds Porto to the Lisbon trip", obs[1])])
    assert apply_operations(store, ops) == [held]  # evidence only: the confirmed text stays
    assert store.propositions.get(held).text == "The user is planning a trip to Lisbon"
    contradict = {"decisions": [decision(1, "contradict", 1)]}
    ops = revise(Scripted([json.dumps(contradict)]), Retriever(store), [candidate("The user dropped the Lisbon trip", obs[2])])
    apply_operations(store, ops)
    assert store.propositions.get(held).confidence == 10
    rejected = store.propositions.add(NewProposition("The user dislikes spreadsheets", "", 5, 5), [obs[0]])
    store.curation.reject(rejected)
    lm = Scripted([])
    assert revise(lm, Retriever(store), [candidate("The user dislikes spreadsheets.", obs[1])]) == [] and lm.calls == 0
