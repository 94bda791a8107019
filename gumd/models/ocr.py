"""Reading text off a screenshot, behind `Ocr.read(image) -> [OcrLine]`."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass

from PIL import Image

# A larger image is read at a reduced scale (an integer factor, boxes mapped back): a 4K monitor is read
# as is, an 8K one at half size. Tesseract's memory and time grow with the pixels; text on such screens is
# drawn large (HiDPI), so it stays readable.
MAX_OCR_PIXELS = 3840 * 2160

# Tesseract's OpenMP threads make it ~7x slower on small machines (measured: 1.2 s vs 8 s per 1080p frame).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


@dataclass(frozen=True)
class OcrLine:
    box: tuple[int, int, int, int]  # left, top, width, height in image pixels
    text: str
    confidence: float  # 0..100, mean over the line's words


def reduction(width: int, height: int, max_pixels: int = MAX_OCR_PIXELS) -> int:
    """The smallest integer factor that brings a width x height image within max_pixels (1: as is)."""
    factor = 1
    while (width // factor) * (height // factor) > max_pixels:
        factor += 1
    return factor


class Ocr(ABC):
    """An OCR engine: an image in, lines of text in reading order out."""

    @abstractmethod
    def read(self, image: Image.Image) -> list[OcrLine]:
        """Lines of text found in the image, top to bottom."""

    def text(self, image: Image.Image) -> str:
        return "\n".join(line.text for line in self.read(image))


class TesseractOcr(Ocr):
    """Tesseract through pytesseract; words below `min_confidence` are dropped as noise.

    The tesseract process runs at nice `nice`, so reading a frame never competes with the user.
    """

    def __init__(self, lang: str = "eng", min_confidence: float = 40.0, nice: int = 0):
        self.lang = lang
        self.min_confidence = min_confidence
        self.nice = nice

    def read(self, image: Image.Image) -> list[OcrLine]:
        import pytesseract

        grey = image.convert("L")
        factor = reduction(grey.width, grey.height)
        if factor > 1:
            grey = grey.reduce(factor)
        data = pytesseract.image_to_data(grey, lang=self.lang, nice=self.nice, output_type=pytesseract.Output.DICT)
        if factor > 1:
            for key in ("left", "top", "width", "height"):
                data[key] = [v * factor for v in data[key]]
        lines: dict[tuple[int, int, int], list[int]] = {}
        for i, word in enumerate(data["text"]):
            if word.strip() and float(data["conf"][i]) >= self.min_confidence:
                lines.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(i)
        out = []
        for idx in lines.values():
            left = min(data["left"][i] for i in idx)
            top = min(data["top"][i] for i in idx)
            right = max(data["left"][i] + data["width"][i] for i in idx)
            bottom = max(data["top"][i] + data["height"][i] for i in idx)
            out.append(
                OcrLine(
                    box=(left, top, right - left, bottom - top),
                    text=" ".join(data["text"][i] for i in idx),
                    confidence=sum(float(data["conf"][i]) for i in idx) / len(idx),
                )
            )
        return out


def load_ocr(engine: str, nice: int = 0) -> Ocr:
    """The OCR engine a setting names, run at nice `nice` (pass settings.model_nice)."""
    if engine == "tesseract":
        return TesseractOcr(nice=nice)
    raise ValueError(f"unknown OCR engine {engine!r}")
