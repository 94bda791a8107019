"""A `gumd run` daemon serves loopback TCP only when asked to, and there only with a valid token."""

import socket
import subprocess

import httpx

from gumd.client import Client
from tests.support.environment import GUMD, wait_for


def test_daemon_serves_tcp_only_when_asked_and_only_with_a_token(tmp_path, model_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = tmp_path / "data"
    env = {"GUMD_CONFIG": str(tmp_path / "none.toml"), "PYTHONUNBUFFERED": "1"}
    token = subprocess.run([*GUMD, "--data-dir", str(data), "token", "create", "probe"], capture_output=True,
                           text=True, timeout=60, env=env).stdout.strip()
    daemon = subprocess.Popen([*GUMD, "--data-dir", str(data), "--set", f"api_tcp_port={port}", "run", "--no-capture",
                               "--model", str(model_path)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        client = Client(data / "gumd.sock")
        wait_for(lambda: _answers(client), 120, what="the daemon's socket")
        r = httpx.get(f"http://127.0.0.1:{port}/v1/status")
        assert (r.status_code, r.json()["code"]) == (401, "missing_token") and r.json()["message"], r.text
        with Client.loopback(port, token) as tcp:
            assert tcp.status()["pid"] == daemon.pid
        assert [e["client"] for e in client.audit(limit=2)] == ["probe", "anonymous"]
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)


def _answers(client: Client) -> bool:
    try:
        return bool(client.status())
    except ConnectionError:
        return False
