"""The trace library: retrieval respects time, prefers similar moments, replaces near-duplicates."""

import numpy as np

from gumd.nap.traces import TraceLibrary, trigram_similarity
from gumd.store import Store
from gumd.store.actions import Trace


def trace(context, next_key="switch|xterm|xterm", ended_at=100.0, score=0.5):
    return Trace(context=context, reasoning="tests usually follow an edit", next_action="Switched to xterm",
                 next_key=next_key, ended_at=ended_at, score=score)


def test_only_traces_that_ended_before_now_are_retrieved(tmp_path):
    lib = TraceLibrary(Store(tmp_path / "g.db"))
    lib.add(trace("Saved main.py in code", ended_at=100.0))
    lib.add(trace("Saved main.py in code then ran tests", next_key="command|xterm|make", ended_at=200.0))
    assert [r.trace.ended_at for r in lib.retrieve("Saved main.py in code", now=150.0)] == [100.0]
    assert len(lib.retrieve("Saved main.py in code", now=250.0)) == 2


def test_the_most_similar_moment_ranks_first(tmp_path):
    lib = TraceLibrary(Store(tmp_path / "g.db"))
    lib.add(trace("Opened budget.xlsx in excel and saved it", next_key="switch|mail|mail"))
    lib.add(trace("Saved main.py in code after editing the parser", next_key="command|xterm|pytest"))
    best = lib.retrieve("Saved main.py in code after editing", now=1e9)[0]
    assert best.trace.next_key == "command|xterm|pytest"
    assert trigram_similarity("a b c d", "a b c d") == 1.0 and trigram_similarity("a b c", "x y z") == 0.0


def test_a_near_duplicate_replaces_a_worse_trace_and_never_a_better_one(tmp_path):
    store = Store(tmp_path / "g.db")
    lib = TraceLibrary(store)
    lib.add(trace("Saved main.py in code, then switched", score=0.3))
    lib.add(trace("Saved main.py in code, then switched", score=0.9, ended_at=300.0))
    assert [(t.score, t.ended_at) for t in store.actions.search_traces("main.py", before=1e9)] == [(0.9, 300.0)]
    lib.add(trace("Saved main.py in code, then switched", score=0.1, ended_at=400.0))
    assert [(t.score, t.ended_at) for t in store.actions.search_traces("main.py", before=1e9)] == [(0.9, 300.0)]
    lib.add(trace("Saved main.py in code, then switched", next_key="command|xterm|ls"))
    assert store.actions.count_traces() == 2  # same moment, different next action: both kept


class LetterCounts:
    """A tiny real embedder: letter frequencies. Enough to prove the embedding seam is used."""

    def embed(self, texts):
        return np.array([[t.lower().count(c) for c in "abcdefghijklmnopqrstuvwxyz"] for t in texts], dtype=float)


def test_an_embedder_replaces_trigram_similarity(tmp_path):
    lib = TraceLibrary(Store(tmp_path / "g.db"), embedder=LetterCounts())
    sims = lib.similarity("saved report", ["saved report", "zzz"])
    assert sims[0] > 0.99 and sims[1] < 0.1
    lib.add(trace("saved report in writer"))
    assert lib.retrieve("saved report", now=1e9)[0].relevance > 0
