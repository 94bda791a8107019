"""Hostile input on the capture path: random noise, a 1×1 frame, a large frame and a corrupt PNG in a
replay folder. Nothing crashes; the corrupt file is named, with no traceback."""

from __future__ import annotations

import json
import random

from PIL import Image

from tests.test_replay import run_gumd


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
