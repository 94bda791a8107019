"""`gumd replay DIR`: saved screenshots (and optional window/input events) through the live pipeline.

A replay folder holds PNG/JPEG screenshots and, optionally, `events.jsonl`
with one event per line, in any order:

    {"t": 1764230000.0, "type": "focus", "app": "firefox", "title": "Inbox - Mail"}
    {"t": 1764230004.2, "type": "input", "keys": 41, "clicks": 2, "scrolls": 0, "shortcuts": ["ctrl+s"]}
    {"t": 1764230004.5, "type": "frame", "file": "0001.png"}

Without events.jsonl every image is a frame, in file-name order, timed by its
modification time. With a speed, events are paced by their times (10: an hour
of activity in six minutes); without one, they go through as fast as they can.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from gumd.observers.base import Event, FocusChange, Frame, InputBurst
from gumd.capture.pipeline import Pipeline

MAX_FRAME_PIXELS = 64_000_000  # 8K (7680x4320) is 33 million; a decoded RGB frame at the limit takes 192 MB
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp"}


class ReplayError(ValueError):
    """The replay folder cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class ReplayResult:
    frames: int
    duplicates: int
    observations: list[int]


def _load_image(path: Path) -> Image.Image:
    """The image as RGB; one too large to be a screenshot is refused from its header, before it is decoded."""
    try:
        with Image.open(path) as im:
            width, height = im.size
            if width * height > MAX_FRAME_PIXELS:
                raise ReplayError(f"{path}: too large for a screenshot ({width}x{height} pixels; gumd reads at most "
                                  f"{MAX_FRAME_PIXELS // 1_000_000} million); remove or shrink it")
            return im.convert("RGB")
    except ReplayError:
        raise
    except Image.DecompressionBombError:
        raise ReplayError(f"{path}: too large for a screenshot (over Pillow's decompression-bomb limit; gumd reads at "
                          f"most {MAX_FRAME_PIXELS // 1_000_000} million pixels); remove or shrink it") from None
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError) as e:
        raise ReplayError(f"{path}: not a readable image ({e})") from None


def read_events(folder: Path) -> list[tuple[float, str, dict]]:
    """(time, kind, payload) for every event in the folder, sorted by time; images are loaded lazily."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ReplayError(f"{folder} is not a directory")
    log_file = folder / "events.jsonl"
    events: list[tuple[float, str, dict]] = []
    if log_file.exists():
        for n, line in enumerate(log_file.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                ev = json.loads(line)
                t, kind = float(ev["t"]), ev["type"]
            except (ValueError, KeyError, TypeError):
                raise ReplayError(f"{log_file}:{n}: expected a JSON object with 't' and 'type'") from None
            if kind not in ("focus", "input", "frame"):
                raise ReplayError(f"{log_file}:{n}: type must be focus, input or frame, not {kind!r}")
            if kind == "frame" and not (folder / str(ev.get("file", ""))).is_file():
                raise ReplayError(f"{log_file}:{n}: frame file {ev.get('file')!r} not found in {folder}")
            events.append((t, kind, ev))
    else:
        for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            events.append((path.stat().st_mtime, "frame", {"file": path.name}))
    if not any(kind == "frame" for _, kind, _ in events):
        raise ReplayError(f"{folder} holds no screenshots to replay")
    events.sort(key=lambda e: e[0])
    return events


def _event(folder: Path, t: float, kind: str, ev: dict) -> Event:
    if kind == "focus":
        return FocusChange(at=t, app=str(ev.get("app", "")), title=str(ev.get("title", "")))
    if kind == "input":
        return InputBurst(
            started_at=float(ev.get("started", t)), ended_at=t, keys=int(ev.get("keys", 0)),
            clicks=int(ev.get("clicks", 0)), scrolls=int(ev.get("scrolls", 0)),
            shortcuts=tuple(str(s) for s in ev.get("shortcuts", ())),
        )
    return Frame(at=t, image=_load_image(folder / ev["file"]), reason="replay")


def replay(folder: Path, pipeline: Pipeline, speed: float = 0.0,
           clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> ReplayResult:
    """Feed the folder's events to the pipeline in time order; identical consecutive frames are skipped.
    With `speed` > 0 each event waits until its time, `speed` times faster than recorded, has come; an
    event the pipeline is late for goes at once (the pace catches up, it is not reset)."""
    folder = Path(folder)
    frames = duplicates = 0
    stored: list[int] = []
    last_digest = None
    events = read_events(folder)
    first, started = events[0][0], clock()
    for t, kind, ev in events:
        if speed > 0 and (wait := started + (t - first) / speed - clock()) > 0:
            sleep(wait)
        event = _event(folder, t, kind, ev)
        if isinstance(event, Frame):
            digest = hashlib.blake2b(event.image.tobytes(), digest_size=16).digest()
            if digest == last_digest:
                duplicates += 1
                continue
            last_digest = digest
            frames += 1
        obs_id = pipeline.handle(event)
        if obs_id is not None:
            stored.append(obs_id)
    return ReplayResult(frames=frames, duplicates=duplicates, observations=stored)
