"""The API's audit log: every request's client, route, method, status, transport and time, written in batches.

Requests only append to a buffer in memory; a timer writes the buffer in one
transaction at most `flush_every_s` after the first entry waiting (whether or
not another request comes), and it is also written when it fills, before the
log is read, and at shutdown. A crash can lose the last second.

Requests refused before they were let in (no token, a wrong one, a foreign
Host or Origin, too large...) cost O(1) storage, however many come: they are
counted per minute, client, status and transport in one row that keeps the
first refused path's prefix. The table keeps at most `max_rows` rows, and
rows older than KEEP_DAYS go.
"""

from __future__ import annotations

import logging
import re
import threading
import time

from gumd.store import Store, retryable_write_error
from gumd.store.access import AuditEntry

log = logging.getLogger(__name__)

KEEP_DAYS = 90
MAX_ROWS = 100_000  # about 10 MB of database
ROUTE_PREFIX = 48  # the characters of a refused or unmatched path kept
_NOT_PATH = re.compile(r"[^A-Za-z0-9/_.{}-]")


def route_prefix(path: str) -> str:
    """What the log keeps of a path no route matched: its first ROUTE_PREFIX characters, plain ones only."""
    kept = _NOT_PATH.sub("?", path[:ROUTE_PREFIX])
    return kept + "…" if len(path) > ROUTE_PREFIX else kept


class AuditLog:
    def __init__(self, store: Store, flush_every_s: float = 1.0, max_buffer: int = 500, max_rows: int = MAX_ROWS):
        self.store = store
        self.flush_every_s = flush_every_s
        self.max_buffer = max_buffer
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._writing = threading.Lock()
        self._buffer: list[AuditEntry] = []
        # refusals: (minute, client, status, transport) -> counted, not yet written
        self._refused: dict[tuple[int, str, int, str], AuditEntry] = {}
        self._rows: dict[tuple[int, str, int, str], int] = {}  # the row each counted key went to
        self._last_flush = time.monotonic()
        self._last_prune = 0.0
        self._failing = False
        self._timer: threading.Timer | None = None
        self._closed = False

    def record(self, entry: AuditEntry) -> None:
        with self._lock:
            self._buffer.append(entry)
            self._schedule()

    def record_refusal(self, entry: AuditEntry) -> None:
        """Count a request refused before it was let in, on its minute's row."""
        key = (int(entry.at // 60), entry.client, entry.status, entry.transport)
        with self._lock:
            held = self._refused.get(key)
            if held is None:
                self._refused[key] = AuditEntry(entry.at, entry.client, entry.method, route_prefix(entry.route),
                                                entry.status, transport=entry.transport, count=1)
            else:
                self._refused[key] = AuditEntry(held.at, held.client, held.method, held.route, held.status,
                                                transport=held.transport, count=held.count + 1)
            self._schedule()

    def _schedule(self) -> None:
        """Start the timer that writes the buffer within flush_every_s (the lock is held)."""
        if self._timer is None and not self._closed:
            delay = max(0.0, self.flush_every_s - (time.monotonic() - self._last_flush))
            self._timer = threading.Timer(delay, self._timed_flush)
            self._timer.name, self._timer.daemon = "gumd-audit-flush", True
            self._timer.start()

    def _timed_flush(self) -> None:
        with self._lock:
            self._timer = None
        self.flush()

    @property
    def due(self) -> bool:
        """True when the buffer is full and should be written now, without waiting for the timer."""
        with self._lock:
            return len(self._buffer) >= self.max_buffer

    def flush(self) -> None:
        """Write what is buffered; on a database error keep it and try again later."""
        with self._writing:  # one writer at a time, so a minute's count goes to one row
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            entries, self._buffer = self._buffer, []
            refused, self._refused = self._refused, {}
            self._last_flush = time.monotonic()
            minute = int(time.time() // 60)
            self._rows = {k: v for k, v in self._rows.items() if k[0] >= minute - 1}
            counted = [(k, AuditEntry(**{**e.__dict__, "id": self._rows.get(k, 0)})) for k, e in refused.items()]
        if not entries and not counted:
            return
        try:
            self.store.access.record_audit(entries)
            ids = self.store.access.record_audit_counts([e for _, e in counted])
            self.store.access.cap_audit(self.max_rows)
            now = time.time()
            if now - self._last_prune > 86400:
                self._last_prune = now
                self.store.access.prune_audit(now - KEEP_DAYS * 86400)
        except Exception as e:
            if (reason := retryable_write_error(e)) is None:
                log.exception("could not write %d audit entries; will try again", len(entries) + len(counted))
            elif not self._failing:  # one line while the database refuses writes
                log.warning("could not write %d audit entries (%s); they are kept and written later",
                            len(entries) + len(counted), reason)
            self._failing = True
            with self._lock:
                self._buffer[:0] = entries
                for k, e in counted:
                    later = self._refused.get(k)
                    self._refused[k] = e if later is None else AuditEntry(**{**e.__dict__,
                                                                            "count": e.count + later.count})
                self._schedule()
            return
        self._failing = False
        with self._lock:
            self._rows.update({k: row for (k, _), row in zip(counted, ids)})

    def close(self) -> None:
        """Stop the timer and write what is left."""
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
        self.flush()
