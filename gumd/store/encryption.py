"""Encryption at rest: the store's key in the OS keyring, opening a data dir's store, encrypting a plaintext one.

With `encrypt = true` the database is an SQLCipher file (AES-256, a random 256-bit
key). The key lives in the OS keyring (Secret Service on Linux, the Keychain on
macOS, Credential Locker on Windows) under service "gumd" and the data dir's path,
so each data dir has its own. It is made on first use; without it the file cannot
be read, by gumd or anyone else.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path
from typing import Any, Callable

from gumd.config import Settings
from gumd.store.database import (
    KEY_BYTES, StoreOpenError, check_file, connect, is_encrypted, key_pragma, sqlcipher,
)
from gumd.store.store import Store

KEYRING_SERVICE = "gumd"
KEYRING_TIMEOUT_S = 30.0  # a locked keyring may wait for a password prompt; do not hang start-up for ever


class KeyringUnavailable(StoreOpenError):
    """No OS keyring answers; it may after the desktop session has started, so a service restart may help."""

    exit_code = 1


def key_name(data_dir: Path) -> str:
    """The keyring entry's user name for a data dir: its absolute path."""
    return str(Path(data_dir).expanduser().resolve())


def _keyring_call(what: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the keyring in a thread of its own, so a keyring that never answers stops start-up with a message."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        raise StoreOpenError(
            "encrypt = true needs the keyring package: run `.venv/bin/pip install sqlcipher3-binary keyring` "
            "(gumd's `encrypt` extra), or set encrypt = false"
        ) from None
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise KeyringUnavailable(
            "encrypt = true keeps the database key in the OS keyring, and none is available: start a Secret "
            "Service (gnome-keyring, KeePassXC) in this session, or set encrypt = false"
        )
    result: dict[str, Any] = {}

    def call() -> None:
        try:
            result["value"] = fn(*args)
        except Exception as e:  # reported to the caller below
            result["error"] = e

    thread = threading.Thread(target=call, name="gumd-keyring", daemon=True)
    thread.start()
    thread.join(KEYRING_TIMEOUT_S)
    if thread.is_alive():
        raise KeyringUnavailable(
            f"the OS keyring did not answer within {KEYRING_TIMEOUT_S:.0f} s while {what} "
            "(is it locked? unlock it, then start gumd again)"
        )
    if "error" in result:
        e = result["error"]
        detail = " ".join(str(e).split())[:200].rstrip(".") or type(e).__name__
        raise KeyringUnavailable(f"the OS keyring failed while {what}: {detail}; unlock or start it, "
                                 "or set encrypt = false") from None
    return result.get("value")


def load_key(data_dir: Path, create: bool) -> bytes:
    """The data dir's database key from the OS keyring; with `create`, a new random one when there is none."""
    import keyring

    name = key_name(data_dir)
    stored = _keyring_call("reading the database key", keyring.get_password, KEYRING_SERVICE, name)
    if stored is None:
        if not create:
            raise StoreOpenError(
                f"the database in {name} is encrypted, but its key is not in the OS keyring "
                f"(service {KEYRING_SERVICE!r}, user {name!r}): restore the key, or move gumd.db away to start afresh"
            )
        _keyring_call("storing a new database key", keyring.set_password, KEYRING_SERVICE, name,
                      secrets.token_bytes(KEY_BYTES).hex())
        stored = _keyring_call("reading the database key back", keyring.get_password, KEYRING_SERVICE, name)
    try:
        key = bytes.fromhex(stored or "")
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise StoreOpenError(
            f"the keyring entry (service {KEYRING_SERVICE!r}, user {name!r}) is not a gumd database key "
            f"({KEY_BYTES * 2} hex digits): restore it, or remove it and move gumd.db away to start afresh"
        )
    return key


def open_store(settings: Settings) -> Store:
    """The data dir's store, encrypted when `encrypt` is on; StoreOpenError (one line) when it cannot be opened."""
    if not settings.encrypt:
        return Store(settings.db_path)  # connect() refuses an encrypted file, saying to set encrypt = true
    sqlcipher()
    check_file(settings.db_path, encrypt=True)  # before the keyring: no key for a plaintext file
    return Store(settings.db_path, load_key(settings.data_path, create=is_encrypted(settings.db_path) is None))


def _table_counts(conn: Any) -> dict[str, int]:
    names = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}


def overwrite_and_remove(path: Path) -> None:
    """Write zeros over a file's bytes, flush them to disk, and unlink it (missing files are fine).

    On SSDs, copy-on-write file systems and in snapshots or backups the old blocks may survive;
    this removes what an ordinary read of the disk would find.
    """
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return
    try:
        _zero(fd)
    finally:
        os.close(fd)
    path.unlink()


def _zero(fd: int) -> None:
    size = os.fstat(fd).st_size
    os.lseek(fd, 0, os.SEEK_SET)
    block = b"\0" * (1 << 20)
    done = 0
    while done < size:
        done += os.write(fd, block[: min(len(block), size - done)])
    os.fsync(fd)


def encrypt_store(settings: Settings) -> dict[str, int]:
    """Encrypt the data dir's plaintext database into an SQLCipher one with the keyring's key.

    The plaintext stays until the encrypted copy has been checked (integrity, the same
    row count in every table); then the encrypted file takes its name and the plaintext's
    bytes are overwritten with zeros. Returns the row counts. The daemon must be stopped.
    """
    db = settings.db_path
    state = is_encrypted(db)
    if state is None:
        raise StoreOpenError(f"{db} does not exist: nothing to encrypt (with encrypt = true gumd creates it encrypted)")
    if state:
        raise StoreOpenError(f"{db} is already encrypted")
    cipher = sqlcipher()
    key = load_key(settings.data_path, create=True)
    tmp = db.with_name(db.name + ".encrypting")
    for stale in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
        overwrite_and_remove(stale)  # an earlier attempt that stopped half-way
    os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    plain = cipher.connect(str(db), timeout=10)  # SQLCipher without a key reads plaintext SQLite
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = _table_counts(plain)
        version = plain.execute("PRAGMA user_version").fetchone()[0]
        plain.execute(f"ATTACH DATABASE ? AS encrypted KEY {key_pragma(key)}", [str(tmp)])
        plain.execute("SELECT sqlcipher_export('encrypted')")
        plain.execute(f"PRAGMA encrypted.user_version = {int(version)}")
        plain.execute("DETACH DATABASE encrypted")
    finally:
        plain.close()
    check = connect(tmp, key)
    try:
        integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
        copied = _table_counts(check)
    finally:
        check.close()
    if integrity != "ok" or copied != counts:
        overwrite_and_remove(tmp)
        raise StoreOpenError(f"the encrypted copy of {db} did not check out ({integrity}); the plaintext is untouched")
    for sidecar in ("-wal", "-shm", "-journal"):  # a plaintext WAL must not sit beside the encrypted file
        overwrite_and_remove(Path(f"{db}{sidecar}"))
    fd = os.open(db, os.O_RDWR)  # the plaintext's bytes, still reachable after its name is taken
    try:
        os.replace(tmp, db)
        _zero(fd)
    finally:
        os.close(fd)
    return counts
