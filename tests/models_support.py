"""Helpers for the model-layer tests: the packaged GGUF, a loopback HTTP server, polling.

Imported by tests/test_models_*.py (pytest puts tests/ on sys.path); a module that needs the
`packaged_model` fixture imports `packaged_model_fixture`.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gumd.config import Settings, load_settings
from gumd.models.registry import PRESETS, assemble

MODEL_PRESET = "qwen2.5-coder-0.5b"


@pytest.fixture(scope="session", name="packaged_model")
def packaged_model_fixture(tmp_path_factory) -> Path:
    """The packaged default GGUF, assembled and checksum-verified once per test session."""
    return assemble(PRESETS[MODEL_PRESET], tmp_path_factory.getbasetemp() / "packaged-models")


def settings_for(tmp_path: Path, **values) -> Settings:
    """Settings on a fresh data dir, ignoring the user's own config file and environment."""
    return load_settings(
        {"data_dir": str(tmp_path / "data"), **values}, environ={}, config_file=tmp_path / "absent.toml"
    )


def wait_for(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll until predicate() is truthy and return its value; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 running `handler`; use as a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
