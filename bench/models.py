"""Model-layer benchmarks: language models, JSON constraint cost, embeddings, OCR, peak memory.

    PYTHONPATH=. python bench/models.py [--presets NAME ...] [--threads N ...] [--skip-lm]

Prints Markdown tables with the machine. Figures are wall-clock on a machine
others may be using: read the load average beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from gumd.config import Settings, load_settings
from gumd.models import LlamaCppModel, load_embedder, load_language_model, load_next_action_model, load_ocr
from gumd.models.llamacpp import gpu_offload_supported
from gumd.models.registry import PRESETS, is_ready, resolve

SCREEN = (
    "Inbox - Thunderbird. From: Marta Silva <marta@example.org>. Subject: Lisbon wedding - flights and hotel. "
    "Hi Alex, we booked the venue Quinta da Regaleira in Sintra for September 14. Could you book TAP flight "
    "TP 218 from Boston on September 12 for both of us? The budget is 900 EUR per person. Also please reserve "
    "two nights at Hotel Avenida Palace, and ask Joao whether his sister still needs a ride from the airport. "
)


class Fact(BaseModel):
    text: str = Field(max_length=300)
    confidence: Literal[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]


class Facts(BaseModel):
    facts: list[Fact] = Field(max_length=8)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                   if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import llama_cpp

    return (f"{cpu}; {os.cpu_count()} logical cores; {mem_gb:.0f} GiB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; llama-cpp-python {llama_cpp.__version__} "
            f"(GPU offload: {'yes' if gpu_offload_supported() else 'no'}); load average at start "
            f"{os.getloadavg()[0]:.2f}")


def messages(n_repeats: int, question: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You read the user's screen and write facts about the user."},
            {"role": "user", "content": SCREEN * n_repeats + "\n" + question}]


def bench_lm(name: str, path: Path, threads: int) -> dict[str, str]:
    """Prompt and generation speed, free and JSON-constrained, through gumd's own LlamaCppModel."""
    lm = LlamaCppModel(path, threads=threads, context=4096, prompt_cache_mb=256)
    lm.complete_text([{"role": "user", "content": "hi"}], max_tokens=1)  # load outside the timings

    def timed(fn) -> tuple[float, int, int]:
        before = (lm.usage.prompt_tokens - lm.usage.cached_prompt_tokens, lm.usage.completion_tokens)
        started = time.perf_counter()
        fn()
        seconds = time.perf_counter() - started
        return (seconds, lm.usage.prompt_tokens - lm.usage.cached_prompt_tokens - before[0],
                lm.usage.completion_tokens - before[1])

    prompt = messages(5, "List facts about Alex.")
    p_s, p_tok, _ = timed(lambda: lm.complete_text(prompt, max_tokens=1))
    cached_s, _, _ = timed(lambda: lm.complete_text(prompt, max_tokens=1))
    free_s, _, free_tok = timed(lambda: lm.complete_text(prompt, max_tokens=96))
    json_s, _, json_tok = timed(lambda: lm.complete_json(prompt, Facts, max_tokens=400))
    lm.unload()
    preset = PRESETS.get(name)
    return {
        "model": name, "quant": preset.quantization if preset else "?", "threads": str(threads),
        "prompt tok/s": f"{p_tok / p_s:.0f} ({p_tok} tok)",
        "same prompt again (KV cache)": f"{cached_s:.2f} s vs {p_s:.1f} s",
        "free gen tok/s": f"{free_tok / free_s:.1f}",
        "JSON gen tok/s": f"{json_tok / json_s:.1f} ({json_tok} tok)",
    }


def bench_embeddings(settings: Settings) -> dict[str, str]:
    embedder = load_embedder(settings)
    embedder.embed(["warm up"])
    texts = [f"note {i}: {w} about the Lisbon trip and the budget sheet" for i, w in
             enumerate(["booked flight", "hotel", "venue call", "emailed Joao", "edited cell B4"] * 200)]
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    seconds = time.perf_counter() - started
    one = []  # a search query: one short text at a time
    for text in texts[:200]:
        started = time.perf_counter()
        embedder.embed([text])
        one.append(time.perf_counter() - started)
    one.sort()
    return {"embedder": embedder.name, "texts": str(len(texts)), "dim": str(vectors.shape[1]),
            "batch": str(embedder.batch_size), "threads": str(settings.model_threads),
            "texts/s": f"{len(texts) / seconds:.0f}",
            "one text p50 / p99 ms": f"{1000 * one[100]:.1f} / {1000 * one[197]:.1f}"}


def screen_image():
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (1920, 1080), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=20)
    words = SCREEN.split()
    for row in range(36):
        line = " ".join(words[(row * 9) % len(words):][:14])
        draw.text((40 + (row % 2) * 960, 20 + 29 * (row // 2) * 2), line, fill="black", font=font)
    return image


def bench_ocr() -> dict[str, str]:
    ocr = load_ocr("tesseract")
    image = screen_image()
    times = []
    for _ in range(3):
        started = time.perf_counter()
        lines = ocr.read(image)
        times.append(time.perf_counter() - started)
    return {"engine": "tesseract (one OpenMP thread)", "frame": "1920x1080, 36 text lines",
            "lines read": str(len(lines)), "ms/frame (median of 3)": f"{1000 * statistics.median(times):.0f}"}


def peak_rss_child() -> None:
    """Run in a fresh process: load the default models (propositions' and next-action's), use each once, print
    peak RSS."""
    settings = load_settings({}, environ={}, config_file=Path(tempfile.gettempdir()) / "gumd-bench-none.toml")
    for lm in (load_language_model(settings), load_next_action_model(settings)):
        lm.complete_json(messages(2, "List facts about Alex."), Facts, max_tokens=200)
    load_embedder(settings).embed([SCREEN] * 64)
    load_ocr(settings.ocr).read(screen_image())
    print(json.dumps({"model": settings.model, "nap_model": settings.nap_model, "embedder": settings.embedder,
                      "ocr": settings.ocr,
                      "peak_rss_mb": peak_rss_mb()}))


def export_peak_child() -> None:
    """Run in a fresh process: export the packaged MiniLM to ONNX as the embedder's child does, print peak RSS."""
    from gumd.models.embed import packaged_minilm_path
    from gumd.models.onnx_export import export

    export(packaged_minilm_path())
    print(json.dumps({"peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak RSS. Linux keeps ru_maxrss across fork and exec (a child would report the
    parent's peak), so VmHWM, which starts afresh with the new program, is read where it exists."""
    try:
        line = next(ln for ln in Path("/proc/self/status").read_text().splitlines() if ln.startswith("VmHWM:"))
        return int(line.split()[1]) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def bench_peak_rss(settings: Settings) -> list[dict[str, str]]:
    """Peak RSS at a first start (the embedder's ONNX graph is exported, in a child process), at a later
    start, and of that export child alone."""
    for graph in settings.models_dir.glob("*.onnx"):
        graph.unlink()
    rows = []
    for what, flag in (("first start: the default models loaded (model, nap_model, MiniLM exported to ONNX, "
                        "Tesseract), each used once",
                        "--peak-rss-child"),
                       ("later start: the same", "--peak-rss-child"),
                       ("the ONNX export child alone (once per data dir)", "--export-peak-child")):
        out = subprocess.run([sys.executable, __file__, flag], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
        got = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append({"process": what, "peak RSS": f"{got['peak_rss_mb']:.0f} MB", "goal": "< 1,500 MB"})
    return rows


def table(rows: list[dict[str, str]]) -> str:
    head = list(rows[0])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r[h] for h in head) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--peak-rss-child":
        peak_rss_child()
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--export-peak-child":
        export_peak_child()
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="*", help="presets to time (default: every one ready here)")
    parser.add_argument("--skip-lm", action="store_true", help="skip the language-model timings")
    parser.add_argument("--threads", nargs="*", type=int,
                        help="thread counts to time each language model at (default: the model_threads setting)")
    args = parser.parse_args()
    # Default settings without the user's config file; models live in (and are assembled into) the usual dir.
    settings = load_settings({}, environ={}, config_file=Path(tempfile.gettempdir()) / "gumd-bench-none.toml")
    print(f"Machine: {machine()}\n")
    if not args.skip_lm:
        names = args.presets or [n for n, p in PRESETS.items() if is_ready(p, settings.models_dir)]
        rows = [bench_lm(n, resolve(n, settings.models_dir), threads) for n in names
                for threads in args.threads or [settings.model_threads]]
        print("Language models (prompt: a mail screen, tokens in brackets; free: 96 tokens; JSON: a facts schema)\n")
        print(table(rows) + "\n")
    print("Embeddings\n\n" + table([bench_embeddings(settings)]) + "\n")
    print("OCR\n\n" + table([bench_ocr()]) + "\n")
    print("Memory\n\n" + table(bench_peak_rss(settings)))


if __name__ == "__main__":
    main()
