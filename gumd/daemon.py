"""Wiring for `gumd run`: observers -> pipeline -> store -> engine, the API, and a clean shutdown."""

from __future__ import annotations

import fcntl
import logging
import logging.handlers
import os
import queue
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any

from gumd.config import Settings, ensure_data_dir
from gumd.models import LanguageModel, load_language_model, load_ocr
from gumd.observers.base import Event
from gumd.observers.screen import NearDuplicates
from gumd.pipeline import Pipeline
from gumd.privacy import CaptureControl, Exclusions, check_pattern
from gumd.propositions.engine import Engine
from gumd.retention import FrameArchive
from gumd.store import Store
from gumd.store.capture import CaptureStore
from gumd.transcribe import Transcriber

log = logging.getLogger("gumd")


class AlreadyRunning(RuntimeError):
    """Another gumd holds this data dir."""


class DataDirLock:
    """An exclusive lock on `gumd.lock` in the data dir, held for the daemon's life."""

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise AlreadyRunning(
                f"gumd is already running for data dir {self.path.parent} (pid {holder}); "
                "stop it first or pick another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def setup_logging(settings: Settings) -> None:
    """INFO and up to the rotating log in the data dir (0600) and to stderr."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        fh = logging.handlers.RotatingFileHandler(settings.log_path, maxBytes=5_000_000, backupCount=3)
        os.chmod(settings.log_path, 0o600)
        fh.setFormatter(fmt)
        root.addHandler(fh)
        sh = logging.StreamHandler()
        sh.setFormatter(fmt)
        root.addHandler(sh)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # one line per tick otherwise


def privacy_rules(settings: Settings, store: Store) -> tuple[Exclusions, tuple[re.Pattern, ...]]:
    """The exclusions and extra redaction patterns in force: built-in defaults (unless turned off) plus the
    user's rules stored in the database."""
    rules = CaptureStore(store).rules()
    exclusions = Exclusions.build(
        settings.exclude_defaults,
        apps=[r.pattern for r in rules if r.kind == "app"],
        title_patterns=[r.pattern for r in rules if r.kind == "title"],
    )
    return exclusions, tuple(check_pattern(r.pattern) for r in rules if r.kind == "redact")


class SharedModel:
    """Loads the language model once, on first use, for every part of the daemon that needs it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lm: LanguageModel | None = None
        self._lock = threading.Lock()

    def __call__(self) -> LanguageModel:
        with self._lock:
            if self._lm is None:
                self._lm = load_language_model(self.settings)
            return self._lm


class Daemon:
    """One running gumd: call run() from the main thread; SIGINT/SIGTERM stop it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.stopping = threading.Event()
        self.started_at = time.time()
        self.events: queue.Queue[Event] = queue.Queue(maxsize=1000)
        self.dropped_events = 0

    def _emit(self, event: Event) -> None:
        try:
            self.events.put_nowait(event)
        except queue.Full:
            self.dropped_events += 1

    def status(self) -> dict[str, Any]:
        s = self.settings
        return {
            "pid": os.getpid(),
            "started_at": self.started_at,
            "data_dir": str(s.data_path),
            "model": s.model,
            "capture": {
                **self.control.state(),
                "presence": self.pipeline.presence,
                "frames_captured": self.pipeline.counts.frames_new,
                "frames_unchanged": self.pipeline.counts.frames_duplicate,
                "frames_blanked": self.pipeline.counts.blanked,
                "observations_stored": self.pipeline.stored,
                "excluded": self.pipeline.excluded,
                "ocr_partial_frames": self.transcriber.stats.partial,
                "ocr_rows_read": self.transcriber.stats.rows_read,
                "ocr_rows_total": self.transcriber.stats.rows_total,
                "redactions": dict(self.transcriber.redactions),
                "dropped_events": self.dropped_events,
            },
            "engine": {"busy": self.engine.busy, "last_error": self.engine.last_error},
        }

    def run(self) -> int:
        s = self.settings
        ensure_data_dir(s)
        setup_logging(s)
        lock = DataDirLock(s.lock_path)
        lock.acquire()
        try:
            return self._run()
        finally:
            lock.release()

    def _run(self) -> int:
        from apscheduler.schedulers.background import BackgroundScheduler

        from gumd.api.app import create_app
        from gumd.api.server import SocketServer

        s = self.settings
        self.store = Store(s.db_path)
        resumed = self.store.resume_interrupted()
        if resumed:
            log.info("resuming %d observations left in a batch by an earlier run", resumed)
        self.transcriber = Transcriber(load_ocr(s.ocr), incremental=s.capture_incremental_ocr)
        model = SharedModel(s)
        model()  # a missing or corrupt model file stops start-up here, with its reason
        self.engine = Engine(self.store, model, s.batch_max_observations, s.batch_max_chars, s.model_max_tokens)
        observers, self.screen = self._capture_parts()
        capture_store = CaptureStore(self.store)
        self.control = CaptureControl(enabled=s.capture, on_change=capture_store.save_pause)
        self.control.restore(*capture_store.load_pause())
        archive = FrameArchive(s.frames_dir, s.keep_screenshots_mb * 1_000_000) if s.keep_screenshots else None
        self.pipeline = Pipeline(
            self.store, self.transcriber, Exclusions(),
            grab=self._grab if self.screen else None, min_interval_s=s.capture_min_interval_s,
            control=self.control, windows=self._backend.visible_windows if self._backend else None,
            heartbeat_s=s.capture_heartbeat_s, idle_s=s.capture_idle_s,
            duplicates=NearDuplicates(s.capture_duplicate_cells), archive=archive,
        )
        self._apply_rules()
        self.control.listen(rules_changed=self._apply_rules, forgotten=self._forgotten(archive))
        server = SocketServer(create_app(self.store, self.status, self.control), s.socket_path)
        server.start()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        pipeline_thread = threading.Thread(target=self._pipeline_loop, name="gumd-pipeline", daemon=True)
        pipeline_thread.start()
        for o in observers:
            o.start(self._emit)
        scheduler = BackgroundScheduler()
        scheduler.add_job(
            lambda: self.engine.drain(self.stopping.is_set), "interval", seconds=s.batch_interval_s,
            max_instances=1, coalesce=True,
        )
        scheduler.start()
        log.info("gumd running: data dir %s, capture %s, API on %s", s.data_path, "on" if s.capture else "off", s.socket_path)
        self.stopping.wait()
        log.info("stopping")
        for o in observers:
            o.stop()
        pipeline_thread.join(timeout=10)
        self.pipeline.close(time.time())
        self.engine.stop()
        scheduler.shutdown(wait=False)
        server.stop()
        if self.screen:
            self.screen.close()
        self.store.close()
        log.info("stopped")
        return 0

    def _capture_parts(self) -> tuple[list, Any]:
        """The observers and the screen, when capture is on (they need a display)."""
        self._backend = None
        if not self.settings.capture:
            return [], None
        from gumd.observers.input import InputObserver, Settle
        from gumd.observers.screen import Screen
        from gumd.observers.session import SessionObserver, X11SessionBackend
        from gumd.observers.window import DisplayUnavailable, FocusObserver, default_backend

        s = self.settings
        self._backend = default_backend()
        settle = Settle(click=s.capture_settle_click_s, keys=s.capture_settle_keys_s, scroll=s.capture_settle_scroll_s)
        observers = [FocusObserver(self._backend, s.window_poll_s), InputObserver(settle)]
        try:
            observers.append(SessionObserver(X11SessionBackend(), s.capture_idle_s))
        except DisplayUnavailable as e:  # idle then comes from gumd's own input counts; a lock goes unseen
            log.warning("screen lock and idle time unavailable: %s", e)
        return observers, Screen()

    def _grab(self, reason: str):
        """Every monitor, the one holding the focused window (else the pointer) first."""
        focused = self._backend.active_window()
        if focused is not None and focused.rect is not None:
            left, top, width, height = focused.rect
            first = (left + width // 2, top + height // 2)
        else:
            first = self._backend.pointer()
        return self.screen.grab(reason, first)

    def _apply_rules(self) -> None:
        exclusions, patterns = privacy_rules(self.settings, self.store)
        self.control.exclusions = self.pipeline.exclusions = exclusions
        self.transcriber.extra_patterns = patterns

    def _forgotten(self, archive: FrameArchive | None):
        def forgotten(until: float, observation_ids: tuple[int, ...]) -> None:
            self.pipeline.forgot(until)
            if archive is not None:
                archive.forget(observation_ids)
        return forgotten

    def _pipeline_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                event = self.events.get(timeout=0.5)
            except queue.Empty:
                event = None
            try:
                if event is not None:
                    self.pipeline.handle(event)
                self.pipeline.tick(time.time())
            except Exception:  # one bad frame must not stop capture
                log.exception("the capture pipeline failed on an event")
