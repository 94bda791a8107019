"""gumd's SQLite file: how it is opened (sqlite3, or SQLCipher when encrypted), its per-thread connections,
and the one way to write to it, `Database.transaction()`.

Every connection to a data dir's database comes from `connect()`, so a key, once
given, is used everywhere (the per-thread connections and the export's read-only
one). An encrypted file is opened with a raw 256-bit key (`x'…'`): the key is
random, so SQLCipher's password stretching (PBKDF2, 256,000 rounds) would only
slow every open. The file is in WAL mode, so the API can read while the pipeline
writes; it and its WAL are created 0600.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Iterable, Iterator

import sqlite_utils

from gumd.store.migrations import migrate

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


def retryable_write_error(error: BaseException) -> str | None:
    """A short reason when `error` means the database cannot be written now (disk full, I/O error, locked,
    read-only) and the write may succeed later; None for any other error."""
    if isinstance(error, errors("OperationalError")):  # sqlite3's, or SQLCipher's (not a subclass)
        return str(error)
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS):
        return os.strerror(error.errno)
    return None


class Database:
    """One SQLite file, with `key` (32 bytes) an SQLCipher-encrypted one; migrated when opened.

    Each thread gets its own connection. Every write goes through `transaction()`.
    """

    def __init__(self, path: Path | str, key: bytes | None = None):
        self.path = Path(path)
        self.key = key
        self._local = threading.local()
        self._all_conns: list[Any] = []
        self._lock = threading.Lock()
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        migrate(self)

    @property
    def sqlite(self) -> sqlite_utils.Database:
        """This thread's sqlite-utils handle on the file (for its table helpers), opened on first use."""
        db = getattr(self._local, "db", None)
        if db is None:
            conn = connect(self.path, self.key, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA secure_delete=ON")
            db = sqlite_utils.Database(conn)
            self._local.db = db
            with self._lock:
                self._all_conns.append(conn)
        return db

    def execute(self, sql: str, params: Iterable[Any] | dict = ()) -> Any:
        """Run one statement on this thread's connection; returns the cursor."""
        return self.sqlite.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        """Run one statement once per parameter row (inside a transaction)."""
        self.sqlite.conn.executemany(sql, rows)

    def rows(self, sql: str, params: Iterable[Any] | dict = ()) -> list[dict]:
        """Every row of a query, as dicts."""
        return list(self.sqlite.query(sql, params))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction for everything written inside, nested transactions included: all of it or none."""
        depth = getattr(self._local, "depth", 0)
        self._local.depth = depth + 1
        try:
            if depth:
                yield
            else:
                # An explicit BEGIN: with `with conn:` alone the transaction opened only at the first plain
                # statement, and sqlite-utils' own insert (BEGIN ... COMMIT when none is open) committed
                # early, so a batch that failed half-way kept its first proposition. IMMEDIATE takes the
                # write lock up front (waiting out the busy timeout): a deferred transaction that read
                # first and then wrote after another connection's commit failed at once with "database
                # is locked", which no busy timeout waits out.
                # A COMMIT that fails (disk full) may leave the transaction open, holding the write lock
                # for as long as the connection lives: it is rolled back too.
                conn = self.sqlite.conn
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
        finally:
            self._local.depth = depth

    def checkpoint(self, attempts: int = 1) -> bool:
        """Copy the WAL into the database and truncate it; True when the WAL is now empty.

        A reader holding an old snapshot blocks truncation; with `attempts` > 1, try again briefly.
        """
        for attempt in range(attempts):
            if attempt:
                time.sleep(0.05)
            try:
                busy, _, _ = self.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            except errors("OperationalError"):
                busy = 1
            if not busy:
                return True
        return False

    def file_bytes(self) -> int:
        """Bytes on disk of the database file and its WAL."""
        return sum(f.stat().st_size for f in (self.path, self.path.with_name(self.path.name + "-wal")) if f.exists())

    def close(self) -> None:
        """Close every connection this database opened, checkpointing the WAL."""
        with self._lock:
            conns, self._all_conns = self._all_conns, []
        for conn in conns:
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except errors("Error"):
                pass
            conn.close()
        self._local = threading.local()
