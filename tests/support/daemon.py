"""gumd daemons for the system tests: one started as its systemd unit starts it, with the config and observations
it works on, and a plain `gumd run` serving the dashboard (`gumd_run`)."""

from __future__ import annotations

import contextlib
import os
import shlex
import socket
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.store import NewObservation, Store
from tests.support.environment import GUMD, wait_for

NOTES = [
    ("Thunderbird", "Lisbon wedding - Mozilla Thunderbird",
     "From: Marta Silva. Subject: wedding in Lisbon on June 14 at 16:00. Please book flights TAP TP 218 "
     "and confirm the hotel Alfama Suites for three nights. Dinner at Cervejaria Ramiro on Friday."),
    ("Firefox", "Flights Berlin to Lisbon - TAP Air Portugal",
     "TP 218 departs Berlin 06:40 arrives Lisbon 09:05, 189 EUR. TP 219 returns Sunday 18:10. "
     "Seat selection, baggage 23 kg, fare Classic."),
    ("LibreOffice Writer", "wedding-speech.odt",
     "Best man speech draft for Joao and Marta, due June 12. Story about the Porto road trip, the broken ferry, "
     "thank the parents, toast in Portuguese: saude!"),
    ("Firefox", "Alfama Suites - booking",
     "Check-in June 13, check-out June 16, double room with river view, 3 nights, 412 EUR total, "
     "free cancellation until June 1."),
]


def write_config(path: Path, model_path: Path, **extra: object) -> Path:
    """A config.toml for a test daemon: the packaged model, no screen capture, quick batches."""
    values = {"model": str(model_path), "capture": False, "batch_interval_s": 1.0, **extra}
    lines = [f"{k} = {v!r}".replace("True", "true").replace("False", "false") for k, v in values.items()]
    lines = [line.replace("'", '"') for line in lines]
    path.write_text("\n".join(lines) + "\n")
    return path


def add_pending(db_path: Path, count: int = 4) -> list[int]:
    """Store `count` observations (pending) the way the pipeline would, before the daemon starts."""
    store = Store(db_path)
    try:
        now = time.time()
        return [
            store.observations.add(NewObservation(now - 60 + i, now - 55 + i, app, title, text, "12 keys", "screen"))
            for i, (app, title, text) in enumerate(NOTES[i % len(NOTES)] for i in range(count))
        ]
    finally:
        store.close()


def statuses(db_path: Path, ids: list[int]) -> dict[int, str]:
    store = Store(db_path)
    try:
        return {i: store.observations.get(i).status for i in ids}
    finally:
        store.close()


def exec_start(unit_text: str) -> list[str]:
    """The command line of a rendered unit's ExecStart= (undoing its %% and $$ escapes)."""
    line = next(line for line in unit_text.splitlines() if line.startswith("ExecStart="))
    return [a.replace("%%", "%").replace("$$", "$") for a in shlex.split(line[len("ExecStart="):])]


class DaemonProcess:
    """A gumd daemon in a subprocess, with its log in a file; always killed at close()."""

    def __init__(self, cmd: list[str], env: dict[str, str], log_path: Path):
        self.cmd, self.env, self.log_path = cmd, env, log_path
        self._log = open(log_path, "a")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def client(self, socket_path: Path) -> Client:
        client = Client(socket_path, timeout=10)

        def served():
            if self.proc.poll() is not None:
                raise AssertionError(f"gumd exited with {self.proc.returncode}:\n{self.log_path.read_text()}")
            try:
                return client.status()
            except ConnectionError:
                return None

        try:
            wait_for(served, 60, what="the daemon's socket")
        except BaseException:
            alive = "still running" if self.proc.poll() is None else f"exited with {self.proc.returncode}"
            print(f"gumd {alive}; its log:\n{self.log_path.read_text()[-4000:]}")  # shown with the failure
            raise
        return client

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def unit_command(tmp_path: Path, data_dir: Path, config: Path) -> tuple[list[str], dict[str, str]]:
    """Install the systemd unit into a temporary HOME and return its ExecStart command and an environment."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUMD_") and k != "XDG_CONFIG_HOME"}
    env.update(HOME=str(home), PYTHONUNBUFFERED="1")
    done = subprocess.run(
        [*GUMD, "--data-dir", str(data_dir), "--config", str(config), "service", "install", "--platform", "linux",
         "--no-enable"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    unit = home / ".config" / "systemd" / "user" / "gumd.service"
    return exec_start(unit.read_text()), env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gumd_run(tmp: Path, data: Path, env: dict[str, str], model_path: Path, *run_flags: str,
             settings: tuple[str, ...] = (), ready_state: str = "capturing") -> Iterator[SimpleNamespace]:
    """`gumd run` on `data` with `settings` (`name=value`) and the dashboard on a free loopback port; up once its
    capture state is `ready_state`."""
    port = free_port()
    log = (tmp / "daemon.log").open("w")  # the daemon writes to it while it runs
    proc = subprocess.Popen([*GUMD, "--data-dir", str(data), "--set", f"api_tcp_port={port}",
                             *[a for s in settings for a in ("--set", s)], "run",
                             "--model", str(model_path), "--batch-interval", "3600", *run_flags],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    client = Client(data / "gumd.sock")

    def up() -> bool:
        assert proc.poll() is None, (tmp / "daemon.log").read_text()[-3000:]
        try:
            return client.status()["capture"]["state"] == ready_state
        except (DaemonUnavailable, ApiError):
            return False

    try:
        wait_for(up, 120, interval=0.5, what="gumd run to serve its socket")
        yield SimpleNamespace(tmp=tmp, data=data, port=port, base=f"http://127.0.0.1:{port}", client=client, env=env)
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
