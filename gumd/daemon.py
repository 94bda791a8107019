"""Wiring for `gumd run`: observers -> pipeline -> store -> engine, the API, and a clean shutdown."""

from __future__ import annotations

import datetime
import fcntl
import logging
import logging.handlers
import os
import queue
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import Any

from gumd.config import Settings, check_private_dir, ensure_data_dir
from gumd.models import LanguageModel, load_embedder, load_language_model, load_ocr
from gumd.models.resources import batch_interval, on_battery
from gumd.observers.base import Event
from gumd.observers.display import DisplayLink, DisplayParts
from gumd.observers.screen import NearDuplicates
from gumd.pipeline import CpuBudget, Pipeline
from gumd.privacy import CaptureControl, Exclusions, InvalidRule, UserPattern, check_app, check_pattern
from gumd.nap.predict import Predictor
from gumd.nap.service import NapService
from gumd.propositions import statistics
from gumd.propositions.engine import Engine
from gumd.propositions.retrieve import Retriever
from gumd.retention import FrameArchive
from gumd.store import Store, retryable_write_error
from gumd.store.encryption import open_store
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
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
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


class PrivateRotatingLog(logging.handlers.RotatingFileHandler):
    """A size-rotated log whose files, rotated ones included, are readable by the user alone."""

    def _open(self):
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(settings: Settings) -> None:
    """log_level and up to stderr and to a rotating log (5 MB x 4) at settings.log_path, dir 0700, files 0600."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        settings.log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        check_private_dir(settings.log_path.parent, "log dir")
        fh = PrivateRotatingLog(settings.log_path, maxBytes=5_000_000, backupCount=3)
        fh.setFormatter(fmt)
        root.addHandler(fh)
        sh = logging.StreamHandler()
        sh.setFormatter(fmt)
        root.addHandler(sh)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # one line per tick otherwise
    for chatty in ("httpx", "httpcore"):  # their INFO request lines carry URLs, and URLs carry search words
        logging.getLogger(chatty).setLevel(logging.WARNING)


def privacy_rules(settings: Settings, store: Store) -> tuple[Exclusions, tuple[UserPattern, ...]]:
    """The exclusions and extra redaction patterns in force: built-in defaults (unless turned off) plus the
    user's rules stored in the database. A stored pattern RE2 cannot compile (one saved before gumd used RE2)
    is left out with a warning that says how to replace it."""
    usable = []
    for rule in store.capture.rules():
        try:
            usable.append((rule, check_app(rule.pattern) if rule.kind == "app" else check_pattern(rule.pattern)))
        except InvalidRule as e:
            log.warning("privacy rule [%d] is not applied: %s; remove it (`gumd exclude remove %d` or "
                        "`gumd redact remove %d`) and add a version without it", rule.id, e, rule.id, rule.id)
    exclusions = Exclusions.build(
        settings.exclude_defaults,
        apps=[r.pattern for r, _ in usable if r.kind == "app"],
        title_patterns=[r.pattern for r, _ in usable if r.kind == "title"],
    )
    return exclusions, tuple(compiled for r, compiled in usable if r.kind == "redact")


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
                "frames_deferred": self.pipeline.counts.deferred,
                "deferred_wait_s": round(self.pipeline.counts.deferred_wait_s, 1),
                "deferred_wait_max_s": round(self.pipeline.counts.deferred_wait_max_s, 1),
                "locked_skips": self.pipeline.counts.locked,
                "cpu_s": round(self.pipeline.counts.cpu_s, 2),
                "cpu_share": round(self.pipeline.budget.used(time.time()), 4),
                "cpu_budget": self.pipeline.budget.share,
                "observations_stored": self.pipeline.stored,
                "excluded": self.pipeline.excluded,
                "ocr_partial_frames": self.transcriber.stats.partial,
                "ocr_rows_read": self.transcriber.stats.rows_read,
                "ocr_rows_total": self.transcriber.stats.rows_total,
                "ocr_pixels_read": self.transcriber.stats.pixels_read,
                "ocr_pixels_total": self.transcriber.stats.pixels_total,
                "redactions": dict(self.transcriber.redactions),
                "dropped_events": self.dropped_events,
                "display": self.display.state if self.display else None,
                "observations_held": len(self.pipeline.held),
                "observations_dropped": self.pipeline.counts.dropped,
                "last_error": (self.display.error if self.display else None) or (
                    f"cannot store observations: {self.pipeline.store_error}" if self.pipeline.store_error else None),
            },
            "data_dir_free_bytes": shutil.disk_usage(s.data_path).free,
            "engine": {"busy": self.engine.busy, "last_error": self.engine.last_error,
                       "dropped": dict(self.engine.dropped)},
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
        from gumd.api.audit import AuditLog
        from gumd.api.events import EventBus
        from gumd.api.server import LoopbackServer, SocketServer
        from gumd.api.sessions import Sessions

        s = self.settings
        self.store = open_store(s)
        resumed = self.store.batches.resume_interrupted()
        if resumed:
            log.info("resuming %d observations left in a batch by an earlier run", resumed)
        self.transcriber = Transcriber(
            load_ocr(s.ocr, nice=s.model_nice), incremental=s.capture_incremental_ocr
        )
        model = SharedModel(s)
        model()  # a missing or corrupt model file stops start-up here, with its reason
        self.retriever = Retriever(self.store, load_embedder(s))
        self.engine = Engine.from_settings(self.store, model, self.retriever, s)
        if s.capture:
            from gumd.doctor import wayland_warning

            if note := wayland_warning(os.environ):
                log.warning(note)
        self.display = self._display_link()
        self.control = CaptureControl(enabled=s.capture, on_change=self.store.capture.save_pause)
        self.control.restore(*self.store.capture.load_pause())
        archive = FrameArchive(s.frames_dir, s.keep_screenshots_mb * 1_000_000) if s.keep_screenshots else None
        self.pipeline = Pipeline(
            self.store, self.transcriber, Exclusions(),
            grab=self._grab if self.display else None, min_interval_s=s.capture_min_interval_s,
            control=self.control, windows=self._visible_windows if self.display else None,
            heartbeat_s=s.capture_heartbeat_s, idle_s=s.capture_idle_s,
            duplicates=NearDuplicates(s.capture_duplicate_cells), archive=archive,
            budget=CpuBudget(s.capture_cpu_budget, s.capture_cpu_window_s),
            locker=self._locker if self.display else None,
        )
        self._apply_rules()
        self.control.listen(rules_changed=self._apply_rules, forgotten=self._forgotten(archive))
        self.bus = EventBus()
        audit = AuditLog(self.store)
        predictor = Predictor(self.store, model=model(), embedder=self.retriever.embedder,
                              proposition_search=lambda q: [h.proposition for h in self.retriever.search(q, limit=3)])
        self.nap = NapService(self.store, predictor, model_free=lambda: not self.engine.busy, publish=self.bus.publish)
        sessions = Sessions()
        app = create_app(self.store, self.status, self.control, bus=self.bus, audit=audit, retriever=self.retriever,
                         predictor=self.nap, sessions=sessions)
        servers = [SocketServer(app, s.socket_path)]
        if s.api_tcp_port:  # 127.0.0.1 only: a bearer token, or a dashboard session
            servers.append(LoopbackServer(app, s.api_tcp_port))
        for server in servers:
            server.start()
        if s.api_tcp_port:
            sessions.url = str(servers[-1])
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        pipeline_thread = threading.Thread(target=self._pipeline_loop, name="gumd-pipeline", daemon=True)
        pipeline_thread.start()
        threading.excepthook = self._thread_died
        if self.display:
            self.display.start(self._first_parts)
        # The engine runs in a daemon thread of its own, not in the scheduler's pool: at shutdown a batch
        # still inside the model is parked by engine.stop() and the process exits without waiting for it.
        engine_thread = threading.Thread(target=self._engine_loop, name="gumd-engine", daemon=True)
        engine_thread.start()
        scheduler = BackgroundScheduler()
        scheduler.add_job(self.nap.follow, "interval", seconds=5, max_instances=1, coalesce=True)
        scheduler.add_job(
            self._refresh_statistics, "interval", seconds=3600, max_instances=1, coalesce=True,
            next_run_time=datetime.datetime.now() + datetime.timedelta(seconds=60),
        )
        scheduler.start()
        log.info("gumd running: data dir %s, capture %s, API on %s", s.data_path, "on" if s.capture else "off", s.socket_path)
        self.stopping.wait()
        log.info("stopping")
        if self.display:
            self.display.close()
        pipeline_thread.join(timeout=10)
        self.pipeline.close(time.time())
        if self.pipeline.held:
            self.pipeline.flush_held()
        if self.pipeline.held:  # the database still refuses writes: say what is lost
            log.warning("%d observations held in memory could not be stored and are lost (%s)",
                        len(self.pipeline.held), self.pipeline.store_error)
        self.engine.stop()
        scheduler.shutdown(wait=False)
        for server in servers:
            server.stop()
        audit.close()
        self.store.close()
        log.info("stopped")
        return 0

    def _engine_loop(self) -> None:
        """Drain pending batches whenever the interval for the current power source has passed (on
        battery: the longer battery interval, or not until mains power); each proposition written
        or supported goes out on the event stream."""
        s = self.settings
        last = time.monotonic()
        write_error = None
        while not self.stopping.wait(min(s.batch_interval_s, 60)):
            interval = batch_interval(s.batch_interval_s, s.battery_batch_interval_s, on_battery())
            if interval is None or time.monotonic() - last < interval:
                continue
            last = time.monotonic()
            try:
                while not self.stopping.is_set() and (outcome := self.engine.run_once()) is not None:
                    for prop_id in outcome.propositions:
                        if (p := self.store.propositions.get(prop_id, with_evidence=False)) is not None:
                            self.bus.publish_proposition(p)
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

    def _refresh_statistics(self) -> None:
        written = statistics.refresh(self.store)
        if written:
            log.info("behaviour statistics: %d propositions written", len(written))

    def _display_link(self) -> DisplayLink | None:
        """The link to the display when capture is on; it connects now, so that a missing display stops
        start-up with its reason (DisplayUnavailable)."""
        self._first_parts = None
        if not self.settings.capture:
            return None
        self._first_parts = self._display_parts()
        return DisplayLink(self._display_parts, self._emit)

    def _display_parts(self) -> DisplayParts:
        """Everything that talks to the display, connected: window backend, screen, and the observers."""
        from gumd.observers.input import InputObserver, Settle
        from gumd.observers.screen import Screen
        from gumd.observers.session import SessionObserver, X11SessionBackend
        from gumd.observers.window import DisplayUnavailable, FocusObserver, default_backend

        s = self.settings
        backend = default_backend()
        screen = Screen()
        try:
            screen.monitors()  # connect now: a display that is gone fails here, not at the first grab
        except Exception:
            backend.close()
            raise
        settle = Settle(click=s.capture_settle_click_s, keys=s.capture_settle_keys_s, scroll=s.capture_settle_scroll_s)
        parts = DisplayParts(backend, screen, [FocusObserver(backend, s.window_poll_s), InputObserver(settle)])
        try:
            session = X11SessionBackend()
            parts.observers.append(SessionObserver(session, s.capture_idle_s))
            parts.closers.append(session.close)
        except DisplayUnavailable as e:  # idle then comes from gumd's own input counts; a lock goes unseen
            log.warning("screen lock and idle time unavailable: %s", e)
        return parts

    def _on_display(self, use):
        """use(parts) on the X display; None while it cannot be reached (the display reports the failure)."""
        parts = self.display.parts
        if parts is None:
            return None
        try:
            return use(parts)
        except Exception as e:
            if self.display.report(e, parts):
                return None
            raise

    def _grab(self, reason: str):
        """Every monitor, the one holding the focused window (else the pointer) first; None while the display
        cannot be reached."""
        def grab(parts):
            focused = parts.backend.active_window()
            if focused is not None and focused.rect is not None:
                left, top, width, height = focused.rect
                first = (left + width // 2, top + height // 2)
            else:
                first = parts.backend.pointer()
            return parts.screen.grab(reason, first)

        return self._on_display(grab)

    def _visible_windows(self):
        return self._on_display(lambda parts: parts.backend.visible_windows())

    def _locker(self) -> str | None:
        """A screen locker's WM_CLASS while one shows; None when none does or the display cannot be reached."""
        return self._on_display(lambda parts: parts.backend.locker())

    def _thread_died(self, args: threading.ExceptHookArgs) -> None:
        """An exception no thread caught (pynput's listeners die this way when the display goes): to the display
        link when the display went away, else to the log with its traceback."""
        if self.display is not None and args.exc_value is not None and self.display.report(args.exc_value):
            return
        log.error("thread %s died", getattr(args.thread, "name", "?"),
                  exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

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
            try:  # while idle or locked only an event (or a pause ending) changes anything: wake rarely
                event = self.events.get(timeout=0.5 if self.pipeline.presence == "active" else 5.0)
            except queue.Empty:
                event = None
            try:
                if event is not None:
                    self.pipeline.handle(event)
                self.pipeline.tick(time.time())
            except Exception:  # one bad frame must not stop capture
                log.exception("the capture pipeline failed on an event")
