"""OCR: real Tesseract reading a rendered 1080p screen."""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from gumd.models import load_ocr

LINES = ["Inbox - Marta Silva", "Subject: Lisbon wedding flights", "Please book TAP flight TP 218 for September 12"]


def screen() -> Image.Image:
    image = Image.new("RGB", (1920, 1080), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=32)
    for i, line in enumerate(LINES):
        draw.text((120, 150 + 110 * i), line, fill="black", font=font)
    return image


def test_tesseract_reads_lines_with_boxes_in_reading_order():
    ocr = load_ocr("tesseract", nice=5)
    lines = ocr.read(screen())
    text = ocr.text(screen())
    for word in ("Marta", "Lisbon", "wedding", "TAP", "218", "September"):
        assert word in text
    assert [ln.box[1] for ln in lines] == sorted(ln.box[1] for ln in lines)
    for ln in lines:
        left, top, width, height = ln.box
        assert 100 <= left < 1920 and 130 <= top < 500 and width > 0 and 0 < height < 80
        assert 40 <= ln.confidence <= 100


def test_in_process_tesseract_reads_the_same_lines_as_the_tesseract_command():
    from gumd.models.ocr import LibTesseractOcr, TesseractOcr

    lib, cmd = LibTesseractOcr(), TesseractOcr()
    try:
        ours, theirs = lib.read(screen()), cmd.read(screen())
        assert [ln.text for ln in ours] == [ln.text for ln in theirs]
        for a, b in zip(ours, theirs):  # the command's boxes differ by a few pixels (it reads a PNG it wrote)
            assert abs(a.box[0] - b.box[0]) <= 4 and abs(a.box[1] - b.box[1]) <= 8
        assert lib.read(Image.new("RGB", (40, 20), "white")) == []
    finally:
        lib.close()


OPENMP_PROBE = """
import ctypes, json, threading
from gumd.models import load_ocr
from tests.integration.test_models_ocr import screen

gomp = ctypes.CDLL("libgomp.so.1")
ocr = load_ocr("tesseract")
seen = {}

def read():
    ocr.read(screen())
    seen["ocr"] = [gomp.omp_get_max_threads(), gomp.omp_get_dynamic()]

reader = threading.Thread(target=read)
reader.start()
reader.join()
seen["other"] = [gomp.omp_get_thread_limit(), gomp.omp_get_max_threads(), gomp.omp_get_dynamic()]
print(json.dumps(seen))
"""


def test_tesseract_reads_on_one_openmp_thread_without_capping_the_language_models_threads():
    """Tesseract and llama.cpp share the system's libgomp: the OCR thread runs its parallel regions on one thread
    (four or more on two cores made a frame 7x slower), and every other thread keeps OpenMP's defaults, so the
    language model gets `model_threads`."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if not k.startswith(("OMP_", "GOMP_"))}
    out = subprocess.run([sys.executable, "-c", OPENMP_PROBE], capture_output=True, text=True, env=env, check=True,
                         cwd=Path(__file__).parents[2])
    seen = json.loads(out.stdout)
    assert seen["ocr"] == [1, 1]
    limit, threads, dynamic = seen["other"]
    assert limit > 1 and threads == len(os.sched_getaffinity(0)) and dynamic == 0
