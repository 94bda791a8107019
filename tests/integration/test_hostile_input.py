"""Hostile input on the capture path: random noise, a 1×1 frame, a large frame, a corrupt PNG and a
decompression bomb in a replay folder. Nothing crashes; a file that cannot be read is named, with no
traceback; a huge but legal frame is read in bounded memory."""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import zlib

from PIL import Image

from gumd.store import Store
from tests.support.environment import GUMD
from tests.support.replay_session import run_gumd
from tests.support.screens import screen_with


def test_noise_tiny_and_large_frames_do_not_crash_replay_and_a_corrupt_png_is_named(tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    rng = random.Random(10)
    Image.frombytes("RGB", (800, 600), rng.randbytes(800 * 600 * 3)).save(folder / "noise.png")
    Image.new("RGB", (1, 1), "white").save(folder / "tiny.png")
    Image.new("RGB", (4000, 4000), "white").save(folder / "large.png")
    (folder / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.randbytes(2000))
    events = [{"t": 1000.0 + i, "type": "frame", "file": f} for i, f in
              enumerate(["noise.png", "tiny.png", "large.png", "corrupt.png"])]
    (folder / "events.jsonl").write_text("\n".join(json.dumps(e) for e in events) + "\n")
    done = run_gumd(tmp_path, "replay", "--no-process", str(folder))
    assert done.returncode == 2, done.stderr
    assert "corrupt.png: not a readable image" in done.stderr and "Traceback" not in done.stderr


def _png_bomb(path, width: int, height: int) -> None:
    """A valid greyscale PNG of width x height white pixels, compressed chunk by chunk (a few hundred KB on disk,
    width x height bytes decoded) without ever holding the image in memory."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    packer, row, rows = zlib.compressobj(9), b"\0" + b"\xff" * width, []
    for _ in range(height // 100):
        rows.append(packer.compress(row * 100))
    rows.append(packer.compress(row * (height % 100)) + packer.flush())
    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", b"".join(rows)) + chunk(b"IEND", b""))


def _replay_peak_rss(tmp_path, folder) -> tuple[subprocess.CompletedProcess, int]:
    """Run `gumd replay --no-process folder` and return it with the peak RSS in bytes of it and its children
    (Tesseract included: Linux carries a child's peak up to the parent that waits for it)."""
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    probe = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
             "sys.stdout.write(r.stdout); sys.stderr.write(r.stderr); "
             "print('PEAK_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")
    done = subprocess.run([sys.executable, "-c", probe, *GUMD, "--data-dir", str(tmp_path / "data"), "replay",
                           "--no-process", str(folder)], env=env, capture_output=True, text=True, timeout=300)
    peak_kb = int(done.stdout.rsplit("PEAK_KB", 1)[1].split()[0])
    return done, peak_kb * 1024


def test_a_decompression_bomb_is_named_and_refused_before_it_is_decoded(tmp_path):
    folder = tmp_path / "bomb"
    folder.mkdir()
    _png_bomb(folder / "bomb.png", 16000, 16000)  # 256 million pixels: over Pillow's own limit
    _png_bomb(folder / "wide.png", 20000, 4000)  # 80 million: under Pillow's limit, over gumd's
    size = (folder / "bomb.png").stat().st_size
    assert size < 2_000_000
    done, peak = _replay_peak_rss(tmp_path, folder)
    assert done.returncode == 2, done.stderr
    lines = [ln for ln in done.stderr.splitlines() if "bomb.png" in ln]
    assert len(lines) == 1 and "bomb.png: too large for a screenshot" in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    (folder / "bomb.png").unlink()
    done, peak_wide = _replay_peak_rss(tmp_path, folder)
    assert done.returncode == 2 and "wide.png: too large for a screenshot (20000x4000 pixels" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "Warning" not in done.stderr
    peak = max(peak, peak_wide)
    assert peak < 600_000_000, f"peak RSS {peak / 1e6:.0f} MB: the bomb was decoded"
    print(f"bomb: {size / 1e3:.0f} KB file, refused, peak RSS {peak / 1e6:.0f} MB")


def test_an_8k_frame_is_read_in_bounded_memory(tmp_path):
    folder = tmp_path / "huge"
    folder.mkdir()
    frame = Image.new("RGB", (7680, 4320), "white")  # one 8K monitor, HiDPI: text drawn at twice the size
    page = screen_with("Tender for the Tromso harbour crane", "deadline Thursday 14:00")
    frame.paste(page.resize((page.width * 2, page.height * 2)), (400, 600))
    frame.save(folder / "8k.png")
    done, peak = _replay_peak_rss(tmp_path, folder)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    texts = " ".join(o.text for o in Store(tmp_path / "data" / "gumd.db").observations.newest())
    assert "Tromso harbour crane" in texts, texts
    assert peak < 2_000_000_000, f"peak RSS {peak / 1e6:.0f} MB"
    print(f"8K frame: peak RSS {peak / 1e6:.0f} MB")
