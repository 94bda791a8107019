"""The statistical predictors: counts, back-off, recency and exclusions behave as documented."""

from gumd.nap.baselines import Counts, Markov, MostFrequent, VariableOrder


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
