"""Faults under a running daemon: the model server failing or hanging, the database locked by another
process, the X display going away. Each shows in /v1/status and the log, and once the fault is gone the work
finishes (or capture resumes) with nothing lost and nothing done twice."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.support.daemon import DaemonProcess, add_pending, statuses, unit_command, write_config
from tests.support.environment import require, wait_for
from tests.support.model_server import LoopbackServer, ProposingServer
from tests.support.xserver import XServer, start_window_manager


def _one_link_each(db, ids) -> bool:
    conn = sqlite3.connect(db)
    try:
        links = dict(conn.execute("SELECT observation_id, COUNT(*) FROM evidence GROUP BY observation_id"))
    finally:
        conn.close()
    return links == {i: 1 for i in ids}


def _daemon(tmp_path, model_path, server, data=None, env=None, **extra):
    data = data or tmp_path / "data"
    data.mkdir(mode=0o700, exist_ok=True)
    values = dict(model_url=server.url + "/v1", model="stub", batch_interval_s=0.2, batch_max_observations=3,
                  model_timeout_s=1.0, batch_retry_backoff_s=0.5, batch_max_attempts=20) | extra
    config = write_config(tmp_path / "config.toml", model_path, **values)
    cmd, unit_env = unit_command(tmp_path, data, config)
    return data, DaemonProcess(cmd, unit_env | (env or {}), tmp_path / "daemon.log")


def test_model_server_500s_then_hangs_then_recovers_without_losing_a_batch(tmp_path, model_path):
    ProposingServer.mode, ProposingServer.delay_s = "http500", (0.0, 0.0)
    with LoopbackServer(ProposingServer) as server:
        data, daemon = _daemon(tmp_path, model_path, server)
        ids = add_pending(data / "gumd.db", count=4)
        try:
            client = daemon.client(data / "gumd.sock")
            error = wait_for(lambda: client.status()["engine"]["last_error"], 60, what="the error in status")
            assert "HTTP 500" in error
            ProposingServer.release.clear()
            ProposingServer.mode = "hang"
            wait_for(lambda: "no answer within" in (client.status()["engine"]["last_error"] or ""), 60,
                     what="the timeout in status")
            assert client.observations(limit=10)  # the API answers while the model does not
            log = (data / "gumd.log").read_text()
            assert "will be retried" in log and "HTTP 500" in log
            assert set(statuses(data / "gumd.db", ids).values()) <= {"waiting", "processing", "pending"}
            ProposingServer.mode = "ok"
            ProposingServer.release.set()
            wait_for(lambda: set(statuses(data / "gumd.db", ids).values()) == {"done"}, 60,
                     what="the batches retried and done")
            assert client.status()["engine"]["last_error"] is None
            assert _one_link_each(data / "gumd.db", ids)
        finally:
            daemon.close()


def test_database_locked_by_another_process_shows_in_status_and_work_resumes(tmp_path, model_path):
    ProposingServer.mode, ProposingServer.delay_s = "ok", (0.0, 0.0)
    with LoopbackServer(ProposingServer) as server:
        data, daemon = _daemon(tmp_path, model_path, server, batch_interval_s=5.0)
        ids = add_pending(data / "gumd.db", count=3)
        try:
            client = daemon.client(data / "gumd.sock")  # the engine's first batch is still 5 s away
            holder = sqlite3.connect(data / "gumd.db", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")  # another process's write lock, held past the store's 10 s timeout
            error = wait_for(lambda: client.status()["engine"]["last_error"], 40, what="the lock in status")
            assert "locked" in error
            assert "the propositions engine failed" in (data / "gumd.log").read_text()
            assert client.observations(limit=5)  # readers are not blocked (WAL)
            assert set(statuses(data / "gumd.db", ids).values()) == {"pending"}
            holder.execute("ROLLBACK")
            holder.close()
            wait_for(lambda: set(statuses(data / "gumd.db", ids).values()) == {"done"}, 60,
                     what="work after the lock is gone")
            assert _one_link_each(data / "gumd.db", ids)
        finally:
            daemon.close()


def _free_display() -> int:
    return next(n for n in range(700, 999)
                if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists())


def _desktop(number: int, text: str, tmp: Path) -> XServer:
    """Xvfb :number with openbox and an xterm showing `text`, focused."""
    server = subprocess.Popen([require("Xvfb"), f":{number}", "-screen", "0", "1024x600x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x = XServer(f":{number}", [server])
    try:
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{number}").exists() or server.poll() is not None, 10, what="Xvfb")
        assert server.poll() is None, f"Xvfb :{number} exited with {server.returncode}"
        start_window_manager(x)
        note = tmp / f"note-{number}-{time.monotonic_ns()}.txt"
        note.write_text(text)
        x.xterm(text.splitlines()[0], note)
    except BaseException:
        x.stop()  # a desktop that failed to come up leaves no server behind
        raise
    return x


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def test_display_going_away_is_survived_and_capture_resumes_on_a_new_server(tmp_path, model_path):
    number = _free_display()
    x = _desktop(number, "Quarterly budget review\nforecast for the Oslo office\n", tmp_path)
    ProposingServer.mode, ProposingServer.delay_s = "ok", (0.0, 0.0)
    with LoopbackServer(ProposingServer) as server:
        data, daemon = None, None
        try:
            data, daemon = _daemon(tmp_path, model_path, server, capture=True, capture_min_interval_s=0.5,
                                   capture_heartbeat_s=2.0, batch_interval_s=86400.0, env={"DISPLAY": x.display})
            client = daemon.client(data / "gumd.sock")
            wait_for(lambda: client.status()["capture"]["observations_stored"] >= 1, 30, what="a first observation")
            assert client.status()["capture"]["display"] == "connected"
            x.stop()  # the X server dies under the capturing daemon

            capture = wait_for(lambda: (c := client.status()["capture"])["display"] == "unreachable" and c, 20,
                               what="the lost display in status")
            assert capture["last_error"].startswith(f"cannot reach the X display :{number}")
            cpu = _cpu_seconds(daemon.proc.pid)
            time.sleep(4)
            spent = _cpu_seconds(daemon.proc.pid) - cpu
            assert spent < 1.0, f"the daemon spins without a display: {spent:.2f} CPU-s in 4 s"
            assert daemon.proc.poll() is None and client.observations(limit=5)  # alive, reads answer
            stored = client.status()["capture"]["observations_stored"]

            x = _desktop(number, "Ferry timetable to Bergen\ndeparts 07:45 from pier 3\n", tmp_path)
            back = time.monotonic()
            wait_for(lambda: client.status()["capture"]["display"] == "connected", 40, what="the reconnect")
            reconnect_s = time.monotonic() - back
            assert client.status()["capture"]["last_error"] is None
            wait_for(lambda: any("Bergen" in o["text"] for o in client.observations(limit=10)), 30,
                     what="an observation from the new X server")
            assert client.status()["capture"]["observations_stored"] > stored
            log = (data / "gumd.log").read_text()
            assert log.count("cannot reach the X display") == 1, log[-3000:]
            assert "Traceback" not in log, log[-3000:]
            assert "capture reached the X display again" in log
            print(f"\ndisplay gone: {spent:.2f} CPU-s in 4 s; reconnected {reconnect_s:.1f} s after the new server")
        finally:
            if daemon is not None:
                daemon.close()
                print((data / "gumd.log").read_text()[-4000:])  # shown by pytest when the test fails
            x.stop()


def _fill(folder: Path) -> Path:
    """A file taking every free byte of folder's file system."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (1 << 16, 512):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
    return filler


def _observation_rows(db: Path) -> list[tuple[int, str, int]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT o.id, o.status, (SELECT COUNT(*) FROM evidence e WHERE e.observation_id = o.id) "
                            "FROM observations o ORDER BY o.id").fetchall()
    finally:
        conn.close()


def test_disk_full_while_capturing_is_reported_survived_and_nothing_is_lost(tmp_path, model_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(data)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"cannot mount a small tmpfs for the data dir (run as root): {mounted.stderr}"
    x = None
    try:
        x = _desktop(_free_display(), "Ledger\n", tmp_path)
        # a terminal whose text and title change every second: a steady stream of new observations
        x.spawn(require("xterm"), "-fa", "DejaVu Sans Mono", "-fs", "14", "-geometry", "80x20+0+0", "-T", "Ledger",
                "-e", "bash", "-c", 'i=0; while :; do i=$((i+1)); printf "\\033]0;Ledger page %d\\007" $i; '
                                    'echo "entry $i paid invoice $((i*37)) to Lindqvist"; sleep 1; done')
        ProposingServer.mode, ProposingServer.delay_s = "ok", (0.0, 0.0)
        with LoopbackServer(ProposingServer) as server:
            # no CPU budget: a spent one defers captures for minutes, and this test needs them every second
            _, daemon = _daemon(tmp_path, model_path, server, data=data, capture=True, capture_min_interval_s=0.5,
                                capture_heartbeat_s=1.0, capture_cpu_budget=0, batch_interval_s=0.5,
                                log_dir=str(tmp_path / "logs"), env={"DISPLAY": x.display})
            log_file = tmp_path / "logs" / "gumd.log"
            try:
                client = daemon.client(data / "gumd.sock")
                wait_for(lambda: client.status()["observations"].get("done", 0) >= 2, 90, what="first work done")
                filler = _fill(data)
                capture = wait_for(lambda: (c := client.status()["capture"])["observations_held"] >= 4 and c, 60,
                                   what="observations held while the disk is full")
                status = client.status()
                assert "full" in capture["last_error"], capture["last_error"]
                assert status["data_dir_free_bytes"] < 64 * 1024
                assert daemon.proc.poll() is None and client.observations(limit=5)  # alive, reads answer
                assert client.search("Ledger") is not None
                conn = sqlite3.connect(f"file:{data / 'gumd.db'}?mode=ro", uri=True)
                assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
                conn.close()
                log = log_file.read_text()
                assert log.count("the database refuses writes") == 1 and "Traceback" not in log, log[-3000:]

                held = client.status()["capture"]["observations_held"]
                filler.unlink()  # space again: the held observations are written, the work resumes
                freed = time.monotonic()
                wait_for(lambda: (c := client.status()["capture"])["observations_held"] == 0 and not c["last_error"],
                         60, what="the held observations written")
                written_s = time.monotonic() - freed
                client.pause()
                time.sleep(1.5)  # a capture already in OCR finishes
                wait_for(lambda: {s for _, s, _ in _observation_rows(data / "gumd.db")} == {"done"}, 90,
                         what="every observation processed")
                rows = _observation_rows(data / "gumd.db")
                capture = client.status()["capture"]
                assert capture["observations_dropped"] == 0
                assert capture["observations_stored"] == len(rows)  # every captured observation is in the store
                assert all(links <= 1 for _, _, links in rows), rows  # none processed twice
                assert client.status()["engine"]["last_error"] is None
                log = log_file.read_text()
                assert "held observations written" in log and "Traceback" not in log, log[-3000:]
                print(f"\ndisk full: {held}+ observations held, written {written_s:.1f} s after space returned; "
                      f"{len(rows)} observations in all, each done, none linked twice")
            finally:
                daemon.close()
                if log_file.exists():  # shown by pytest when the test fails
                    print(log_file.read_text()[-4000:])
    finally:
        if x is not None:
            x.stop()
        subprocess.run(["umount", "-l", str(data)], check=False)
