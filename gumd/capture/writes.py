"""The pipeline's writes, and observations held in memory while the database refuses writes.

While the database cannot be written (disk full, I/O error), observations are held, oldest first, up to
`hold_max`, and written in order as soon as a write succeeds again; beyond that the oldest are dropped and
counted.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Callable

from gumd.store import NewObservation, Store, retryable_write_error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WritesStatus:
    observations_stored: int
    observations_held: int  # waiting in memory for the database
    observations_dropped: int  # fell out of that wait (over hold_max)
    last_error: str | None  # why observations cannot be stored, until a write succeeds


class HeldWrites:
    """Writes to `store` that a refusing database does not turn into lost observations or a dead thread."""

    def __init__(self, store: Store, hold_max: int = 500):
        self.store = store
        self.hold_max = hold_max
        self.held: deque[NewObservation] = deque()
        self.stored = 0
        self.dropped = 0
        self.store_error: str | None = None  # why the last write failed, until one succeeds
        self._next_flush = 0.0

    def write(self, write: Callable[..., Any], *args: Any) -> Any:
        """`write(*args)`; None when the database refuses the write for now (logged once, until one succeeds)."""
        try:
            return write(*args)
        except Exception as e:
            reason = retryable_write_error(e)
            if reason is None:
                raise
            if self.store_error is None:
                log.warning("the database refuses writes (%s): new observations are held in memory, up to %d, "
                            "and written when it takes writes again", reason, self.hold_max)
            self.store_error = reason
            self._next_flush = time.monotonic() + 2.0
            return None

    def add(self, obs: NewObservation, to_read: bool = False) -> int | None:
        """Store `obs` after any held before it, as "reading" when a vision model is to read its frame first;
        None when it is held instead (a held one is written later as pending, its frame unread)."""
        if self.held:
            self.flush()
        args = (obs, "reading") if to_read else (obs,)
        if self.held or (obs_id := self.write(self.store.observations.add, *args)) is None:
            self._hold(obs)
            return None
        self.stored += 1
        self._writes_again()
        return obs_id

    def flush_due(self) -> bool:
        """True when observations are held and a retry is due."""
        return bool(self.held) and time.monotonic() >= self._next_flush

    def flush(self) -> None:
        """Write the held observations, oldest first, until the database refuses one again."""
        written = 0
        while self.held:
            if self.write(self.store.observations.add, self.held[0]) is None:
                return
            self.held.popleft()
            self.stored += 1
            written += 1
        self._writes_again(written)

    def forget(self, until: float) -> None:
        """Drop held observations that started at or before `until` (the user forgot that time)."""
        self.held = deque(o for o in list(self.held) if o.started_at > until)

    def _hold(self, obs: NewObservation) -> None:
        if len(self.held) >= self.hold_max:
            self.held.popleft()
            self.dropped += 1
            if self.dropped == 1:
                log.warning("more than %d observations wait for the database: the oldest are dropped (counted in "
                            "/v1/status as capture.observations_dropped)", self.hold_max)
        self.held.append(obs)

    def _writes_again(self, held_written: int = 0) -> None:
        if self.store_error is not None:
            log.info("the database takes writes again: %d held observations written", held_written)
            self.store_error = None

    def status(self) -> WritesStatus:
        return WritesStatus(
            observations_stored=self.stored, observations_held=len(self.held), observations_dropped=self.dropped,
            last_error=f"cannot store observations: {self.store_error}" if self.store_error else None)
