"""The statistical predictors: counts, back-off, recency and exclusions behave as documented."""

import random

from gumd.nap.baselines import Markov, MostFrequent
from gumd.nap.sequence import Counts
from gumd.nap.variable_order import VariableOrder, dwell_band


def feed(predictor, items, start=0.0):
    for i, item in enumerate(items):
        predictor.learn(item, start + i * 60.0)
    return predictor


def test_markov2_predicts_a_learned_cycle_that_markov1_cannot_tell_apart():
    # After "b", what comes next depends on what came before "b": a b c / d b e.
    stream = ["a", "b", "c", "d", "b", "e"] * 20
    m1, m2 = feed(Markov(1), stream), feed(Markov(2), stream)
    assert m2.rank(1)[0].item == "a"  # history ends "b e" -> "a"
    m2.learn("a"), m2.learn("b"), m1.learn("a"), m1.learn("b")
    assert m2.rank(1)[0].item == "c"
    assert {c.item for c in m1.rank(2)} == {"c", "e"}
    assert m1.rank(1)[0].probability < 0.6


def test_markov_backs_off_to_shorter_contexts_to_fill_the_list():
    m2 = feed(Markov(2), ["a", "b", "c", "a", "b", "d", "x", "y", "a", "b"])
    ranked = [c.item for c in m2.rank(5)]
    assert ranked[:2] in (["c", "d"], ["d", "c"])  # what followed "a b"
    assert len(ranked) == 5 and len(set(ranked)) == 5  # filled from order 1 and 0, no repeats


def test_excluded_items_are_never_offered():
    for p in (MostFrequent(), Markov(2), VariableOrder()):
        feed(p, ["a", "b"] * 30)
        assert all(c.item != "b" for c in p.rank(5, exclude=["b"])), p.name


def test_decayed_counts_let_a_new_habit_overtake_an_old_one():
    plain, decayed = Counts(), Counts(decay=0.8)
    for item in ["old"] * 20 + ["new"] * 5:
        plain.add(item), decayed.add(item)
    assert plain.top(1, frozenset())[0][1] == "old"
    assert decayed.top(1, frozenset())[0][1] == "new"
    assert abs(sum(decayed.probability(i) for i in ("old", "new")) - 1.0) < 1e-9


def test_variable_order_gives_a_distribution_and_finds_long_contexts():
    # "x" is followed by "p" after "m n x", by "q" after "o n x": only order 3 tells.
    stream = ["m", "n", "x", "p", "o", "n", "x", "q"] * 25
    vo = feed(VariableOrder(), stream + ["m", "n", "x"])
    ranked = vo.rank(5)
    assert ranked[0].item == "p"
    assert sum(c.probability for c in ranked) <= 1.0 + 1e-9
    assert all(a.probability >= b.probability for a, b in zip(ranked, ranked[1:]))


def test_after_a_long_pause_the_session_start_is_the_context():
    # Each morning: editor, then mail; the rest of the day editor and terminal alternate. Read as one stream,
    # "terminal editor" is followed by "terminal" four times a day and by "mail" once (overnight).
    day = ["editor", "mail"] + ["editor", "terminal"] * 4

    def after_morning_editor(session_gap):
        """What the context expert (the pool's first) expects after the first "editor" of day 30."""
        vo = VariableOrder(session_gap=session_gap)
        for d in range(30):
            for i, item in enumerate(["editor"] if d == 29 else day):
                vo.rank(3, at=d * 86400.0 + i * 60.0)
                vo.learn(item, d * 86400.0 + i * 60.0)
        contexts = vo.experts[0]
        contexts.prepare(None)
        return max(["mail", "terminal"], key=contexts.probability)

    assert after_morning_editor(session_gap=1800.0) == "mail"
    assert after_morning_editor(session_gap=float("inf")) == "terminal"  # without session starts


def test_recency_position_is_learned_per_dwell_band():
    # After a long stay on the previous app the user goes back to it (position 1 of the recently-used list,
    # 0 being the current app); after a glance at it, on to the one before (position 2).
    rng = random.Random(3)
    vo = VariableOrder()
    recent = ["a", "b", "c", "d", "e"]
    t, dwells = 0.0, [60.0, 60.0]
    for _ in range(400):
        item = recent[1] if dwells[-2] >= 60.0 else recent[2]
        vo.rank(3, exclude=[recent[0]], at=t)
        vo.learn(item, t)
        recent.remove(item)
        recent.insert(0, item)
        dwells.append(rng.choice([1.0, 60.0]))
        t += dwells[-1]
    bands = vo.experts[3].by_band
    assert bands[dwell_band(60.0)].top(1, frozenset())[0][1] == 1
    assert bands[dwell_band(1.0)].top(1, frozenset())[0][1] == 2
    # And the pool follows: after a glance it no longer offers going back first.
    expected = recent[1] if dwells[-2] >= 60.0 else recent[2]
    assert vo.rank(1, exclude=[recent[0]], at=t)[0].item == expected


def test_items_no_expert_offered_do_not_pull_the_pool_weights():
    vo = VariableOrder()
    for i in range(200):
        vo.rank(5)
        vo.learn(f"new-{i}")  # a stream of first uses: nothing to learn about the experts
    assert vo.theta == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert all(t >= 0.0 for t in feed(VariableOrder(), ["a", "b", "c"] * 50).theta)
