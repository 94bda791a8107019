"""Serving the API on a unix socket readable by the user alone."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import uvicorn
from fastapi import FastAPI

log = logging.getLogger(__name__)


class SocketServer:
    """uvicorn on a unix domain socket, in a background thread; the socket is 0600 and removed at stop."""

    def __init__(self, app: FastAPI, path: Path):
        self.path = Path(path)
        config = uvicorn.Config(app, uds=str(self.path), log_level="warning", access_log=False, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 15.0) -> None:
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()  # a stale socket left by a crash; the daemon lock says no one else owns it
        old = os.umask(0o177)  # the socket is born 0600; the data dir is 0700 as well
        try:
            self._thread = threading.Thread(target=self._server.run, name="gumd-api", daemon=True)
            self._thread.start()
            deadline = time.monotonic() + timeout
            while not self._server.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError(f"the API server did not start on {self.path}")
                time.sleep(0.01)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        log.info("API listening on %s", self.path)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=5)
        if self.path.exists():
            self.path.unlink()
