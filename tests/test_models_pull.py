"""`gumd models pull|use|list`: the real download code against a hub-like server on loopback."""

from __future__ import annotations

import hashlib
import random
import tomllib
from http.server import BaseHTTPRequestHandler

import pytest
from tests.models_support import LoopbackServer
from tests.conftest import settings_for

from gumd import cli
from gumd.models.download import ChecksumMismatch, DownloadError, sidecar
from gumd.models.registry import PRESETS, Preset, pull

PAYLOAD = random.Random(4).randbytes(3 * 1024 * 1024 + 123)
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


class Hub(BaseHTTPRequestHandler):
    """Like huggingface.co: /{repo}/resolve/{rev}/{file} redirects to a blob and names its SHA-256.

    `cut_after` makes the next blob answer stop after that many bytes (a dropped connection).
    """

    published = PAYLOAD_SHA
    cut_after: int | None = None
    ranges: list[str | None] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        if "/resolve/" in self.path:
            self.send_response(302)
            self.send_header("Location", "/blobs/" + self.path.rsplit("/", 1)[1])
            if self.published:
                self.send_header("X-Linked-Etag", f'"{self.published}"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if not self.path.startswith("/blobs/"):
            self.send_error(404)
            return
        header = self.headers.get("Range")
        type(self).ranges.append(header)
        start = int(header.removeprefix("bytes=").rstrip("-")) if header else 0
        body = PAYLOAD[start:]
        self.send_response(206 if header else 200)
        if header:
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.cut_after is not None:
            body, type(self).cut_after = body[: self.cut_after], None
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def hub():
    Hub.published, Hub.cut_after, Hub.ranges = PAYLOAD_SHA, None, []
    with LoopbackServer(Hub) as server:
        yield server


TINY = Preset(name="tiny", file="tiny-q4_k_m.gguf", size_mb=3, quantization="Q4_K_M", sha256="",
              description="test file", repo="test/tiny-GGUF")


def test_pull_checks_the_published_checksum_and_records_it(hub, tmp_path, capsys):
    got = pull(TINY, tmp_path / "models", hub.url)
    assert got.path.read_bytes() == PAYLOAD and got.sha256 == PAYLOAD_SHA and got.checked_against == "published"
    assert sidecar(got.path).read_text() == f"{PAYLOAD_SHA}  tiny-q4_k_m.gguf\n"
    assert not list((tmp_path / "models").glob("*.partial"))
    assert "100.0%" in capsys.readouterr().err  # the progress bar is drawn on stderr


def test_bytes_that_do_not_match_the_checksum_are_deleted(hub, tmp_path):
    Hub.published = "0" * 64
    with pytest.raises(ChecksumMismatch, match="expected 0000"):
        pull(TINY, tmp_path, hub.url, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_preset_checksum_wins_over_the_servers(hub, tmp_path):
    wrong = Preset(**{**TINY.__dict__, "sha256": "f" * 64})
    with pytest.raises(ChecksumMismatch):
        pull(wrong, tmp_path, hub.url, progress=False)
    right = Preset(**{**TINY.__dict__, "sha256": PAYLOAD_SHA})
    Hub.published = "0" * 64
    assert pull(right, tmp_path, hub.url, progress=False).checked_against == "expected"


def test_interrupted_download_resumes_where_it_stopped(hub, tmp_path):
    Hub.cut_after = 1_000_000
    with pytest.raises(DownloadError, match="run the same command again to resume"):
        pull(TINY, tmp_path, hub.url, progress=False)
    assert (tmp_path / "tiny-q4_k_m.gguf.partial").stat().st_size == 1_000_000
    got = pull(TINY, tmp_path, hub.url, progress=False)
    assert Hub.ranges == [None, "bytes=1000000-"]
    assert got.path.read_bytes() == PAYLOAD and got.sha256 == PAYLOAD_SHA


def test_file_without_a_published_checksum_is_trusted_on_first_use(hub, tmp_path):
    Hub.published = ""
    got = pull(TINY, tmp_path, hub.url, progress=False)
    assert got.checked_against == "" and sidecar(got.path).read_text().split()[0] == PAYLOAD_SHA


def gumd(monkeypatch, *argv: str) -> int:
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("models",))  # this group alone: no other command's dependencies
    return cli.main(list(argv))


def test_cli_pulls_a_preset_then_uses_and_lists_it(hub, tmp_path, monkeypatch, capsys):
    name = "qwen3-4b-instruct"
    config = tmp_path / "config.toml"
    config.write_text('log_level = "INFO"\n')
    monkeypatch.setenv("GUMD_HUB_URL", hub.url)
    common = ["--data-dir", str(tmp_path / "data"), "--config", str(config)]

    assert gumd(monkeypatch, *common, "models", "pull", name) == 0
    out = capsys.readouterr()
    assert PAYLOAD_SHA in out.out and "hub's published checksum" in out.out and "%" in out.err
    assert (tmp_path / "data" / "models" / PRESETS[name].file).read_bytes() == PAYLOAD

    assert gumd(monkeypatch, *common, "models", "use", name) == 0
    assert tomllib.loads(config.read_text()) == {"log_level": "INFO", "model": name}
    capsys.readouterr()

    assert gumd(monkeypatch, *common, "models", "list") == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if name in x)
    assert line.startswith("*") and "ready" in line and PAYLOAD_SHA[:16] in line


def test_cli_use_takes_a_gguf_path_and_refuses_a_missing_one(tmp_path, monkeypatch, capsys):
    config = tmp_path / "config.toml"
    gguf = tmp_path / "mine.gguf"
    gguf.write_bytes(b"GGUF")
    common = ["--data-dir", str(tmp_path / "data"), "--config", str(config)]
    assert gumd(monkeypatch, *common, "models", "use", str(gguf)) == 0
    assert tomllib.loads(config.read_text())["model"] == str(gguf)
    assert gumd(monkeypatch, *common, "models", "use", str(tmp_path / "absent.gguf")) == 2
    assert "neither a preset" in capsys.readouterr().err
    assert settings_for(tmp_path).model == "qwen2.5-coder-0.5b"  # settings_for ignores that config file
