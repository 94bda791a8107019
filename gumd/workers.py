"""The daemon's background work: the propositions engine's loop, and the periodic jobs (next-action follow-up,
behaviour statistics). Each starts and stops like every other part of the daemon."""

from __future__ import annotations

import datetime
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from gumd.capture.reading import ScreenReading
from gumd.config import Settings
from gumd.models.resources import batch_interval, on_battery
from gumd.nap.service import NapService
from gumd.propositions import statistics
from gumd.propositions.engine import Engine
from gumd.store import Proposition, Store, retryable_write_error

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineStatus:
    busy: bool
    last_error: str | None  # why the last batch or engine run failed, until one succeeds
    dropped: dict[str, int] = field(default_factory=dict)  # sentences the checks refused since start, by reason


class EngineLoop:
    """Drains pending batches whenever the interval for the current power source has passed (on battery: the
    longer battery interval, or not until mains power); each proposition written or supported goes to
    `publish`.

    Between batches, and whenever `wake()` is called, it reads the frames queued for a vision model
    (`reading`), first, so that their observations reach the batches with the model's text; not on battery
    while the battery setting waits for mains power.

    It runs in a daemon thread of its own: at shutdown a batch still inside the model is parked by
    engine.stop() and the process exits without waiting for it.
    """

    def __init__(self, engine: Engine, store: Store, settings: Settings, publish: Callable[[Proposition], None],
                 reading: ScreenReading | None = None):
        self.engine = engine
        self.store = store
        self.settings = settings
        self.publish = publish
        self.reading = reading
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gumd-engine", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Look at the work now rather than at the next interval (a frame was queued for the vision model)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self.engine.stop()
        if self.reading is not None:
            self.reading.release()

    def status(self) -> EngineStatus:
        e = self.engine
        return EngineStatus(busy=e.busy, last_error=e.last_error, dropped=dict(e.dropped))

    def _run(self) -> None:
        s = self.settings
        last = time.monotonic()
        write_error = None
        while not self._stopping.is_set():
            self._wake.wait(min(s.batch_interval_s, 60))
            self._wake.clear()
            if self._stopping.is_set():
                return
            interval = batch_interval(s.batch_interval_s, s.battery_batch_interval_s, on_battery())
            if interval is None:
                continue
            try:
                if self.reading is not None:
                    self.reading.read_queued(self._stopping.is_set)
                if time.monotonic() - last < interval:
                    continue
                last = time.monotonic()
                self._drain()
                if self.engine.last_error is not None and self.engine.last_error == write_error:
                    self.engine.last_error = None  # the database takes writes again
            except Exception as e:  # e.g. a locked or full database: try again at the next interval
                error = f"{type(e).__name__}: {e}"
                if retryable_write_error(e) is None:
                    log.exception("the propositions engine failed; it tries again in %.0f s", interval)
                elif error != self.engine.last_error:  # one line while the same fault lasts
                    log.warning("the propositions engine failed: %s; it tries again every %g s", error, interval)
                write_error = error if retryable_write_error(e) else None
                self.engine.last_error = error  # shown in /v1/status until a batch succeeds

    def _drain(self) -> None:
        while not self._stopping.is_set() and (outcome := self.engine.run_once()) is not None:
            for prop_id in outcome.propositions:
                if (p := self.store.propositions.get(prop_id, with_evidence=False)) is not None:
                    self.publish(p)


class PeriodicJobs:
    """The next-action predictor's follow-up every 5 s, and the behaviour statistics hourly (first after a
    minute)."""

    def __init__(self, store: Store, nap: NapService):
        from apscheduler.schedulers.background import BackgroundScheduler

        self.store = store
        self.scheduler = BackgroundScheduler()
        self.scheduler.add_job(nap.follow, "interval", seconds=5, max_instances=1, coalesce=True)
        self.scheduler.add_job(
            self._refresh_statistics, "interval", seconds=3600, max_instances=1, coalesce=True,
            next_run_time=datetime.datetime.now() + datetime.timedelta(seconds=60),
        )

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=False)

    def _refresh_statistics(self) -> None:
        try:
            written = statistics.refresh(self.store)
        except Exception as e:
            reason = retryable_write_error(e)
            if reason is None:
                raise
            log.warning("behaviour statistics not written (%s); tried again at the next hourly run", reason)
            return
        if written:
            log.info("behaviour statistics: %d propositions written", len(written))
