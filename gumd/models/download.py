"""Downloading a model file: resumable, checksum-verified, atomically renamed into place.

The bytes go to `<file>.partial`; a later run resumes from there with an HTTP
Range request. Only a file whose SHA-256 matches is renamed to its final name,
and the checksum is written beside it as `<file>.sha256` (sha256sum's format).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import httpx

from gumd.models.errors import ModelError
from gumd.models.progress import Progress

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_BLOCK = 1 << 20


class DownloadError(ModelError):
    """A download failed; a partial file is kept so the next try resumes."""


class ChecksumMismatch(DownloadError):
    """The downloaded bytes are not the file that was expected; they are deleted."""


@dataclass(frozen=True)
class Downloaded:
    path: Path
    sha256: str
    checked_against: str  # "expected" (given by the caller), "published" (by the server) or "" (first use)


def sidecar(path: Path) -> Path:
    """Where a downloaded file's checksum is recorded."""
    return path.with_name(path.name + ".sha256")


def published_sha256(response: httpx.Response) -> str | None:
    """The SHA-256 the server publishes for the file, if any.

    The Hugging Face hub sends it as X-Linked-Etag on its /resolve/ answer (the
    redirect to the storage server) for every file kept in LFS.
    """
    for r in [*response.history, response]:
        tag = r.headers.get("x-linked-etag", "").strip().removeprefix("W/").strip('"').lower()
        if _HEX64.match(tag):
            return tag
    return None


def _hash_file(path: Path, digest) -> None:
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            digest.update(block)


def download(url: str, target: Path, *, sha256: str = "", label: str = "", progress: TextIO | None = None,
             headers: dict[str, str] | None = None, timeout_s: float = 60.0) -> Downloaded:
    """Fetch `url` into `target`, verifying its SHA-256.

    The expected checksum is `sha256` when given, else the one the server
    publishes; with neither, the file is trusted on first use and its checksum
    recorded.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest = hashlib.sha256()
    offset = partial.stat().st_size if partial.exists() else 0
    request_headers = dict(headers or {})
    if offset:
        request_headers["Range"] = f"bytes={offset}-"
    bar = Progress(label or target.name, progress)
    try:
        with httpx.stream("GET", url, headers=request_headers, follow_redirects=True,
                          timeout=httpx.Timeout(timeout_s, connect=15.0)) as response:
            if response.status_code == 416:  # the partial file is longer than the file: start again
                partial.unlink()
                return download(url, target, sha256=sha256, label=label, progress=progress, headers=headers,
                                timeout_s=timeout_s)
            if response.status_code not in (200, 206):
                raise DownloadError(f"{url} answered HTTP {response.status_code}")
            published = published_sha256(response)
            expected = sha256.lower() or published
            if response.status_code == 206:
                _hash_file(partial, digest)
            else:
                offset = 0
            length = response.headers.get("content-length")
            total = offset + int(length) if length and length.isdigit() else None
            done = offset
            with open(partial, "ab" if offset else "wb") as out:
                for block in response.iter_bytes():
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    bar.update(done, total)
            bar.update(done, total, final=True)
    except httpx.HTTPError as e:
        raise DownloadError(
            f"download of {url} stopped ({e}); {partial.stat().st_size if partial.exists() else 0:,} bytes kept "
            "in the .partial file: run the same command again to resume"
        ) from e
    actual = digest.hexdigest()
    if expected and actual != expected:
        partial.unlink()
        raise ChecksumMismatch(f"{url}: downloaded file has SHA-256 {actual}, expected {expected}; deleted it")
    os.replace(partial, target)
    sidecar(target).write_text(f"{actual}  {target.name}\n")
    return Downloaded(target, actual, "expected" if sha256 else "published" if published else "")


def recorded_sha256(path: Path) -> str:
    """The checksum recorded beside a downloaded file, or ""."""
    try:
        return sidecar(path).read_text().split()[0]
    except (OSError, IndexError):
        return ""
