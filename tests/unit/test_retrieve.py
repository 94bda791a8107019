"""Hybrid retrieval over a real store. The embedder here is a small bag-of-words stand-in; the
real MiniLM runs in tests/integration/test_gum_loop.py."""

import hashlib
import threading
import time

import numpy as np
import pytest

from gumd.propositions.retrieve import Retriever, effective_confidence, half_life_days
from gumd.store import NewProposition, Proposition, Store

DAY = 86400.0


class WordHashEmbedder:
    """Bag of words hashed into 64 dims: texts sharing words get a high cosine."""

    name = "word-hash"
    dim = 64

    def __init__(self):
        self.loaded = threading.Event()
        self.loaded.set()
        self.calls = 0

    def ready(self, wait_s):
        return self.loaded.wait(wait_s)

    def embed(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                out[i, int(hashlib.md5(w.strip(".,").encode()).hexdigest(), 16) % self.dim] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "g.db")


def add(store, text, confidence=5, decay=5, age_days=0.0):
    pid = store.propositions.add(NewProposition(text, "", confidence, decay), [])
    if age_days:
        with store.database.transaction():
            t = time.time() - age_days * DAY
            store.database.execute("UPDATE propositions SET updated_at = ?, created_at = ? WHERE id = ?", [t, t, pid])
    return pid


def test_decay_ten_barely_fades_and_decay_one_fades_in_a_day():
    now = time.time()
    lasting = Proposition("t", "", 10, 10, id=1, updated_at=now - 30 * DAY)
    fleeting = Proposition("t", "", 10, 1, id=2, updated_at=now - 1 * DAY)
    assert effective_confidence(lasting, now) > 9.0
    assert effective_confidence(fleeting, now) <= 2.5
    assert half_life_days(1) < half_life_days(5) < half_life_days(10)


def test_confidence_and_freshness_break_ties_between_equal_matches(store):
    guess = add(store, "The user likes jazz records", confidence=3)
    sure = add(store, "The user likes jazz concerts", confidence=9)
    stale = add(store, "The user likes jazz playlists", confidence=9, decay=1, age_days=3)
    ranked = [h.proposition.id for h in Retriever(store).search("jazz", diversity=0)]
    assert ranked == [sure, guess, stale]


def test_fusion_ranks_a_match_of_both_halves_first_and_leaves_unrelated_out(store):
    retriever = Retriever(store, WordHashEmbedder())
    a = add(store, "The user books flights to Lisbon")
    b = add(store, "The user writes Rust at work")
    assert retriever.index_pending() == 2 and retriever.index_pending() == 0
    hits = retriever.search("Lisbon flights", diversity=0)
    assert hits[0].proposition.id == a and hits[0].relevance > 2 / 61 - 1e-9  # ranked first by both halves
    assert b not in [h.proposition.id for h in retriever.search("Lisbon", diversity=0)]


def test_a_search_while_the_embedder_loads_answers_from_words_alone_and_waits_no_longer(store):
    embedder = WordHashEmbedder()
    retriever = Retriever(store, embedder, load_wait_s=0.3)
    a = add(store, "The user books flights to Lisbon")
    retriever.index_pending()
    embedder.loaded.clear()  # unloaded since, and its next load is slow
    embedder.calls, started = 0, time.monotonic()
    assert [h.proposition.id for h in retriever.search("Lisbon")] == [a]
    assert embedder.calls == 0 and time.monotonic() - started < 5  # the query was not embedded
    embedder.loaded.set()
    assert [h.proposition.id for h in retriever.search("Lisbon")] == [a] and embedder.calls == 1


@pytest.mark.parametrize("vectors", ["all", "none", "some"])
def test_mmr_lets_a_different_belief_into_the_top_two(store, vectors):
    """Redundancy is embedding cosine, or word overlap for a proposition not embedded yet (or no embedder)."""
    retriever = Retriever(store, WordHashEmbedder() if vectors != "none" else None)
    same = [add(store, "The user is planning a trip to Lisbon in June", confidence=8) for _ in range(2)]
    if vectors == "some":
        retriever.index_pending()  # the first two have vectors; the last two are not embedded yet
    same.append(add(store, "The user is planning a trip to Lisbon in June", confidence=8))
    other = add(store, "The user is planning a budget for the trip", confidence=4)
    if vectors == "all":
        retriever.index_pending()
    plain = [h.proposition.id for h in retriever.search("planning trip", limit=2, diversity=0, use_vectors=False)]
    diverse = [h.proposition.id for h in retriever.search("planning trip", limit=2, diversity=0.5, use_vectors=False)]
    assert set(plain) <= set(same) and diverse[0] in same and diverse[1] == other


def test_filters_time_window_min_confidence_and_status(store):
    old = add(store, "The user studies German grammar", confidence=8, decay=10, age_days=20)
    new = add(store, "The user studies German vocabulary", confidence=2, decay=10)
    retriever = Retriever(store)
    assert [h.proposition.id for h in retriever.search("German", since=time.time() - DAY)] == [new]
    assert [h.proposition.id for h in retriever.search("German", min_confidence=5)] == [old]
    store.propositions.refine(old, NewProposition("The user studies German grammar daily", "", 8, 10), [])
    ids = [h.proposition.id for h in retriever.search("German grammar")]
    assert old not in ids and len(ids) == 2
