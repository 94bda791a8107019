"""Search at a size where ranking every row would be slow: words most propositions share are left out."""

from gumd.store import NewProposition, Store


def test_words_most_propositions_share_do_not_drown_the_match(tmp_path):
    store = Store(tmp_path / "g.db")
    store.add_propositions((NewProposition(f"The user likes topic{i} a lot", "seen", 5, 5), []) for i in range(6000))
    lisbon = store.add_proposition(NewProposition("The user is flying to Lisbon", "a booking page", 8, 4), [])
    hits = store.search_propositions("what is the user doing about lisbon", limit=5)
    assert [p.id for p in hits] == [lisbon] and hits[0].score > 0
    assert [p.id for p in store.search_propositions("the user", limit=3)] == [lisbon, lisbon - 1, lisbon - 2]
    assert store.search_propositions("the user", limit=3)[0].score is None  # listed newest first, not ranked
    assert [p.id for p in store.search_propositions("topic17", limit=5)] == [18]  # ids start at 1
    assert store.search_propositions("()") == []


def test_propositions_with_every_word_come_first_and_pages_continue_into_the_rest(tmp_path):
    store = Store(tmp_path / "g.db")
    both = [store.add_proposition(NewProposition(f"Flight to Lisbon number {i}", "", 5, 5), []) for i in range(3)]
    one = [store.add_proposition(NewProposition(f"Lisbon {'trams ' * (i + 1)}", "", 5, 5), []) for i in range(3)]
    store.add_proposition(NewProposition("Nothing to do with it", "", 5, 5), [])
    first = store.search_propositions("lisbon flight", limit=4)
    assert set(p.id for p in first[:3]) == set(both) and first[3].id in one
    second = store.search_propositions("lisbon flight", limit=4, offset=4)
    assert {p.id for p in first + second} == set(both + one) and len(second) == 2
    assert [p.id for p in store.search_propositions("lisbon flight", limit=2, offset=3)] == [
        p.id for p in first[3:]] + [second[0].id]


def test_the_some_words_match_keeps_the_rare_words_and_leaves_widely_shared_ones_to_the_embeddings(tmp_path, monkeypatch):
    store = Store(tmp_path / "g.db")
    store.add_propositions((NewProposition(f"The user reads note{i}", "seen", 5, 5), []) for i in range(5000))
    budget = [store.add_proposition(NewProposition(f"The user edits the budget sheet {i}", "", 5, 5), [])
              for i in range(800)]  # 14% of the rows: under COMMON_FRACTION, a selective word
    both = store.add_proposition(NewProposition("Marta sent the budget", "", 5, 5), [])
    marta = [store.add_proposition(NewProposition(f"Marta called about dinner {i}", "", 5, 5), []) for i in range(3)]
    ids = store.fts_proposition_ids("marta budget", 50)
    assert ids[0] == both and set(ids[1:4]) == set(marta)
    assert set(ids[4:]) <= set(budget) and len(ids) == 50  # budget alone still fits the default row budget

    monkeypatch.setattr("gumd.store.store.SOME_WORDS_ROWS", 100)
    assert store.fts_proposition_ids("marta budget", 50) == ids[:4]  # "budget" matches 801 rows: left out
    assert [p.id for p in store.search_propositions("marta budget", limit=10)] == ids[:4]
