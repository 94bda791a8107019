"""Load test: synthetic activity through `gumd replay` at N× speed while clients query a real daemon.

    python bench/load.py [--minutes 6] [--speed 10] [--clients 20] [--tcp-clients 2] [--stub-model]

`--minutes` is wall-clock time: `--minutes 6 --speed 10` replays an hour of activity in six minutes
(issue #10's run); `--minutes 1` is a smoke run. In a temporary dir (never the repo) it

1. generates the activity, deterministically from `--seed`: frames rendered with PIL text of six
   apps' windows whose documents grow as the user types, focus changes, input bursts and idle gaps,
   as a replay folder (`events.jsonl` + PNGs);
2. starts a real `gumd run --no-capture` on a fresh data dir, with the packaged 0.5B model (default)
   or, with `--stub-model`, an OpenAI-compatible stub on loopback (tests/support/model_server.py);
   batches every 60 s / speed, so the engine keeps the hour's pace;
3. runs `gumd replay FOLDER --speed N` as a second process on the same data dir: it finds the daemon's
   lock, stores the observations (OCR and redaction in its own process) and leaves the model work to
   the daemon;
4. meanwhile N clients (gumd.client.Client; `--tcp-clients` of them over loopback TCP with a read
   token, the rest over the unix socket, one of the socket clients holding /v1/events streams) ask
   for status, search, context, observations, one proposition with its history, and focus spans,
   with a random pause of 0-2× `--think` seconds between requests;
5. samples the daemon's and the replay's RSS (/proc/PID/status VmRSS) every `--sample` seconds.

It prints RSS over time, requests and failures (each failure with its status and error), latency
p50/p95/p99 per route, observations stored and processed, and the daemon's RSS growth from minute 1
to the end. Exit status 1 when a request failed. The machine is shared: the load average is printed
with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image, ImageDraw, ImageFont

from gumd.client import ApiError, Client

GUMD = [sys.executable, "-m", "gumd.cli"]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
SIZE = (1280, 720)
MAX_LINES = 22

WORDS = ("aurora telescope spectrograph grant proposal budget deadline scheduler race release lisbon wedding "
         "flight hotel invoice review dataset thesis chapter parser compiler cluster roadmap sourdough marathon "
         "priya tomasz marta joao calibration mirror exposure pipeline benchmark latency memory index").split()

# (app, window title, how a line the user types there looks)
WINDOWS = [
    ("code", "scheduler.py - aurora - Visual Studio Code", "code"),
    ("firefox", "Pull request 1423: fix race in scheduler - GitHub - Mozilla Firefox", "prose"),
    ("thunderbird", "Inbox - Lisbon wedding plans - Mozilla Thunderbird", "mail"),
    ("xterm", "bash: ~/src/aurora", "shell"),
    ("libreoffice", "aurora-grant-proposal.odt - LibreOffice Writer", "prose"),
    ("slack", "#telescope-team | Aurora Lab - Slack", "chat"),
]

# route -> weight in the clients' mix (the events stream is held by one client, outside the mix)
MIX = {"status": 15, "search": 30, "context": 20, "observations": 15, "proposition": 10, "spans": 10}


# -- the synthetic hour ----------------------------------------------------------------------------

def _line(rng: random.Random, style: str) -> str:
    def w(n: int) -> str:
        return " ".join(rng.sample(WORDS, n))

    if style == "code":
        a, b = rng.sample(WORDS, 2)
        return rng.choice([f"def {a}_{b}(self, {rng.choice(WORDS)}):", f"    return self.{a}.{b}({rng.randint(1, 99)})",
                           f"    # {w(4)}", f"{a} = load_{b}('{rng.choice(WORDS)}.json')"])
    if style == "shell":
        return rng.choice([f"$ git commit -m '{w(3)}'", f"$ pytest tests/test_{rng.choice(WORDS)}.py -q",
                           f"{rng.randint(2, 90)} passed in {rng.uniform(0.5, 9):.2f}s", f"$ grep -rn {rng.choice(WORDS)} src/"])
    if style == "mail":
        return rng.choice([f"From: {rng.choice(['Marta Silva', 'Priya Natarajan', 'Tomasz Nowak'])}",
                           f"Subject: {w(3)}", f"Please check the {w(2)} before {rng.choice(['Friday', 'June 14', 'noon'])}."])
    if style == "chat":
        return f"{rng.choice(['priya', 'tomasz', 'me'])}: {w(rng.randint(3, 7))}"
    return f"The {w(2)} needs {w(rng.randint(3, 6))}."


def _render(title: str, lines: list[str], mono: bool, fonts: dict) -> Image.Image:
    image = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, SIZE[0], 36), fill=(225, 228, 232))
    draw.text((16, 6), title, fill="black", font=fonts["title"])
    body = fonts["mono" if mono else "body"]
    for i, text in enumerate(lines[-MAX_LINES:]):
        draw.text((24, 50 + 30 * i), text, fill="black", font=body)
    return image


@dataclass
class Activity:
    folder: Path
    seconds: float
    frames: int
    focus_changes: int
    input_bursts: int


def generate_activity(folder: Path, seconds: float, seed: int = 1, end: float | None = None) -> Activity:
    """A replay folder with `seconds` of synthetic activity ending at `end` (default: now).

    The user stays in a window 30 s - 5 min, typing in bursts every 5-45 s; each burst adds a line or
    two to that window's document, and a frame is taken 0.7 s after it settles (as the live capture
    would) and on every focus change. One break in five is idle for 2-4 minutes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    fonts = {"title": ImageFont.truetype(FONT, 18), "body": ImageFont.truetype(FONT, 20),
             "mono": ImageFont.truetype(MONO, 19)}
    docs = {i: [_line(rng, style) for _ in range(rng.randint(4, 10))] for i, (_, _, style) in enumerate(WINDOWS)}
    end = time.time() if end is None else end
    t = end - seconds
    events: list[dict] = []
    frames = focus = bursts = 0
    current = None

    def frame(at: float, index: int) -> None:
        nonlocal frames
        _, title, style = WINDOWS[index]
        name = f"{frames:05d}.png"
        _render(title, docs[index], style in ("code", "shell"), fonts).save(folder / name)
        events.append({"t": round(at, 3), "type": "frame", "file": name})
        frames += 1

    while t < end:
        choice = rng.randrange(len(WINDOWS) - 1)
        current = choice if current is None or choice < current else choice + 1  # never the same window
        app, title, style = WINDOWS[current]
        events.append({"t": round(t, 3), "type": "focus", "app": app, "title": title})
        focus += 1
        frame(t + 0.3, current)
        leave = min(end, t + rng.uniform(30, 300))
        t += rng.uniform(5, 45)
        while t < leave:
            started = t - rng.uniform(1, 8)
            keys = rng.randint(5, 120)
            events.append({"t": round(t, 3), "type": "input", "started": round(started, 3), "keys": keys,
                           "clicks": rng.randint(0, 4), "scrolls": rng.randint(0, 6),
                           "shortcuts": rng.sample(["ctrl+s", "ctrl+c", "ctrl+v", "alt+tab", "ctrl+l"], rng.randint(0, 2))})
            bursts += 1
            docs[current].extend(_line(rng, style) for _ in range(rng.randint(1, 2)))
            frame(t + 0.7, current)
            t += rng.uniform(5, 45)
        if rng.random() < 0.2:
            t += rng.uniform(120, 240)  # away from the machine
    events = [e for e in events if e["t"] <= end]
    (folder / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    used = {e["file"] for e in events if e["type"] == "frame"}
    for png in folder.glob("*.png"):
        if png.name not in used:
            png.unlink()
    return Activity(folder, seconds, len(used), focus, bursts)


# -- the clients -----------------------------------------------------------------------------------

@dataclass
class Failure:
    at: float
    route: str
    client: str
    status: int | None
    error: str


@dataclass
class Tally:
    """Every client's request latencies and failures, shared between threads."""

    started: float = field(default_factory=time.monotonic)
    latencies: dict[str, list[float]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    events_received: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, route: str, seconds: float) -> None:
        with self.lock:
            self.latencies.setdefault(route, []).append(seconds)

    def fail(self, route: str, client: str, e: BaseException) -> None:
        status = e.status if isinstance(e, ApiError) else None
        with self.lock:
            self.failures.append(Failure(time.monotonic() - self.started, route, client, status,
                                         f"{type(e).__name__}: {e}"))

    @property
    def requests(self) -> int:
        with self.lock:
            return sum(len(v) for v in self.latencies.values()) + len(self.failures)


def _ask(client: Client, route: str, rng: random.Random, known: list[int]) -> None:
    q = " ".join(rng.sample(WORDS, rng.choice((1, 2))))
    if route == "status":
        client.status()
    elif route == "search":
        known[:] = [p["id"] for p in client.search(q, limit=20)][:5] or known
    elif route == "context":
        client.context(q)
    elif route == "observations":
        client.observations(limit=20)
    elif route == "spans":
        client.focus_spans(limit=20)
    elif route == "proposition":
        ids = known or [p["id"] for p in client.search("", limit=5)]
        if ids:
            prop = rng.choice(ids)
            client.proposition(prop)
            client.history(prop)


def _client_loop(name: str, client: Client, seed: int, think_s: float, tally: Tally, stop: threading.Event) -> None:
    rng = random.Random(seed)
    routes, weights = list(MIX), list(MIX.values())
    known: list[int] = []
    with client:
        while not stop.is_set():
            route = rng.choices(routes, weights)[0]
            start = time.perf_counter()
            try:
                _ask(client, route, rng, known)
            except Exception as e:  # noqa: BLE001 - every failure is the finding, counted and printed
                tally.fail(route, name, e)
            else:
                tally.record(route, time.perf_counter() - start)
            stop.wait(rng.uniform(0, 2 * think_s))


def _events_loop(name: str, client: Client, stream_s: float, tally: Tally, stop: threading.Event) -> None:
    """Hold /v1/events open (`stream_s` at a time, then reconnect) and count what arrives."""
    with client:
        while not stop.is_set():
            start = time.perf_counter()
            try:
                for _ in client.events(timeout=stream_s):
                    with tally.lock:
                        tally.events_received += 1
            except Exception as e:  # noqa: BLE001
                tally.fail("events", name, e)
                stop.wait(1)
            else:
                tally.record("events", time.perf_counter() - start)


# -- the daemon and the run ------------------------------------------------------------------------

def rss_mb(pid: int, field: str = "VmRSS") -> float | None:
    """The process's resident set size in MB (or another /proc/PID/status field: RssAnon is the part
    not backed by a file, i.e. without the model's mapped pages), or None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _packaged_model() -> Path:
    """The packaged default model, joined once into a cache dir outside the repo (as tests/conftest.py does)."""
    from gumd.models.registry import PRESETS, assemble

    return assemble(PRESETS["qwen2.5-coder-0.5b"], Path(tempfile.gettempdir()) / "gumd-bench-models")


@dataclass
class Sample:
    at: float
    daemon_mb: float | None
    daemon_anon_mb: float | None
    replay_mb: float | None
    stored: int
    done: int
    propositions: int
    requests: int


@dataclass
class LoadResult:
    model: str
    activity: Activity
    wall_s: float
    replay_s: float
    replay_rc: int
    replay_output: str
    samples: list[Sample]
    tally: Tally
    final_status: dict
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    clients: int
    tcp_clients: int
    settings: dict


def run_load(minutes: float = 6, speed: float = 10, clients: int = 20, tcp_clients: int = 2, seed: int = 1,
             stub_model: bool = False, think_s: float = 1.0, sample_s: float = 10.0, stream_s: float = 20.0,
             work_dir: Path | None = None, settings: dict[str, object] | None = None, log=print) -> LoadResult:
    """Generate `minutes × speed` minutes of activity, replay it at `speed` through a real daemon while
    `clients` clients query it, and return what was measured (see the module docstring). `settings`
    go into the daemon's config over the bench's own."""
    own_dir = work_dir is None
    work = Path(tempfile.mkdtemp(prefix="gumd-load-")) if own_dir else Path(work_dir)
    stub = None
    daemon = None
    try:
        activity = generate_activity(work / "activity", minutes * 60 * speed, seed)
        log(f"activity: {activity.seconds / 60:.0f} min, {activity.frames} frames, {activity.focus_changes} focus "
            f"changes, {activity.input_bursts} input bursts in {activity.folder}")
        data = work / "data"
        data.mkdir(mode=0o700)
        port = _free_port()
        values: dict[str, object] = {"capture": False, "batch_interval_s": max(1.0, 60.0 / speed),
                                     "api_tcp_port": port, "log_level": "INFO"}
        if stub_model:
            from tests.support.model_server import LoopbackServer, ProposingServer

            ProposingServer.mode, ProposingServer.delay_s = "ok", (0.5, 2.0)
            stub = LoopbackServer(ProposingServer).__enter__()
            values.update(model="stub", model_url=stub.url + "/v1")
            model = "stub (tests/support/model_server.py ProposingServer, 0.5-2 s per answer)"
        else:
            values["model"] = str(_packaged_model())
            model = "packaged qwen2.5-coder-0.5b (Q4_K_M, llama.cpp)"
        values.update(settings or {})
        config = work / "config.toml"
        config.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in values.items()))
        env = {k: v for k, v in os.environ.items() if not k.startswith("GUMD_")}
        env.update(PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", HOME=str(work))
        base = [*GUMD, "--data-dir", str(data), "--config", str(config)]
        token = subprocess.run([*base, "token", "create", "load-bench", "--scope", "read"], env=env, check=True,
                               capture_output=True, text=True, timeout=60).stdout.strip()

        with open(work / "daemon.out", "w") as daemon_log:  # the child keeps its own descriptor
            daemon = subprocess.Popen([*base, "run"], env=env, stdout=daemon_log, stderr=subprocess.STDOUT)
        probe = Client(data / "gumd.sock", timeout=60)
        deadline = time.monotonic() + 60
        while True:
            if daemon.poll() is not None:
                raise RuntimeError(f"gumd run exited with {daemon.returncode}: {(work / 'daemon.out').read_text()}")
            try:
                probe.status()
                break
            except ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gumd run did not serve its socket within 60 s") from None
                time.sleep(0.2)
        log(f"daemon pid {daemon.pid} serving; model: {model}")

        load_before = os.getloadavg()
        tally, stop = Tally(), threading.Event()
        threads = []
        for i in range(clients):
            if i < tcp_clients:
                c, name = Client.loopback(port, token, timeout=60), f"tcp{i}"
            else:
                c, name = Client(data / "gumd.sock", timeout=60), f"sock{i}"
            if i == tcp_clients:
                target, args = _events_loop, (name, c, stream_s, tally, stop)
            else:
                target, args = _client_loop, (name, c, seed * 1000 + i, think_s, tally, stop)
            threads.append(threading.Thread(target=target, args=args, name=name, daemon=True))

        with open(work / "replay.out", "w") as replay_out:
            replay = subprocess.Popen([*base, "replay", str(activity.folder), "--speed", str(speed)], env=env,
                                      stdout=replay_out, stderr=subprocess.STDOUT)
        started = time.monotonic()
        for t in threads:
            t.start()
        samples: list[Sample] = []

        def sample() -> None:
            try:
                counts = probe.status()
            except Exception as e:  # noqa: BLE001 - the sampler's own request counts like any other
                tally.fail("status (sampler)", "sampler", e)
                return
            obs = counts["observations"]
            samples.append(Sample(time.monotonic() - started, rss_mb(daemon.pid), rss_mb(daemon.pid, "RssAnon"),
                                  rss_mb(replay.pid),
                                  sum(obs.values()), obs.get("done", 0), counts["propositions"], tally.requests))
            s = samples[-1]
            replay_mb = f"{s.replay_mb:6.1f} MB" if s.replay_mb else "  (done)"
            log(f"{s.at:6.0f} s  daemon {s.daemon_mb or 0:7.1f} MB (anon {s.daemon_anon_mb or 0:6.1f})  replay {replay_mb}  "
                f"observations {s.stored:4d} stored {s.done:4d} done  propositions {s.propositions:4d}  "
                f"requests {s.requests:6d}  failures {len(tally.failures)}")

        replay_deadline = started + minutes * 60 * 3 + 120
        next_sample = started
        while replay.poll() is None:
            if time.monotonic() >= next_sample:
                sample()
                next_sample += sample_s
            if time.monotonic() > replay_deadline:
                replay.kill()
                log("replay did not finish in 3x its time: killed")
            time.sleep(min(0.2, max(0.0, next_sample - time.monotonic())))
        replay_s = time.monotonic() - started
        replay.wait()
        stop.set()
        for t in threads:
            t.join(timeout=stream_s + 15)
        sample()
        wall_s = time.monotonic() - started
        load_after = os.getloadavg()
        final = probe.status()
        probe.close()
        if daemon.poll() is not None:
            tally.fail("daemon", "-", RuntimeError(f"gumd run exited with {daemon.returncode} during the run"))
        return LoadResult(model, activity, wall_s, replay_s, replay.returncode, (work / "replay.out").read_text(),
                          samples, tally, final, load_before, load_after, clients, tcp_clients, values)
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        if stub is not None:
            stub.__exit__(None, None, None)
        if own_dir:
            shutil.rmtree(work, ignore_errors=True)


# -- the report ------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def rss_growth(samples: list[Sample]) -> tuple[float, float, float, float]:
    """(when the baseline was taken, daemon RSS then, at the last sample, growth in MB). The baseline is
    minute 1 (the model and the embedder load on first use, before it), or a third of a run under 3 minutes."""
    with_rss = [s for s in samples if s.daemon_mb is not None]
    after_s = min(60.0, with_rss[-1].at / 3)
    first = next(s for s in with_rss if s.at >= after_s)
    return first.at, first.daemon_mb, with_rss[-1].daemon_mb, with_rss[-1].daemon_mb - first.daemon_mb


def report(r: LoadResult, out=print) -> None:
    def la(x: tuple[float, ...]) -> str:
        return " ".join(f"{v:.2f}" for v in x)

    out(f"\nmachine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"load average {la(r.load_before)} at start, {la(r.load_after)} at end")
    out(f"model: {r.model}; daemon settings: {r.settings}")
    out(f"activity: {r.activity.seconds / 60:.0f} min ({r.activity.frames} frames, {r.activity.focus_changes} focus "
        f"changes, {r.activity.input_bursts} input bursts); replay took {r.replay_s:.0f} s (exit {r.replay_rc}); "
        f"run {r.wall_s:.0f} s; {r.clients} clients ({r.tcp_clients} over TCP with a token, 1 on /v1/events)")
    out(f"replay said: {r.replay_output.strip().splitlines()[-1] if r.replay_output.strip() else '(nothing)'}")
    out("\n| t (s) | daemon RSS MB | of it anonymous | replay RSS MB | observations stored | processed | propositions | requests |")
    out("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in r.samples:
        replay = f"{s.replay_mb:.0f}" if s.replay_mb else "—"
        out(f"| {s.at:.0f} | {s.daemon_mb or 0:.0f} | {s.daemon_anon_mb or 0:.0f} | {replay} | {s.stored} | {s.done} | {s.propositions} | {s.requests} |")
    t = r.tally
    out("\n| route | requests | p50 ms | p95 ms | p99 ms | max ms |")
    out("|---|---:|---:|---:|---:|---:|")
    for route in [*MIX, "events"]:
        v = t.latencies.get(route, [])
        if route == "events":
            out(f"| events (streams of up to the stream time) | {len(v)} | | | | |")
        elif v:
            ms = [x * 1000 for x in v]
            out(f"| {route} | {len(v)} | {percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | "
                f"{percentile(ms, 99):.0f} | {max(ms):.0f} |")
    total = sum(len(v) for v in t.latencies.values())
    out(f"\nrequests: {total + len(t.failures)} ({total / max(r.wall_s, 1e-9):.1f}/s), failures: {len(t.failures)}, "
        f"events received on /v1/events: {t.events_received}")
    for f in t.failures:
        out(f"  FAILED {f.route} ({f.client}) at {f.at:.1f} s: status {f.status}: {f.error}")
    obs = r.final_status["observations"]
    out(f"observations: {sum(obs.values())} stored ({', '.join(f'{n} {k}' for k, n in sorted(obs.items()))}); "
        f"propositions {r.final_status['propositions']}; failed batches {r.final_status['failed_batches']}; "
        f"engine last error: {r.final_status['engine']['last_error']}")
    at, first, last, growth = rss_growth(r.samples)
    anon = {s.at: s.daemon_anon_mb for s in r.samples}
    out(f"daemon RSS: {first:.0f} MB at {at:.0f} s -> {last:.0f} MB at the end: {growth:+.0f} MB "
        f"({growth / first * 100:+.1f}%; anonymous {anon[at]:.0f} -> {r.samples[-1].daemon_anon_mb:.0f} MB); "
        f"peak {max(s.daemon_mb or 0 for s in r.samples):.0f} MB")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=6, help="wall-clock minutes of replay (default 6)")
    ap.add_argument("--speed", type=float, default=10, help="replay speed (default 10: an hour in 6 minutes)")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--tcp-clients", type=int, default=2, help="of the clients, how many use loopback TCP")
    ap.add_argument("--think", type=float, default=1.0, help="mean seconds between one client's requests")
    ap.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples")
    ap.add_argument("--stub-model", action="store_true", help="an OpenAI-compatible stub instead of the real model")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a daemon setting, e.g. model_prompt_cache_mb=0 (VALUE read as JSON, else a string)")
    ap.add_argument("--keep", type=Path, help="work in this dir and keep it (activity, data dir, logs)")
    a = ap.parse_args()
    settings = {}
    for item in a.set:
        key, _, value = item.partition("=")
        try:
            settings[key] = json.loads(value)
        except ValueError:
            settings[key] = value
    r = run_load(a.minutes, a.speed, a.clients, a.tcp_clients, a.seed, a.stub_model, a.think, a.sample,
                 work_dir=a.keep, settings=settings)
    report(r)
    return 1 if r.tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
