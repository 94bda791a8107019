import os
import sqlite3
import stat
import time

import pytest

from gumd.store import NewObservation, NewProposition, Store
from gumd.store.database import errors
from gumd.store.migrations import MIGRATIONS, applied


def obs(text="", app="firefox", title="Inbox", t=1000.0):
    return NewObservation(started_at=t, ended_at=t + 1, app=app, title=title, text=text, input_summary="", source="test")


def test_migrations_apply_once_and_are_recorded(tmp_path):
    store = Store(tmp_path / "g.db")
    assert applied(store.database.sqlite) == [m.__name__ for m in MIGRATIONS]
    store.close()
    again = Store(tmp_path / "g.db")
    assert applied(again.database.sqlite) == [m.__name__ for m in MIGRATIONS]
    assert again.database.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(MIGRATIONS)
    tables = set(again.database.sqlite.table_names())
    assert {"observations", "propositions", "evidence", "batches", "propositions_fts", "observations_fts"} <= tables


def test_database_is_wal_and_private(tmp_path):
    store = Store(tmp_path / "g.db")
    store.observations.add(obs("hello"))
    assert store.database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    for name in ("g.db", "g.db-wal"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == 0o600


def test_proposition_search_finds_text_and_links_evidence(tmp_path):
    store = Store(tmp_path / "g.db")
    o1 = store.observations.add(obs("Flights to Lisbon: TAP TP 218"))
    o2 = store.observations.add(obs("Venue: Quinta da Regaleira"))
    pid = store.propositions.add(
        NewProposition("The user is planning a wedding in Lisbon", "flight and venue searches", 8, 6), [o1, o2]
    )
    store.propositions.add(NewProposition("The user writes Rust", "cargo in the terminal", 7, 9), [o2])
    hits = store.search.propositions("lisbon wedding")
    assert [p.id for p in hits] == [pid]
    assert hits[0].score > 0 and hits[0].evidence_count == 2
    full = store.propositions.get(pid)
    assert full.revision_group == pid and full.version == 1
    assert [o.id for o in full.evidence] == [o1, o2]
    assert store.propositions.get(999) is None


def test_fts_syntax_in_a_query_is_taken_as_words(tmp_path):
    store = Store(tmp_path / "g.db")
    store.propositions.add(NewProposition("The user likes NEAR field tools", "", 5, 5), [])
    for q in ['"unbalanced', "NEAR(a b)", "a* OR", "col:value", "'; DROP TABLE propositions; --", "()", "^"]:
        store.search.propositions(q)
    assert len(store.search.propositions("near")) == 1


def test_claim_batch_respects_budgets_and_order(tmp_path):
    store = Store(tmp_path / "g.db")
    ids = [store.observations.add(obs("x" * 400, t=1000.0 + i)) for i in range(5)]
    batch_id, batch = store.batches.claim(max_observations=10, max_chars=1000)
    assert [o.id for o in batch] == ids[:2]
    assert all(o.status == "processing" for o in batch)
    store.batches.finish(batch_id)
    assert {o.status for o in store.observations.newest(status="done")} == {"done"}
    batch_id2, batch2 = store.batches.claim(max_observations=1, max_chars=100)
    assert [o.id for o in batch2] == [ids[2]]
    assert store.batches.fail(batch_id2, "model broke", max_attempts=2, backoff_s=60) == "retry"
    assert store.observations.get(ids[2]).status == "waiting"
    assert store.batches.claim(10, 10000, now=time.time() + 30)[0] != batch_id2  # not due yet: a new batch
    again, batch3 = store.batches.claim(10, 10000, now=time.time() + 61)
    assert again == batch_id2 and [o.id for o in batch3] == [ids[2]]
    assert store.batches.fail(batch_id2, "model broke again", max_attempts=2, backoff_s=60) == "failed"
    assert store.counts()["failed_batches"] == 1
    assert store.observations.get(ids[2]).status == "failed"


def test_interrupted_batch_resumes_after_a_crash(tmp_path):
    store = Store(tmp_path / "g.db")
    ids = [store.observations.add(obs(f"o{i}", t=1000.0 + i)) for i in range(3)]
    store.batches.claim(10, 10000)
    # the process dies here: the batch is never finished
    after = Store(tmp_path / "g.db")
    assert after.batches.resume_interrupted() == 3
    _, batch = after.batches.claim(10, 10000)
    assert [o.id for o in batch] == ids


def test_list_observations_filters_by_time_and_app(tmp_path):
    store = Store(tmp_path / "g.db")
    store.observations.add(obs("a", app="firefox", t=100))
    store.observations.add(obs("b", app="code", t=200))
    store.observations.add(obs("c", app="code", t=300))
    assert [o.text for o in store.observations.newest(app="code")] == ["c", "b"]
    assert [o.text for o in store.observations.newest(since=150, until=250)] == ["b"]


def test_deleting_a_proposition_removes_its_evidence_and_fts_row(tmp_path):
    store = Store(tmp_path / "g.db")
    o = store.observations.add(obs("zebra"))
    pid = store.propositions.add(NewProposition("The user studies zebras closely", "", 5, 5), [o])
    with store.database.transaction():
        store.database.execute("DELETE FROM propositions WHERE id = ?", [pid])
    assert store.search.propositions("zebras") == []
    assert store.database.execute("SELECT COUNT(*) FROM evidence").fetchone()[0] == 0


def test_connections_opened_later_beside_live_ones_never_reopen_the_file(tmp_path, monkeypatch):
    # Opening and closing the file to read its header would drop the POSIX locks this process's live
    # connections hold on it (the cause of "disk I/O error" in the BM25 thread): once per inode only.
    import threading

    import gumd.store.database as database

    reads = []
    read_header = database.is_encrypted
    monkeypatch.setattr(database, "is_encrypted", lambda path: reads.append(path) or read_header(path))
    store = Store(tmp_path / "g.db")
    store.propositions.add(NewProposition("The user plans a trip to Lisbon", "", 5, 5), [])
    again = Store(tmp_path / "g.db")
    found = []
    threads = [threading.Thread(target=lambda s=s: found.append(s.search.propositions("lisbon"))) for s in (store, again)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [len(f) for f in found] == [1, 1] and reads == []  # the new file was known from its first connection
    other = tmp_path / "other.db"  # made elsewhere: its header is read once, before its first connection
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    Store(other).search.propositions("x")
    Store(other).search.propositions("y")
    assert reads == [other]


def test_a_transaction_that_fails_half_way_writes_nothing(tmp_path):
    store = Store(tmp_path / "g.db")
    obs = store.observations.add(NewObservation(1.0, 2.0, "a", "t", "x", "", "test"))
    with pytest.raises(RuntimeError):
        with store.database.transaction():
            store.propositions.add(NewProposition("The user tests transactions", "r", 5, 5), [obs])
            raise RuntimeError("the disk filled up here")
    assert store.counts()["propositions"] == 0


def test_a_commit_that_fails_is_rolled_back_and_leaves_the_file_writable(tmp_path):
    # A COMMIT can fail and leave the transaction open (disk full; here a deferred foreign key): the
    # connection would hold the write lock, and every other writer would wait and fail with "locked".
    store = Store(tmp_path / "g.db")
    with pytest.raises(errors("IntegrityError")):
        with store.database.transaction():
            store.database.execute("PRAGMA defer_foreign_keys = ON")
            store.database.execute("INSERT INTO evidence (proposition_id, observation_id, created_at) VALUES (9, 9, 0)")
    assert not store.database.sqlite.conn.in_transaction
    other = Store(tmp_path / "g.db")
    assert other.observations.add(NewObservation(1.0, 2.0, "a", "t", "x", "", "test")) == 1
