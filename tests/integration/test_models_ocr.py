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
