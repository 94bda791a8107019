"""Capture-path benchmarks: OCR per 1920x1080 frame (full and changed-region-only), and the CPU, frames and bytes
of a real `gumd run` through a scripted xdotool session in Xvfb, then at rest.

    PYTHONPATH=. python bench/capture.py --minutes 10 [--idle-minutes 2] [--variants default,nobudget,baseline]

The daemon runs with batch_interval_s=86400, so no model work is counted (the model is loaded at start-up,
before measuring). CPU is the daemon's user+system time plus that of the Tesseract processes it waited for
(/proc/PID/stat utime, stime, cutime, cstime), over wall time. "baseline" is the same daemon with the cell
near-duplicate test reduced to exact repeats (capture_duplicate_cells=0) and OCR of the whole frame every time
(capture_incremental_ocr=false), budget off; "interval10" is the default with capture_min_interval_s=10;
"nobudget" is the default with the CPU budget off (capture_cpu_budget=0). All are driven by the same seeded script.
"stale" is how much later than asked the captures the budget put off were taken (mean / max). Database growth is the file after the daemon folded its WAL in at shutdown; disk writes are
/proc/PID/io write_bytes (WAL, checkpoints and log included). Prints Markdown tables with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from gumd.client import Client
from gumd.models.ocr import LibTesseractOcr, TesseractOcr
from gumd.models.registry import PRESETS, assemble
from gumd.observers.base import Frame
from gumd.store import Store
from gumd.transcribe import Transcriber

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
TICKS = os.sysconf("SC_CLK_TCK")
IDLE_S = 120  # capture_idle_s's default
WORDS = ("harbour ledger ferry timetable invoice budget draft review merge branch deploy notes schedule "
         "meeting agenda quarterly report customer tidewater walrus almanac planner").split()


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")), "?")
    return (f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, "
            f"load average at start {os.getloadavg()[0]:.2f}")


def text_screen(lines: list[str]) -> Image.Image:
    image = Image.new("RGB", (1920, 1080), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 18)
    for i, line in enumerate(lines):
        draw.text((24, 16 + 26 * i), line, fill=(20, 20, 20), font=font)
    return image


def bench_ocr(reps: int) -> list[tuple[str, str]]:
    rng = random.Random(7)
    lines = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14))) for _ in range(40)]
    first = text_screen(lines)
    lines[20] = "an edited line: the ferry leaves at 09:40 from pier 3"
    second = text_screen(lines)
    out = []
    for label, ocr in (("tesseract command", TesseractOcr()), ("in-process libtesseract", LibTesseractOcr())):
        full, partial, pixels = [], [], []
        for _ in range(reps):
            c = cpu_now()
            ocr.read(first)
            full.append(cpu_now() - c)
            tr = Transcriber(ocr, incremental=True)
            tr.read(Frame(at=0, image=first))
            before = tr.stats.pixels_read
            c = cpu_now()
            tr.read(Frame(at=1, image=second))
            partial.append(cpu_now() - c)
            pixels.append(tr.stats.pixels_read - before)
        out += [(f"whole frame, {label}", f"{statistics.median(full):.2f} CPU-s"),
                (f"one changed line, changed region only ({100 * pixels[0] / (1920 * 1080):.1f}% of the pixels), "
                 f"{label}", f"{statistics.median(partial) * 1000:.0f} CPU-ms")]
        ocr.close()
    t = time.process_time()
    for _ in range(20):
        Frame(at=0, image=second).cells
    cells = (time.process_time() - t) / 20
    return out + [("cell hash of the frame (near-duplicate test)", f"{cells * 1000:.1f} CPU-ms")]


def cpu_now() -> float:
    """CPU seconds of this process and the tesseract processes it waited for."""
    me = os.times()
    return me.user + me.system + me.children_user + me.children_system


def empty_db_size(work: Path) -> int:
    """The size of a freshly migrated database, to subtract from the daemon's."""
    path = work / "empty" / "gumd.db"
    path.parent.mkdir(exist_ok=True)
    store = Store(path)
    store.close()
    return path.stat().st_size


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / TICKS  # utime stime cutime cstime


def written_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("write_bytes:"):
            return int(line.split()[1])
    return 0


class X:
    def __init__(self, number: int):
        self.display = f":{number}"
        self.env = {**os.environ, "DISPLAY": self.display}
        self.procs = [subprocess.Popen(["Xvfb", self.display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.1)
        self.spawn("openbox")
        time.sleep(1.5)

    def spawn(self, *args: str) -> subprocess.Popen:
        p = subprocess.Popen(args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def do(self, *args: str) -> str:
        return subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=30).stdout

    def close(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()


def session(x: X, seconds: float, seed: int) -> int:
    """Type shell commands, click, scroll and switch between three terminals, at a person's pace."""
    rng = random.Random(seed)
    wids = [w for w in x.do("xdotool", "search", "--onlyvisible", "--class", "xterm").split()]
    actions, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        kind = rng.choices(["type", "click", "scroll", "switch"], weights=[5, 2, 2, 2])[0]
        if kind == "type":
            words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 6)))
            x.do("xdotool", "type", "--delay", str(rng.randint(60, 140)), f"echo {words}")
            x.do("xdotool", "key", "Return")
        elif kind == "click":
            x.do("xdotool", "mousemove", str(rng.randint(50, 1800)), str(rng.randint(50, 1000)), "click", "1")
        elif kind == "scroll":
            x.do("xdotool", "click", "--repeat", str(rng.randint(2, 6)), rng.choice(["4", "5"]))
        else:
            x.do("xdotool", "windowactivate", "--sync", rng.choice(wids))
        actions += 1
        time.sleep(rng.uniform(1.0, 4.0))
    return actions


def run_variant(name: str, sets: list[str], minutes: float, idle_minutes: float, model: Path, work: Path,
                number: int) -> dict:
    """One daemon through the scripted session, then (when idle_minutes) past the idle threshold and at rest."""
    x = X(number)
    data = work / f"data-{name}"
    try:
        for i, where in enumerate(("+0+0", "+700+80", "+300+500")):
            f = work / f"t{i}.txt"
            f.write_text("\n".join(" ".join(random.Random(i * 100 + j).choice(WORDS) for _ in range(9))
                                   for j in range(18)) + "\n")
            x.spawn("xterm", "-fa", "DejaVu Sans Mono", "-fs", "13", "-geometry", f"90x28{where}", "-T",
                    f"terminal {i}", "-e", "bash", "-c", f"cat {f}; exec bash --norc")
        time.sleep(2)
        env = {**x.env, "GUMD_CONFIG": str(work / "none.toml")}
        cmd = [sys.executable, "-m", "gumd.cli", "--data-dir", str(data), "--log-level", "WARNING",
               "--set", "batch_interval_s=86400", *[a for s in sets for a in ("--set", s)], "run", "--model", str(model)]
        daemon = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Client(data / "gumd.sock")
        for _ in range(600):
            try:
                client.status()
                break
            except ConnectionError:
                time.sleep(0.2)
        time.sleep(3)
        cpu0, io0, t0 = cpu_seconds(daemon.pid), written_bytes(daemon.pid), time.monotonic()
        actions = session(x, minutes * 60, seed=42)
        time.sleep(3)  # the last burst settles and is transcribed
        cpu1, io1, t1 = cpu_seconds(daemon.pid), written_bytes(daemon.pid), time.monotonic()
        st = client.status()
        cpu2 = cpu3 = t2 = t3 = 0.0
        if idle_minutes:
            time.sleep(IDLE_S + 5)  # no input: past capture_idle_s the daemon is idle
            assert client.status()["capture"]["presence"] == "idle"
            cpu2, t2 = cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(idle_minutes * 60)
            cpu3, t3 = cpu_seconds(daemon.pid), time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=60)
        stored = (data / "gumd.db").stat().st_size - empty_db_size(work)  # the WAL is folded in at shutdown
        cap = st["capture"]
        hours = (t1 - t0) / 3600
        return {
            "variant": name, "active_s": t1 - t0, "actions": actions,
            "cpu_active": 100 * (cpu1 - cpu0) / (t1 - t0), "cpu_idle": 100 * (cpu3 - cpu2) / max(t3 - t2, 1e-9),
            "idle_s": t3 - t2, "frames_new": cap["frames_captured"], "frames_dup": cap["frames_unchanged"],
            "frames_deferred": cap["frames_deferred"], "stale_mean": cap["deferred_wait_s"] / max(cap["frames_deferred"], 1),
            "stale_max": cap["deferred_wait_max_s"], "capture_cpu": 100 * cap["cpu_s"] / (t1 - t0),
            "load": os.getloadavg()[0],
            "observations": cap["observations_stored"], "ocr_rows": cap["ocr_rows_read"],
            "ocr_rows_total": cap["ocr_rows_total"],
            "ocr_pixels": cap["ocr_pixels_read"] / max(cap["ocr_pixels_total"], 1), "db_per_hour": stored / hours,
            "io_per_hour": (io1 - io0) / hours,
        }
    finally:
        x.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="length of the scripted active session per variant")
    ap.add_argument("--idle-minutes", type=float, default=1.0,
                    help="minutes measured at rest, after the idle threshold, for the first variant")
    ap.add_argument("--variants", default="default,baseline")
    ap.add_argument("--ocr-reps", type=int, default=3)
    args = ap.parse_args()
    for tool in ("Xvfb", "openbox", "xterm", "xdotool", "tesseract"):
        if shutil.which(tool) is None:
            sys.exit(f"bench: {tool} is not installed (scripts/setup --test)")
    print(f"machine: {machine()}\n")
    print("## OCR per 1920x1080 frame (40 lines of 18 px monospace text; median of "
          f"{args.ocr_reps})\n\n| what | time |\n|---|---|")
    for what, value in bench_ocr(args.ocr_reps):
        print(f"| {what} | {value} |")
    work = Path(tempfile.mkdtemp(prefix="gumd-bench-"))
    model = assemble(PRESETS["qwen2.5-coder-0.5b"], work / "models")
    variants = {"default": [], "baseline": ["capture_duplicate_cells=0", "capture_incremental_ocr=false"],
                "interval10": ["capture_min_interval_s=10"], "nobudget": ["capture_cpu_budget=0"]}
    variants["baseline"].append("capture_cpu_budget=0")
    rows = []
    for i, name in enumerate(args.variants.split(",")):
        number = next(n for n in range(700 + i * 10, 999) if not Path(f"/tmp/.X11-unix/X{n}").exists())
        rows.append(run_variant(name, variants[name], args.minutes, args.idle_minutes if i == 0 else 0, model, work,
                                number))
    print(f"\n## Capture path of `gumd run` (Xvfb 1920x1080, 3 xterms; {args.minutes:g} min scripted session; "
          f"at rest: {args.idle_minutes:g} min once idle, first variant; no model work)\n")
    print("| variant | actions | CPU active (% of one core) | of which the capture path | CPU at rest "
          "| frames new / skipped / deferred | stale (mean / max) | observations | OCR pixels read "
          "| database growth per hour | disk writes per hour | load average at end |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        rest = f"{r['cpu_idle']:.2f}% ({r['idle_s']:.0f} s)" if r["idle_s"] else "—"
        stale = f"{r['stale_mean']:.0f} s / {r['stale_max']:.0f} s" if r["frames_deferred"] else "—"
        print(f"| {r['variant']} | {r['actions']} in {r['active_s']:.0f} s | {r['cpu_active']:.2f}% "
              f"| {r['capture_cpu']:.2f}% | {rest} | {r['frames_new']} / {r['frames_dup']} / {r['frames_deferred']} "
              f"| {stale} | {r['observations']} | {100 * r['ocr_pixels']:.0f}% "
              f"| {r['db_per_hour'] / 1e6:.2f} MB | {r['io_per_hour'] / 1e6:.2f} MB | {r['load']:.1f} |")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
