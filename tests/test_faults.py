"""Faults under a running daemon: the model server failing or hanging, the database locked by another
process. Each shows in /v1/status and the log, and once the fault is gone the work finishes with nothing
lost and nothing done twice."""

from __future__ import annotations

import sqlite3

from tests.conftest import wait_for
from tests.models_support import LoopbackServer, ProposingServer
from tests.service_helpers import DaemonProcess, add_pending, statuses, unit_command, write_config


def _one_link_each(db, ids) -> bool:
    conn = sqlite3.connect(db)
    try:
        links = dict(conn.execute("SELECT observation_id, COUNT(*) FROM evidence GROUP BY observation_id"))
    finally:
        conn.close()
    return links == {i: 1 for i in ids}


def _daemon(tmp_path, model_path, server, **extra):
    data = tmp_path / "data"
    data.mkdir(mode=0o700, exist_ok=True)
    values = dict(model_url=server.url + "/v1", model="stub", batch_interval_s=0.2, batch_max_observations=3,
                  model_timeout_s=1.0, batch_retry_backoff_s=0.5, batch_max_attempts=20) | extra
    config = write_config(tmp_path / "config.toml", model_path, **values)
    cmd, env = unit_command(tmp_path, data, config)
    return data, DaemonProcess(cmd, env, tmp_path / "daemon.log")


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
