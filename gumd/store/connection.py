"""The one way gumd opens its SQLite file: the standard sqlite3 module, or SQLCipher when the store is encrypted.

Every connection to a data dir's database comes from `connect()`, so a key, once
given, is used everywhere (the store's per-thread connections and the export's
read-only one). An encrypted file is opened with a raw 256-bit key (`x'…'`): the key
is random, so SQLCipher's password stretching (PBKDF2, 256,000 rounds) would only
slow every open.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import ModuleType
from typing import Any

SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every plaintext SQLite file
KEY_BYTES = 32


class StoreOpenError(Exception):
    """The database cannot be opened as configured; the message is one line saying what to do."""

    exit_code = 2  # like a config error: restarting the service will not help


def sqlcipher() -> ModuleType:
    """The sqlcipher3 module (SQLCipher's DB-API driver), or StoreOpenError saying how to install it."""
    try:
        import sqlcipher3
    except ImportError:
        raise StoreOpenError(
            "encrypt = true needs SQLCipher: run `.venv/bin/pip install sqlcipher3-binary keyring` "
            "(gumd's `encrypt` extra), or set encrypt = false"
        ) from None
    return sqlcipher3


def _drivers() -> list[ModuleType]:
    try:
        import sqlcipher3
    except ImportError:
        return [sqlite3]
    return [sqlite3, sqlcipher3]


def errors(name: str) -> tuple[type[Exception], ...]:
    """One DB-API exception class (e.g. "IntegrityError") of every driver a store may be using.

    sqlcipher3's exceptions do not derive from sqlite3's, so `except sqlite3.IntegrityError`
    would miss them on an encrypted store. (sqlite-utils catches sqlite3's own in a few places:
    dropping with ignore=True, feature probes, and releasing a savepoint after INSERT ... RETURNING
    through `db.query`; gumd uses none of them on a live store.)
    """
    return tuple(getattr(module, name) for module in _drivers())


def is_encrypted(path: Path) -> bool | None:
    """True when the file is not plaintext SQLite, False when it is, None when it is missing or empty."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return None
    if not head:
        return None
    return head != SQLITE_HEADER


_checked: set[tuple[int, int, bool]] = set()  # (device, inode, encrypt) of files found as expected


def check_file(path: Path, encrypt: bool) -> None:
    """StoreOpenError when an existing database file is not what `encrypt` expects.

    Reading the header opens and closes the file, and closing a descriptor drops every POSIX lock
    this process holds on that file, SQLite's own included (sqlite.org/howtocorrupt.html, 2.2): a
    connection opened later, beside live ones, then met "disk I/O error". So a file is read once per
    process, before its first connection, and known again by its inode (`gumd store encrypt` swaps
    in a new file, with a new inode). A new, empty file is known from its first connection on.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return
    if st.st_size < len(SQLITE_HEADER) or (st.st_dev, st.st_ino, encrypt) in _checked:
        return
    encrypted = is_encrypted(path)
    if encrypted and not encrypt:
        raise StoreOpenError(
            f"{path} is encrypted: set encrypt = true (its key is in the OS keyring), or move it away to start afresh"
        )
    if encrypted is False and encrypt:
        raise StoreOpenError(
            f"{path} is not encrypted but encrypt = true: stop gumd and run `gumd store encrypt` "
            "to encrypt it, or set encrypt = false"
        )
    _checked.add((st.st_dev, st.st_ino, encrypt))


def _known_good(path: Path, encrypt: bool) -> None:
    """Remember a file a connection has just opened as `encrypt` says, so it is not read again."""
    st = path.stat()
    _checked.add((st.st_dev, st.st_ino, encrypt))


def key_pragma(key: bytes) -> str:
    """The PRAGMA (or ATTACH … KEY) literal for a raw key: no password stretching."""
    if len(key) != KEY_BYTES:
        raise ValueError(f"a store key has {KEY_BYTES} bytes, not {len(key)}")
    return "\"x'%s'\"" % key.hex()


def connect(path: Path | str, key: bytes | None = None, *, read_only: bool = False, timeout: float = 10.0) -> Any:
    """A connection to the database at `path`: SQLCipher with `key`, plain sqlite3 without.

    Raises StoreOpenError when the file and the key do not go together (an encrypted
    file without a key, a plaintext one with a key, or the wrong key).
    """
    path = Path(path)
    check_file(path, encrypt=key is not None)
    module = sqlite3 if key is None else sqlcipher()
    target = f"{path.resolve().as_uri()}?mode=ro" if read_only else str(path)
    conn = module.connect(target, uri=read_only, timeout=timeout, check_same_thread=False)
    if key is not None:
        conn.execute(f"PRAGMA key = {key_pragma(key)}")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except module.DatabaseError:
            conn.close()
            raise StoreOpenError(
                f"the key in the OS keyring does not open {path}: restore the key it was made with, "
                "or move the database away to start afresh"
            ) from None
    _known_good(path, encrypt=key is not None)
    return conn
