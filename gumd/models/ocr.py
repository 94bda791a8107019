"""Reading text off a screenshot, behind `Ocr.read(image) -> [OcrLine]`.

Tesseract runs in-process through libtesseract's C API where the library is
installed (the model is loaded once, so a small changed region costs ~40 ms,
not the ~170 ms of starting a `tesseract` process and loading its model), and
through the `tesseract` command where it is not. Either way Tesseract reads on
one thread (see `one_openmp_thread`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import logging
import os
import subprocess
import threading
import weakref
from abc import ABC, abstractmethod
from dataclasses import dataclass

from PIL import Image

log = logging.getLogger(__name__)

# A larger image is read at a reduced scale (an integer factor, boxes mapped back): a 4K monitor is read
# as is, an 8K one at half size. Tesseract's memory and time grow with the pixels; text on such screens is
# drawn large (HiDPI), so it stays readable.
MAX_OCR_PIXELS = 3840 * 2160


def one_openmp_thread() -> None:
    """Make Tesseract's OpenMP parallel regions run on one thread when the calling thread enters them.

    Tesseract asks OpenMP for a team of four or more threads whatever the machine has: on two cores a 1080p
    frame then took 8-11 s instead of 1.2-1.4 s. OMP_THREAD_LIMIT would cap every thread of the process, and
    llama.cpp, which shares the system's libgomp, would then run on one thread whatever `model_threads` says.
    Dynamic adjustment and a team size of one are settings of the calling thread alone, and together they bound
    even a region that names its own size. Where there is no libgomp (macOS: LLVM's libomp, which reads its
    environment at its first parallel region), the limit goes into the environment as before."""
    try:
        gomp = ctypes.CDLL("libgomp.so.1")
    except OSError:
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        return
    gomp.omp_set_dynamic(1)
    gomp.omp_set_num_threads(1)


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

    def close(self) -> None:
        """Release what the engine holds (a loaded model)."""


# One recognised word: (block, paragraph, line, left, top, width, height, confidence, text), as Tesseract's TSV.
Word = tuple[int, int, int, int, int, int, int, float, str]


def _grey(image: Image.Image) -> tuple[Image.Image, int]:
    """The image in grey, reduced by `reduction` when it is too large to read as is, and the factor."""
    grey = image.convert("L")
    factor = reduction(grey.width, grey.height)
    return (grey.reduce(factor) if factor > 1 else grey), factor


def _scaled(words: list[Word], factor: int) -> list[Word]:
    """Word boxes of a reduced image mapped back to the image's own pixels."""
    if factor == 1:
        return words
    return [(b, p, ln, x * factor, y * factor, w * factor, h * factor, c, t) for b, p, ln, x, y, w, h, c, t in words]


def _tsv_words(tsv: str) -> list[Word]:
    """The words of Tesseract's TSV output (level page block par line word left top width height conf text)."""
    rows = (row.split("\t") for row in tsv.splitlines())
    return [(int(f[2]), int(f[3]), int(f[4]), int(f[6]), int(f[7]), int(f[8]), int(f[9]), float(f[10]), f[11])
            for f in rows if len(f) >= 12 and f[0] == "5"]


def group_lines(words: list[Word], min_confidence: float) -> list[OcrLine]:
    """Tesseract's words grouped into lines (by block, paragraph and line number), noise words dropped."""
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for w in words:
        if w[8].strip() and w[7] >= min_confidence:
            lines.setdefault(w[:3], []).append(w)
    out = []
    for ws in lines.values():
        left, top = min(w[3] for w in ws), min(w[4] for w in ws)
        right, bottom = max(w[3] + w[5] for w in ws), max(w[4] + w[6] for w in ws)
        out.append(OcrLine(box=(left, top, right - left, bottom - top), text=" ".join(w[8] for w in ws),
                           confidence=sum(w[7] for w in ws) / len(ws)))
    return out


class OcrError(RuntimeError):
    """Tesseract could not read a frame: the command is missing or failed."""


class TesseractOcr(Ocr):
    """Tesseract through the `tesseract` command; words below `min_confidence` are dropped as noise.

    The tesseract process runs at nice `nice`, so reading a frame never competes with the user, and on one
    OpenMP thread (OMP_THREAD_LIMIT in its own environment only).
    """

    def __init__(self, lang: str = "eng", min_confidence: float = 40.0, nice: int = 0):
        self.lang = lang
        self.min_confidence = min_confidence
        self.nice = nice

    def read(self, image: Image.Image) -> list[OcrLine]:
        grey, factor = _grey(image)
        png = io.BytesIO()
        grey.save(png, format="PNG")
        command = ["tesseract", "-", "-", "-l", self.lang, "tsv"]
        if self.nice and os.name == "posix":
            command = ["nice", "-n", str(self.nice), *command]
        try:
            done = subprocess.run(command, input=png.getvalue(), capture_output=True,
                                  env={**os.environ, "OMP_THREAD_LIMIT": "1"}, check=True)
        except FileNotFoundError:
            raise OcrError("the tesseract command is not installed") from None
        except subprocess.CalledProcessError as e:
            raise OcrError(f"tesseract failed: {e.stderr.decode(errors='replace').strip()[:200]}") from None
        return group_lines(_scaled(_tsv_words(done.stdout.decode("utf-8", "replace")), factor), self.min_confidence)


class LibTesseractUnavailable(OcrError):
    """libtesseract (the shared library) cannot be loaded or initialised."""


def _libtesseract() -> ctypes.CDLL:
    names = [n for n in (ctypes.util.find_library("tesseract"), "libtesseract.so.5", "libtesseract.5.dylib") if n]
    for name in names:
        try:
            lib = ctypes.CDLL(name)
            break
        except OSError:
            continue
    else:
        raise LibTesseractUnavailable("libtesseract is not installed")
    p, c, i = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    lib.TessBaseAPICreate.restype = p
    lib.TessBaseAPIInit3.argtypes, lib.TessBaseAPIInit3.restype = [p, c, c], i
    lib.TessBaseAPISetImage.argtypes = [p, c, i, i, i, i]
    lib.TessBaseAPIGetTsvText.argtypes, lib.TessBaseAPIGetTsvText.restype = [p, i], p
    lib.TessDeleteText.argtypes = [p]
    lib.TessBaseAPIClear.argtypes = [p]
    lib.TessBaseAPIEnd.argtypes = [p]
    lib.TessBaseAPIDelete.argtypes = [p]
    return lib


class LibTesseractOcr(Ocr):
    """Tesseract in-process through libtesseract's C API: the model is loaded once, at the first read.

    The thread that reads is set to nice `nice` (Linux sets niceness per thread), so OCR never competes with
    the user, and to one OpenMP thread (`one_openmp_thread`); in the daemon that is the pipeline thread. Reads
    are serialised: one engine, one image at a time.
    """

    def __init__(self, lang: str = "eng", min_confidence: float = 40.0, nice: int = 0):
        self.lang = lang
        self.min_confidence = min_confidence
        self.nice = nice
        self._lib = _libtesseract()
        self._api = None
        self._lock = threading.Lock()
        self._prepared: set[int] = set()
        self._finalizer = weakref.finalize(self, lambda: None)

    def _engine(self):
        if self._api is None:
            api = self._lib.TessBaseAPICreate()
            if self._lib.TessBaseAPIInit3(api, None, self.lang.encode()) != 0:
                self._lib.TessBaseAPIDelete(api)
                raise LibTesseractUnavailable(f"libtesseract could not load the {self.lang!r} language data")
            self._api = api
            self._finalizer = weakref.finalize(self, _end, self._lib, api)  # at exit too: no leak warnings
        return self._api

    def _prepare_this_thread(self) -> None:
        tid = threading.get_native_id()
        if tid in self._prepared:
            return
        one_openmp_thread()
        if self.nice and hasattr(os, "setpriority"):
            try:
                os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), self.nice))
            except OSError as e:
                log.warning("could not lower the OCR thread's priority: %s", e)
        self._prepared.add(tid)

    def read(self, image: Image.Image) -> list[OcrLine]:
        grey, factor = _grey(image)
        pixels = grey.tobytes()
        with self._lock:
            self._prepare_this_thread()
            api = self._engine()
            self._lib.TessBaseAPISetImage(api, pixels, grey.width, grey.height, 1, grey.width)
            tsv = self._lib.TessBaseAPIGetTsvText(api, 0)
            try:
                text = ctypes.string_at(tsv).decode("utf-8", "replace") if tsv else ""
            finally:
                if tsv:
                    self._lib.TessDeleteText(tsv)
                self._lib.TessBaseAPIClear(api)
        return group_lines(_scaled(_tsv_words(text), factor), self.min_confidence)

    def close(self) -> None:
        with self._lock:
            self._finalizer()
            self._api = None


def _end(lib: ctypes.CDLL, api) -> None:
    lib.TessBaseAPIEnd(api)
    lib.TessBaseAPIDelete(api)


def load_ocr(engine: str, nice: int = 0) -> Ocr:
    """The OCR engine a setting names, run at nice `nice` (pass settings.model_nice): Tesseract in-process where
    libtesseract loads, else through the `tesseract` command."""
    if engine == "tesseract":
        try:
            return LibTesseractOcr(nice=nice)
        except LibTesseractUnavailable as e:
            log.info("%s: OCR runs the tesseract command instead", e)
            return TesseractOcr(nice=nice)
    raise ValueError(f"unknown OCR engine {engine!r}")
