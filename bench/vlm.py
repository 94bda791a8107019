"""Seconds per frame of the configured vision model, with Tesseract on the same frame as the baseline.

    python bench/vlm.py [--image PNG | --grab] [--frames 5] [--set KEY=VALUE ...]

The screen reader comes from your gumd settings (config.toml, GUMD_* variables), with `--set` on top, e.g.
`--set vlm_model=smolvlm2-500m` or `--set vlm_url=http://127.0.0.1:8081/v1 --set vlm_model=smolvlm2`. The frame
is an image file, the screen grabbed now (`--grab`), or a drawn page of text. The first read loads the model
and is shown apart; each frame is prepared as the daemon prepares it (downscaled to the model's input size).
Prints a table, and the last description so that you can judge it.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gumd.capture.reading import prepare  # noqa: E402
from gumd.config import load_settings  # noqa: E402
from gumd.models.ocr import load_ocr  # noqa: E402
from gumd.models.vision import load_screen_reader  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    return f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}"


def drawn_page() -> Image.Image:
    image = Image.new("RGB", (1920, 1080), "white")
    draw, font = ImageDraw.Draw(image), ImageFont.truetype(FONT, 22)
    lines = ["Inbox - Thunderbird", "From: Marta Silva  Subject: wedding in Lisbon on June 14",
             "Please book flights TAP TP 218 and confirm the hotel Alfama Suites for three nights.",
             "Dinner at Cervejaria Ramiro on Friday."]
    for i, line in enumerate(lines):
        draw.text((40, 40 + 40 * i), line, fill="black", font=font)
    return image


def frame(args: argparse.Namespace) -> Image.Image:
    if args.image:
        return Image.open(args.image).convert("RGB")
    if args.grab:
        from gumd.observers.screen import Screen

        return Screen().grab("bench")[0].image
    return drawn_page()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", type=Path)
    parser.add_argument("--grab", action="store_true", help="grab the screen now")
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    flags = dict(s.split("=", 1) for s in args.set)
    settings = load_settings({"screen_reader": "vlm", **flags})
    image = frame(args)
    reader = load_screen_reader(settings)
    png = prepare(image, [], None, reader.image_px)
    ocr = load_ocr(settings.ocr)
    started = time.monotonic()
    first = reader.describe(png, "bench — a screenshot")
    load_s = time.monotonic() - started
    times, answer = [], first
    for _ in range(args.frames):
        started = time.monotonic()
        answer = reader.describe(png, "bench — a screenshot")
        times.append(time.monotonic() - started)
    ocr_times = []
    for _ in range(args.frames):
        started = time.monotonic()
        ocr.read(image)
        ocr_times.append(time.monotonic() - started)
    sent = Image.open(io.BytesIO(png)).size
    print(f"machine: {machine()}\nreader: {reader.name}\nframe: {image.size[0]}x{image.size[1]}, "
          f"sent {sent[0]}x{sent[1]} PNG ({len(png) / 1000:.0f} kB)\n")
    print(f"{'':28}{'median s':>10}{'max s':>10}")
    print(f"{'first read (with loading)':28}{load_s:>10.2f}{load_s:>10.2f}")
    print(f"{f'vision model, {args.frames} frames':28}{statistics.median(times):>10.2f}{max(times):>10.2f}")
    print(f"{f'Tesseract, {args.frames} frames':28}{statistics.median(ocr_times):>10.2f}{max(ocr_times):>10.2f}")
    print(f"\nlast description:\n{answer}")


if __name__ == "__main__":
    main()
