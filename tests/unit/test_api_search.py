"""Search at a size where ranking every row would be slow: words most propositions share are left out."""

from gumd.store import NewProposition, Store


def test_words_most_propositions_share_do_not_drown_the_match(tmp_path):
    store = Store(tmp_path / "g.db")
    store.propositions.add_many((NewProposition(f"The user likes topic{i} a lot", "seen", 5, 5), []) for i in range(6000))
    lisbon = store.propositions.add(NewProposition("The user is flying to Lisbon", "a booking page", 8, 4), [])
    hits = store.search.propositions("what is the user doing about lisbon", limit=5)
    assert [p.id for p in hits] == [lisbon] and hits[0].score > 0
    assert [p.id for p in store.search.propositions("the user", limit=3)] == [lisbon, lisbon - 1, lisbon - 2]
    assert store.search.propositions("the user", limit=3)[0].score is None  # listed newest first, not ranked
    assert [p.id for p in store.search.propositions("topic17", limit=5)] == [18]  # ids start at 1
    assert store.search.propositions("()") == []


def test_propositions_with_every_word_come_first_and_pages_continue_into_the_rest(tmp_path):
    store = Store(tmp_path / "g.db")
    both = [store.propositions.add(NewProposition(f"Flight to Lisbon number {i}", "", 5, 5), []) for i in range(3)]
    one = [store.propositions.add(NewProposition(f"Lisbon {'trams ' * (i + 1)}", "", 5, 5), []) for i in range(3)]
    store.propositions.add(NewProposition("Nothing to do with it", "", 5, 5), [])
    first = store.search.propositions("lisbon flight", limit=4)
    assert set(p.id for p in first[:3]) == set(both) and first[3].id in one
    second = store.search.propositions("lisbon flight", limit=4, offset=4)
    assert {p.id for p in first + second} == set(both + one) and len(second) == 2
    assert [p.id for p in store.search.propositions("lisbon flight", limit=2, offset=3)] == [
        p.id for p in first[3:]] + [second[0].id]


def test_the_some_words_match_keeps_the_rare_words_and_leaves_widely_shared_ones_to_the_embeddings(tmp_path, monkeypatch):
    store = Store(tmp_path / "g.db")
    store.propositions.add_many((NewProposition(f"The user reads note{i}", "seen", 5, 5), []) for i in range(5000))
    budget = [store.propositions.add(NewProposition(f"The user edits the budget sheet {i}", "", 5, 5), [])
              for i in range(800)]  # 14% of the rows: under COMMON_FRACTION, a selective word
    both = store.propositions.add(NewProposition("Marta sent the budget", "", 5, 5), [])
    marta = [store.propositions.add(NewProposition(f"Marta called about dinner {i}", "", 5, 5), []) for i in range(3)]
    ids = store.search.proposition_ids("marta budget", 50)
    assert ids[0] == both and set(ids[1:4]) == set(marta)
    assert set(ids[4:]) <= set(budget) and len(ids) == 50  # budget alone still fits the default row budget

    monkeypatch.setattr("gumd.store.search.SOME_WORDS_ROWS", 100)
    assert store.search.proposition_ids("marta budget", 50) == ids[:4]  # "budget" matches 801 rows: left out
    assert [p.id for p in store.search.propositions("marta budget", limit=10)] == ids[:4]
