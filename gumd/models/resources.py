"""Keeping model work polite: lazy loading, idle unloading, low OS priority, power awareness.

A `LazyModel` holds one heavy object (a llama.cpp model, a torch model). It is
built on first use, every call on it runs on one worker thread of its own at a
lowered OS priority (threads the library starts from there inherit it), and it
is dropped after `idle_unload_s` without use so an idle daemon gives its memory
back.
"""

from __future__ import annotations

import gc
import logging
import os
import subprocess
import sys
import threading
import time
import queue
from concurrent.futures import Future, TimeoutError as FutureTimeout
from pathlib import Path
from typing import Callable, Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


def lower_thread_priority(nice: int) -> None:
    """Raise the calling thread's nice value to at least `nice` (never lowers it).

    On Linux a nice value belongs to a thread and is inherited by the threads it
    starts; elsewhere the whole process is niced.
    """
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    try:
        if sys.platform.startswith("linux"):
            tid = threading.get_native_id()
            current = os.getpriority(os.PRIO_PROCESS, tid)
            if current < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
        else:
            current = os.getpriority(os.PRIO_PROCESS, 0)
            if current < nice:
                os.nice(nice - current)
    except OSError as e:
        log.warning("could not lower model work to nice %d: %s", nice, e)


class _Worker:
    """One daemon thread running submitted calls in order.

    Not a ThreadPoolExecutor: the interpreter joins those at exit, so a SIGTERM during a
    long model call would wait for the call; a daemon thread lets the process go.
    """

    def __init__(self, name: str, initializer: Callable[[], None]):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._loop, args=(initializer,), name=name, daemon=True).start()

    def submit(self, fn: Callable[..., R], *args) -> Future:
        future: Future = Future()
        self._queue.put((future, fn, args))
        return future

    def _loop(self, initializer: Callable[[], None]) -> None:
        initializer()
        while True:
            future, fn, args = self._queue.get()
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(fn(*args))
                except BaseException as e:  # handed to the caller through the future
                    future.set_exception(e)


class LazyModel(Generic[T]):
    """A model object built on first `call`, used on one low-priority thread, unloaded when idle."""

    def __init__(self, name: str, load: Callable[[], T], *, idle_unload_s: float = 0, nice: int = 0,
                 close: Callable[[T], None] | None = None):
        self.name = name
        self._load = load
        self._close = close
        self.idle_unload_s = idle_unload_s
        self._obj: T | None = None
        self._last_used = 0.0
        self._timer: threading.Timer | None = None
        self._timer_lock = threading.Lock()
        self.thread_id: int | None = None  # native id of the worker thread, once started (for `top -H`)
        self._worker = _Worker(f"model-{name}", lambda: self._start_worker(nice))
        self._loading: Future | None = None  # the load `ready` started
        self._loading_lock = threading.Lock()

    def _start_worker(self, nice: int) -> None:
        self.thread_id = threading.get_native_id()
        lower_thread_priority(nice)

    @property
    def loaded(self) -> bool:
        return self._obj is not None

    def call(self, fn: Callable[[T], R]) -> R:
        """Run fn(model) on the model's worker thread, loading the model first if needed."""
        try:
            return self._worker.submit(self._run, fn).result()
        finally:
            self._arm_idle_timer(self.idle_unload_s)

    def ready(self, wait_s: float) -> bool:
        """Whether the model is loaded, after starting its load (when it is not) and waiting up to `wait_s` for
        it; a load still running then goes on in the background. A failed load raises its error."""
        if self._obj is not None:
            return True
        with self._loading_lock:
            if self._loading is None or self._loading.done():
                self._loading = self._worker.submit(self._run, lambda model: None)
            loading = self._loading
        try:
            loading.result(timeout=wait_s)
        except FutureTimeout:
            return False
        self._arm_idle_timer(self.idle_unload_s)
        return True

    def unload(self) -> None:
        """Drop the model now; the next call loads it again."""
        self._worker.submit(self._drop).result()

    def _run(self, fn: Callable[[T], R]) -> R:
        if self._obj is None:
            started = time.monotonic()
            self._obj = self._load()
            log.info("loaded %s in %.1f s", self.name, time.monotonic() - started)
        try:
            return fn(self._obj)
        finally:
            self._last_used = time.monotonic()

    def _drop(self) -> None:
        if self._obj is None:
            return
        obj, self._obj = self._obj, None
        if self._close is not None:
            self._close(obj)
        del obj
        gc.collect()
        log.info("unloaded %s", self.name)

    def _arm_idle_timer(self, delay: float) -> None:
        if self.idle_unload_s <= 0:
            return
        with self._timer_lock:
            if self._timer is not None and self._timer.is_alive():
                return
            self._timer = threading.Timer(delay, self._on_idle_timer)
            self._timer.daemon = True
            self._timer.start()

    def _on_idle_timer(self) -> None:
        with self._timer_lock:
            self._timer = None
        idle = time.monotonic() - self._last_used
        if idle >= self.idle_unload_s:
            self._worker.submit(self._drop_if_idle)
        else:
            self._arm_idle_timer(self.idle_unload_s - idle)

    def _drop_if_idle(self) -> None:
        if time.monotonic() - self._last_used >= self.idle_unload_s:
            self._drop()


def on_battery(power_supply: Path = Path("/sys/class/power_supply")) -> bool | None:
    """True when running on battery, False on mains power, None when the OS does not tell."""
    if sys.platform.startswith("linux"):
        return _linux_on_battery(power_supply)
    if sys.platform == "darwin":
        try:
            out = subprocess.run(["pmset", "-g", "batt"], capture_output=True, text=True, timeout=5).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        if "AC Power" in out:
            return False
        return True if "Battery Power" in out else None
    return None


def _linux_on_battery(root: Path) -> bool | None:
    def read(path: Path) -> str:
        try:
            return path.read_text().strip()
        except OSError:
            return ""

    mains_seen = battery_seen = False
    for supply in sorted(root.glob("*")) if root.is_dir() else []:
        kind = read(supply / "type")
        if kind == "Mains":
            mains_seen = True
            if read(supply / "online") == "1":
                return False
        elif kind == "Battery" and read(supply / "present") != "0":
            battery_seen = True
            if read(supply / "status") == "Discharging":
                return True
    if battery_seen and mains_seen:
        return True  # a mains adapter that reports offline, with a battery present
    return None


def batch_interval(normal_s: float, battery_s: float, battery: bool | None) -> float | None:
    """Seconds between model batches now: `normal_s` on mains or unknown power, `battery_s` on
    battery, or None (wait for mains power) when `battery_s` is 0."""
    if not battery:
        return normal_s
    return battery_s if battery_s > 0 else None
