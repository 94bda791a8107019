"""The daemon's life as a service: started by the unit's own command line, stopped by SIGTERM mid-batch,
killed with -9, restarted; one instance per data dir. Its log files: tests/unit/test_logs.py."""

from __future__ import annotations

import signal
import subprocess
import time

from gumd.service import STOP_TIMEOUT_S
from gumd.tray import tray_state
from tests.support.daemon import DaemonProcess, add_pending, statuses, unit_command, write_config
from tests.support.environment import wait_for


def _busy(client) -> bool:
    return client.status()["engine"]["busy"]


def _unit_with_pending(tmp_path, model_path, count: int):
    """A data dir holding `count` pending observations, and the unit's command line and environment for it."""
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    ids = add_pending(data / "gumd.db", count=count)
    cmd, env = unit_command(tmp_path, data, write_config(tmp_path / "config.toml", model_path))
    return data, ids, cmd, env


def test_sigterm_mid_batch_parks_it_and_a_restart_processes_it(tmp_path, model_path):
    data, ids, cmd, env = _unit_with_pending(tmp_path, model_path, 4)
    daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
    try:
        client = daemon.client(data / "gumd.sock")
        wait_for(lambda: _busy(client), 60, interval=0.05, what="a batch inside the model")
        assert set(statuses(data / "gumd.db", ids).values()) == {"processing"}
        assert tray_state(client.status()) == "processing"
        sent = time.monotonic()
        daemon.proc.send_signal(signal.SIGTERM)
        # systemd sends SIGKILL after the unit's TimeoutStopSec; the daemon must be gone before that
        assert daemon.proc.wait(timeout=STOP_TIMEOUT_S) == 0
        stop_s = time.monotonic() - sent
        assert set(statuses(data / "gumd.db", ids).values()) == {"pending"}
        assert "abandoned at shutdown" in (data / "gumd.log").read_text()
        assert not (data / "gumd.sock").exists()
    finally:
        daemon.close()
    print(f"\nSIGTERM with a batch inside the model -> exit in {stop_s:.2f} s")

    again = DaemonProcess(cmd, env, tmp_path / "daemon.log")
    try:
        again.client(data / "gumd.sock")
        done = wait_for(
            lambda: (s := statuses(data / "gumd.db", ids)) and not {"pending", "processing"} & set(s.values()) and s,
            240, interval=1, what="the parked observations processed after the restart",
        )
        assert set(done.values()) <= {"done", "failed", "retry"}
    finally:
        again.proc.send_signal(signal.SIGTERM)
        again.proc.wait(timeout=STOP_TIMEOUT_S)
        again.close()


def test_kill_9_mid_batch_then_restart_resumes_the_work(tmp_path, model_path):
    data, ids, cmd, env = _unit_with_pending(tmp_path, model_path, 3)
    daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
    try:
        client = daemon.client(data / "gumd.sock")
        wait_for(lambda: _busy(client), 60, interval=0.05, what="a batch inside the model")
        daemon.proc.kill()
        daemon.proc.wait()
    finally:
        daemon.close()
    assert set(statuses(data / "gumd.db", ids).values()) == {"processing"}  # what a crash leaves
    assert (data / "gumd.sock").exists()  # and a stale socket, which `gumd doctor` names
    doctor = subprocess.run([*cmd[:-1], "doctor"], env=env, capture_output=True, text=True, timeout=120)
    assert "exists but no daemon answers (left by a crash)" in doctor.stdout

    again = DaemonProcess(cmd, env, tmp_path / "daemon.log")
    try:
        again.client(data / "gumd.sock")
        assert "resuming 3 observations" in (data / "gumd.log").read_text()
        wait_for(
            lambda: not {"pending", "processing"} & set(statuses(data / "gumd.db", ids).values()),
            240, interval=1, what="the interrupted observations processed",
        )
    finally:
        again.proc.send_signal(signal.SIGTERM)
        assert again.proc.wait(timeout=STOP_TIMEOUT_S) == 0
        again.close()


def test_second_daemon_on_the_same_data_dir_is_refused_and_leaves_the_first_alone(tmp_path, model_path):
    data = tmp_path / "data"
    cmd, env = unit_command(tmp_path, data, write_config(tmp_path / "config.toml", model_path))
    first = DaemonProcess(cmd, env, tmp_path / "first.log")
    try:
        client = first.client(data / "gumd.sock")
        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"already running for data dir {data} (pid {first.proc.pid})" in second.stderr
        assert client.status()["pid"] == first.proc.pid  # its socket was not taken over or removed
        other = subprocess.run(  # another data dir is another instance, and it may run
            [*cmd[:cmd.index("--data-dir") + 1], str(tmp_path / "other"), *cmd[cmd.index("--data-dir") + 2:-1],
             "--log-level", "ERROR", "status"],
            env=env, capture_output=True, text=True, timeout=60,
        )
        assert other.returncode == 1 and "no gumd daemon answers" in other.stderr
    finally:
        first.proc.send_signal(signal.SIGTERM)
        assert first.proc.wait(timeout=STOP_TIMEOUT_S) == 0
        first.close()
