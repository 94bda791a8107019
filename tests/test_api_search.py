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
