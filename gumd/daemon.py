"""`gumd run`: the daemon's parts built in one step, started and stopped in order, and its status.

The parts, in start-up order: the API servers, the periodic jobs, the capture loop, the display and the
propositions engine's loop; they stop in the reverse order, then the audit log and the store close.
"""

from __future__ import annotations

import fcntl
import logging
import logging.handlers
import os
import shutil
import signal
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from gumd.api.audit import AuditLog
from gumd.capture.display import Display, log_thread_deaths
from gumd.capture.guard import WindowGuard
from gumd.capture.handoff import Handoff
from gumd.capture.loop import CaptureLoop, Events, capture_status
from gumd.capture.pipeline import Pipeline
from gumd.capture.presence import UserPresence
from gumd.capture.reading import ScreenReading
from gumd.capture.schedule import CpuBudget, Schedule
from gumd.capture.writes import HeldWrites
from gumd.config import Settings, check_private_dir, ensure_data_dir
from gumd.models import LanguageModel, ModelError, load_embedder, load_language_model, load_next_action_model, load_ocr
from gumd.models.lm import Generation, Messages
from gumd.models.vision import load_screen_reader, remote_screenshots_warning
from gumd.nap.predict import Predictor
from gumd.nap.service import NapService
from gumd.observers.screen import NearDuplicates
from gumd.privacy import CaptureControl
from gumd.propositions.engine import Engine
from gumd.propositions.retrieve import Retriever
from gumd.retention import FrameArchive
from gumd.store import Store
from gumd.store.encryption import open_store
from gumd.transcribe import Transcriber
from gumd.usecases.rules import CaptureRules
from gumd.workers import EngineLoop, PeriodicJobs

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


class SharedModel:
    """Loads a language model once, on first use (`load`: the propositions' model unless told otherwise), for
    every part of the daemon that needs it."""

    def __init__(self, settings: Settings, load: Callable[[Settings], LanguageModel] = load_language_model):
        self.settings = settings
        self._load = load
        self._lm: LanguageModel | None = None
        self._lock = threading.Lock()

    def __call__(self) -> LanguageModel:
        with self._lock:
            if self._lm is None:
                self._lm = self._load(self.settings)
            return self._lm


class OnFirstUse(LanguageModel):
    """A SharedModel seen as a language model, loaded by its first call: next-action's model (`nap_model`) costs
    no memory or start-up time until its in-context step is consulted; one that cannot be loaded fails that call
    as a ModelError, and the statistical prediction stands."""

    def __init__(self, model: SharedModel, name: str):
        self.name = name
        self._model = model

    def _generate(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, retry: bool = False
                  ) -> Generation:
        return self._model()._generate(messages, schema, max_tokens, retry)


class Service(Protocol):
    """A part of the running daemon that starts and stops."""

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass
class Parts:
    """A built daemon: its services in start-up order, and what they share."""

    store: Store
    audit: AuditLog
    control: CaptureControl
    capture: CaptureLoop
    display: Display | None
    engine: EngineLoop
    reading: ScreenReading
    services: list[Service]


def build(settings: Settings, status: Callable[[], dict[str, Any]]) -> Parts:
    """Every part of the daemon, connected but not started; the API serves `status()`. A missing model, OCR
    or display stops it here, with its reason."""
    from gumd.api.app import create_app
    from gumd.api.events import EventBus
    from gumd.api.server import ApiServers
    from gumd.api.sessions import Sessions

    s = settings
    store = open_store(s)
    if resumed := store.batches.resume_interrupted():
        log.info("resuming %d observations left in a batch by an earlier run", resumed)
    transcriber = Transcriber(load_ocr(s.ocr, nice=s.model_nice), incremental=s.capture_incremental_ocr)
    reading = build_reading(s, store, transcriber)
    model = SharedModel(s)
    model()  # a missing or corrupt model file stops start-up here, with its reason
    retriever = Retriever(store, load_embedder(s))
    engine = Engine.from_settings(store, model, retriever, s)
    control, rules, capture, display = build_capture(s, store, transcriber, reading)
    bus, audit, sessions = EventBus(), AuditLog(store), Sessions()
    predictor = Predictor(store, model=OnFirstUse(SharedModel(s, load_next_action_model), s.nap_model or s.model),
                          embedder=retriever.embedder,
                          proposition_search=lambda q: [h.proposition for h in retriever.search(q, limit=3)])
    nap = NapService(store, predictor, model_free=lambda: not engine.busy, publish=bus.publish)
    app = create_app(store, status, control, bus=bus, audit=audit, retriever=retriever, predictor=nap,
                     sessions=sessions, rules=rules, pipeline=capture.pipeline)
    engine_loop = EngineLoop(engine, store, s, bus.publish_proposition, reading)
    reading.on_queued = engine_loop.wake
    services: list[Service] = [ApiServers(app, s.socket_path, s.api_tcp_port, sessions), PeriodicJobs(store, nap),
                               capture, *([display] if display else []), engine_loop]
    return Parts(store, audit, control, capture, display, engine_loop, reading, services)


def build_reading(settings: Settings, store: Store, transcriber: Transcriber) -> ScreenReading:
    """The vision model's part of capture (docs/vlm.md). A reader that cannot be set up (no projector, a preset
    not pulled) leaves capture on OCR, with its reason in the log and in /v1/status."""
    s = settings
    reader, error = None, None
    if s.screen_reader != "ocr":
        if note := remote_screenshots_warning(s):
            log.warning(note)
        try:
            reader = load_screen_reader(s)
            log.info("screens are read by %s (screen_reader = %s)", reader.name, s.screen_reader)
        except ModelError as e:
            error = f"screen_reader = {s.screen_reader} is off, screens are read by OCR only: {e}"
            log.warning(error)
    return ScreenReading(store, reader, s.screen_reader, frames_per_hour=s.vlm_frames_per_hour,
                         change_share=s.vlm_change_share, extra_patterns=transcriber.extra_patterns,
                         redactions=transcriber.redactions, error=error)


def build_capture(
    settings: Settings, store: Store, transcriber: Transcriber, reading: ScreenReading | None = None,
) -> tuple[CaptureControl, CaptureRules, CaptureLoop, Display | None]:
    """The capture side: its control (pause state restored), the privacy rules in force, the pipeline's loop
    over the capture parts, and the display when capture is on (connected now: a missing one stops start-up
    with its reason)."""
    s = settings
    if s.capture:
        from gumd.doctor import wayland_warning

        if note := wayland_warning(os.environ):
            log.warning(note)
    events = Events()
    display = Display(s, events.emit) if s.capture else None
    control = CaptureControl(enabled=s.capture, on_change=store.capture.save_pause)
    control.restore(*store.capture.load_pause())
    archive = FrameArchive(s.frames_dir, s.keep_screenshots_mb * 1_000_000) if s.keep_screenshots else None
    pipeline = Pipeline(
        Handoff(transcriber, NearDuplicates(s.capture_duplicate_cells), archive), HeldWrites(store),
        grab=display.grab if display else None, control=control,
        guard=WindowGuard(windows=display.visible_windows if display else None),
        schedule=Schedule(s.capture_min_interval_s, s.capture_heartbeat_s,
                          CpuBudget(s.capture_cpu_budget, s.capture_cpu_window_s)),
        presence=UserPresence(s.capture_idle_s, display.locker if display else None),
        reading=reading,
    )
    rules = CaptureRules(store, control, pipeline, s.exclude_defaults)
    rules.apply()
    return control, rules, CaptureLoop(pipeline, events), display


class Daemon:
    """One running gumd: call run() from the main thread; SIGINT/SIGTERM stop it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.stopping = threading.Event()
        self.started_at = time.time()
        self.parts: Parts | None = None  # built by run(), once the data dir is locked

    def run(self) -> int:
        s = self.settings
        ensure_data_dir(s)
        setup_logging(s)
        lock = DataDirLock(s.lock_path)
        lock.acquire()
        try:
            self.parts = build(s, self.status)
            return self._serve(self.parts)
        finally:
            lock.release()

    def _serve(self, parts: Parts) -> int:
        """Start every part, wait for SIGINT or SIGTERM, stop them in reverse order, close the store."""
        s = self.settings
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: self.stopping.set())
        threading.excepthook = log_thread_deaths(parts.display)
        for service in parts.services:
            service.start()
        log.info("gumd running: data dir %s, capture %s, API on %s", s.data_path, "on" if s.capture else "off",
                 s.socket_path)
        self.stopping.wait()
        log.info("stopping")
        for service in reversed(parts.services):
            service.stop()
        parts.audit.close()
        parts.store.close()
        log.info("stopped")
        return 0

    def status(self) -> dict[str, Any]:
        """The running daemon's part of /v1/status, from its parts' own statuses (schema: api.schemas.StatusOut)."""
        parts, s = self.parts, self.settings
        assert parts is not None, "status() is served only once the daemon is built"
        return {
            "pid": os.getpid(),
            "started_at": self.started_at,
            "data_dir": str(s.data_path),
            "model": s.model,
            "capture": capture_status(parts.control, parts.capture, parts.display, time.time()),
            "data_dir_free_bytes": shutil.disk_usage(s.data_path).free,
            "engine": asdict(parts.engine.status()),
            "screen_reader": asdict(parts.reading.status()),
        }
