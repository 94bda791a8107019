"""Deletion that deletes: after the user deletes a proposition through the API, its words are in no byte
of any file of the data dir: not the database, its WAL or shared memory, the log, nor the audit trail."""

from __future__ import annotations

import logging
import secrets

import numpy as np
import pytest

from gumd.api.app import create_app
from gumd.api.audit import AuditLog
from gumd.api.server import SocketServer
from gumd.client import Client
from gumd.daemon import setup_logging
from gumd.privacy import CaptureControl
from gumd.store import NewObservation, NewProposition, Store
from tests.support.environment import settings_for

SECRET = "Vrexplodium"  # a made-up word the porter stemmer leaves alone


def _files_holding(data_dir, word: str) -> list[str]:
    needles = (word.encode(), word.lower().encode(), word.encode("utf-16-le"))
    return sorted(str(f.relative_to(data_dir)) for f in data_dir.rglob("*")
                  if f.is_file() and not f.is_socket() and any(n in f.read_bytes() for n in needles))


@pytest.mark.parametrize("encrypted", [False, True], ids=["plaintext", "sqlcipher"])
def test_a_deleted_proposition_leaves_no_byte_in_the_data_dir(tmp_path, encrypted):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(settings_for(tmp_path, log_level="INFO"))  # the daemon's own log, at INFO
    store = Store(data / "gumd.db", key=secrets.token_bytes(32) if encrypted else None)  # SQLCipher: delete works too
    try:
        o = store.observations.add(NewObservation(300.0, 301.0, "firefox", "clinic", "appointment at 9", "", "test"))
        first = store.propositions.add(NewProposition(f"The user sees Dr {SECRET} about a rash", "clinic", 6, 3), [o])
        second = store.propositions.refine(
            first, NewProposition(f"The user sees Dr {SECRET} every Tuesday", f"{SECRET} again", 7, 3), [o])
        for pid in (first, second):
            store.vectors.set(pid, "minilm", np.ones(384, dtype=np.float32).tobytes())
        audit = AuditLog(store)
        server = SocketServer(create_app(store, dict, CaptureControl(), audit=audit), data / "gumd.sock")
        server.start()
        try:
            with Client(data / "gumd.sock") as client:
                assert [p["id"] for p in client.search(SECRET)] == [second]  # the log and audit saw this query
                # plaintext: the check sees the word while it is stored; encrypted: not even then
                assert bool(_files_holding(data, SECRET)) != encrypted
                assert client.delete(second) == 2  # both versions
                assert client.search(SECRET) == []
        finally:
            server.stop()
        audit.flush()
        assert store.database.execute("SELECT COUNT(*) FROM proposition_vectors").fetchone()[0] == 0
        assert store.observations.get(o) is not None  # the evidence is the user's to forget separately
    finally:
        store.close()
        for handler in set(root.handlers) - set(before):
            root.removeHandler(handler)
            handler.close()
    assert _files_holding(data, SECRET) == []
