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
