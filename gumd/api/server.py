"""Serving the API: on a unix socket readable by the user alone, and optionally on 127.0.0.1 with tokens.

Each listener tags the requests it accepts with its transport (see
gumd.api.auth.TRANSPORT), so the access guard knows which rules apply.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from gumd.api.auth import TRANSPORT
from gumd.api.sessions import Sessions

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"


class _Tagged:
    """Marks every request with the transport it arrived on."""

    def __init__(self, app: ASGIApp, transport: str):
        self.app, self.transport = app, transport

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[TRANSPORT] = self.transport
        await self.app(scope, receive, send)


class _QuietServer(uvicorn.Server):
    """uvicorn's server with a main loop that wakes once a second (uvicorn's own wakes ten times a second, most
    of the daemon's CPU at rest) and at once when asked to stop."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 10) % 864000  # on_tick refreshes the Date header when counter % 10 == 0
            try:
                await asyncio.wait_for(self._wake.wait(), 1.0)
            except asyncio.TimeoutError:
                pass

    def wake(self) -> None:
        if self._loop is not None and self._wake is not None:
            try:
                self._loop.call_soon_threadsafe(self._wake.set)
            except RuntimeError:  # the loop already closed
                pass


class _Listener:
    """uvicorn in a background thread."""

    transport = ""

    def __init__(self, app: ASGIApp, **config: object):
        config = uvicorn.Config(_Tagged(app, self.transport), log_level="warning", access_log=False,
                                lifespan="off", **config)
        self._server = _QuietServer(config)
        self._thread: threading.Thread | None = None

    def _run(self, timeout: float) -> None:
        self._thread = threading.Thread(target=self._server.run, name=f"gumd-api-{self.transport}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the API server did not start on {self}")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._server.wake()
        if self._thread:
            self._thread.join(timeout=5)


class SocketServer(_Listener):
    """The API on a unix domain socket; the socket is 0600 and removed at stop."""

    transport = "unix"

    def __init__(self, app: ASGIApp, path: Path):
        self.path = Path(path)
        super().__init__(app, uds=str(self.path))

    def __str__(self) -> str:
        return str(self.path)

    def start(self, timeout: float = 15.0) -> None:
        if self.path.exists() or self.path.is_symlink():
            self.path.unlink()  # a stale socket left by a crash; the daemon lock says no one else owns it
        old = os.umask(0o177)  # the socket is born 0600; the data dir is 0700 as well
        try:
            self._run(timeout)
        finally:
            os.umask(old)
        os.chmod(self.path, 0o600)
        log.info("API listening on %s", self.path)

    def stop(self) -> None:
        super().stop()
        if self.path.exists():
            self.path.unlink()


class LoopbackServer(_Listener):
    """The API on 127.0.0.1:`port` (0 picks a free port); every request needs a bearer token."""

    transport = "tcp"

    def __init__(self, app: ASGIApp, port: int):
        super().__init__(app, host=LOOPBACK, port=port)
        self.port = port

    def __str__(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        self._run(timeout)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]
        log.info("API listening on %s (bearer token required)", self)


class ApiServers:
    """The API on the unix socket and, when `tcp_port` is set, on 127.0.0.1 (a bearer token, or a dashboard
    session); once bound, the loopback address is what the dashboard's login links point at."""

    def __init__(self, app: ASGIApp, socket_path: Path, tcp_port: int, sessions: Sessions):
        self.servers: list[SocketServer | LoopbackServer] = [SocketServer(app, socket_path)]
        if tcp_port:
            self.servers.append(LoopbackServer(app, tcp_port))
        self.sessions = sessions

    def start(self) -> None:
        for server in self.servers:
            server.start()
        if isinstance(self.servers[-1], LoopbackServer):
            self.sessions.url = str(self.servers[-1])

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
