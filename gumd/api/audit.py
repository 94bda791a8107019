"""The API's audit log: every request's client, route, method, status and time, written in batches.

Requests only append to a buffer in memory; the buffer is written in one
transaction at most every `flush_every_s` (after a response has been sent),
before the log is read, and at shutdown. A crash can lose the last second.
"""

from __future__ import annotations

import logging
import threading
import time

from gumd.store import Store, write_failure
from gumd.store.access import AuditEntry, prune_audit, record_audit

log = logging.getLogger(__name__)

KEEP_DAYS = 90


class AuditLog:
    def __init__(self, store: Store, flush_every_s: float = 1.0, max_buffer: int = 500):
        self.store = store
        self.flush_every_s = flush_every_s
        self.max_buffer = max_buffer
        self._lock = threading.Lock()
        self._buffer: list[AuditEntry] = []
        self._last_flush = time.monotonic()
        self._last_prune = 0.0
        self._failing = False

    def record(self, entry: AuditEntry) -> None:
        with self._lock:
            self._buffer.append(entry)

    @property
    def due(self) -> bool:
        """True when the buffer should be written now."""
        with self._lock:
            return bool(self._buffer) and (
                len(self._buffer) >= self.max_buffer or time.monotonic() - self._last_flush >= self.flush_every_s
            )

    def flush(self) -> None:
        """Write what is buffered; on a database error keep it for the next try."""
        with self._lock:
            entries, self._buffer = self._buffer, []
            self._last_flush = time.monotonic()
        if not entries:
            return
        try:
            record_audit(self.store, entries)
            now = time.time()
            if now - self._last_prune > 86400:
                self._last_prune = now
                prune_audit(self.store, now - KEEP_DAYS * 86400)
        except Exception as e:
            if (reason := write_failure(e)) is None:
                log.exception("could not write %d audit entries; will try again", len(entries))
            elif not self._failing:  # one line while the database refuses writes
                log.warning("could not write %d audit entries (%s); they are kept and written later",
                            len(entries), reason)
            self._failing = True
            with self._lock:
                self._buffer[:0] = entries
            return
        self._failing = False
