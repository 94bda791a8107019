"""API latency and throughput over the unix socket at 10k and 100k propositions.

    python bench/api.py [--sizes 10000,100000] [--requests 300] [--clients 20] [--seconds 10]

For each size: seed a fresh store in bulk; then, with the API served by real
uvicorn in a separate process (as in the daemon), measure p50/p99 of
sequential requests for search and context; then throughput with N concurrent
clients while that process ingests like the engine (a batch of observations
and propositions every 0.2 s). The baseline is the same search called on the
store directly, in this process, without HTTP. Prints a table; the machine is
shared, so the figures are noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gumd.client import ApiError, Client  # noqa: E402
from gumd.store import NewObservation, NewProposition, Store  # noqa: E402

APPS = ["firefox", "code", "thunderbird", "slack", "libreoffice", "xterm", "zotero", "spotify", "gimp", "inkscape"]
TOPICS = ("lisbon wedding flight venue budget grant aurora telescope spectrograph rust compiler parser "
          "kubernetes cluster invoice taxes marathon training recipe sourdough guitar chords thesis chapter "
          "deadline review conference paper dataset python notebook garden tomatoes apartment lease bicycle "
          "repair camera lens novel translation spanish lessons podcast episode budget spreadsheet dentist "
          "appointment birthday gift sister bakery startup pitch investor roadmap design mockup").split()
VERBS = ["is planning", "is writing", "is researching", "keeps returning to", "is comparing", "is drafting",
         "is learning", "is organising", "reads about", "is fixing"]


def proposition(rng: random.Random) -> NewProposition:
    a, b, c = rng.sample(TOPICS, 3)
    return NewProposition(f"The user {rng.choice(VERBS)} the {a} {b} in {rng.choice(APPS)}",
                          f"seen on screen with {c}", rng.randint(1, 10), rng.randint(1, 10))


def queries(rng: random.Random, n: int) -> list[str]:
    return [" ".join(rng.sample(TOPICS, rng.choice((1, 2)))) for _ in range(n)]


def seed(data: Path, n: int) -> float:
    rng = random.Random(n)
    start = time.perf_counter()
    store = Store(data / "gumd.db")
    now = time.time()
    obs = [store.observations.add(NewObservation(now - 3600 + i, now - 3590 + i, rng.choice(APPS), "window",
                                                 " ".join(rng.sample(TOPICS, 12)), "", "bench")) for i in range(500)]
    for done in range(0, n, 10_000):
        store.propositions.add_many((proposition(rng), rng.sample(obs, 2)) for _ in range(min(10_000, n - done)))
    store.close()
    return time.perf_counter() - start


def serve(data: Path, ingest: bool) -> None:
    """The server process: the API on the socket, and optionally an engine-like writer."""
    from gumd.api.app import create_app
    from gumd.api.events import EventBus
    from gumd.api.server import SocketServer
    from gumd.privacy import CaptureControl

    store, bus, control = Store(data / "gumd.db"), EventBus(), CaptureControl()
    server = SocketServer(create_app(store, dict, control, bus=bus), data / "gumd.sock")
    server.start()
    rng = random.Random(1)
    while True:
        if ingest:  # one engine batch: 8 observations stored, 3 propositions with evidence, published
            now = time.time()
            ids = [store.observations.add(NewObservation(now, now + 1, rng.choice(APPS), "w",
                                                         " ".join(rng.sample(TOPICS, 12)), "", "bench"))
                   for _ in range(8)]
            for _ in range(3):
                bus.publish_proposition(store.propositions.get(store.propositions.add(proposition(rng), ids[:2]),
                                                               with_evidence=False))
        time.sleep(0.2)


def start_server(data: Path, ingest: bool) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, __file__, "--serve", str(data)] + (["--ingest"] if ingest else []))
    deadline = time.monotonic() + 60
    while True:
        try:
            with Client(data / "gumd.sock", timeout=5) as c:
                c.status()
            return proc
        except ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the bench server did not start")
            time.sleep(0.1)


def pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))] * 1000


def timed(fn, args_list) -> list[float]:
    out = []
    for a in args_list:
        t = time.perf_counter()
        fn(a)
        out.append(time.perf_counter() - t)
    return out


def throughput(sock: Path, qs: list[str], clients: int, seconds: float) -> tuple[int, int, list[float]]:
    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        rng, mine = random.Random(i), []
        with Client(sock, timeout=30) as c:
            while time.monotonic() < stop:
                q = rng.choice(qs)
                t = time.perf_counter()
                try:
                    c.search(q, limit=20) if rng.random() < 0.7 else c.context(q)
                    mine.append(time.perf_counter() - t)
                except (ApiError, ConnectionError):
                    with lock:
                        errors[0] += 1
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(lat), errors[0], lat


def bench(n: int, requests: int, clients: int, seconds: float) -> list[tuple[str, ...]]:
    rows = []
    with tempfile.TemporaryDirectory() as d:
        data = Path(d)
        os.chmod(data, 0o700)
        seconds_seed = seed(data, n)
        rows.append((f"{n:,}", "seed (bulk insert + FTS)", "", "", f"{seconds_seed:.1f} s total"))
        rng = random.Random(7)
        qs = queries(rng, requests)
        store = Store(data / "gumd.db")
        base = timed(lambda q: store.search.propositions(q, limit=20), qs)
        store.close()
        rows.append((f"{n:,}", "baseline: store.search.propositions, no HTTP", f"{pct(base, 50):.1f}",
                     f"{pct(base, 99):.1f}", f"{len(base)} calls"))
        proc = start_server(data, ingest=False)
        try:
            with Client(data / "gumd.sock") as c:
                for name, fn, args in (("search ?q= (1-2 words), limit 20", lambda q: c.search(q, limit=20), qs),
                                       ("search ?q=user (matches every row)", lambda q: c.search(q, limit=20),
                                        ["user"] * (requests // 3)),
                                       ("context ?q=", c.context, qs),
                                       ("status", lambda _: c.status(), qs[: requests // 3])):
                    fn(args[0])  # warm
                    lat = timed(fn, args)
                    rows.append((f"{n:,}", name, f"{pct(lat, 50):.1f}", f"{pct(lat, 99):.1f}",
                                 f"{len(lat)} sequential"))
                lat = timed(c.delete, random.Random(3).sample(range(1, n + 1), 5))
                rows.append((f"{n:,}", "delete one (FTS optimize + WAL checkpoint)", f"{pct(lat, 50):.1f}",
                             f"{pct(lat, 99):.1f}", "5 sequential"))
        finally:
            proc.terminate()
            proc.wait()
        proc = start_server(data, ingest=True)
        try:
            done, errors, lat = throughput(data / "gumd.sock", qs, clients, seconds)
        finally:
            proc.terminate()
            proc.wait()
        rows.append((f"{n:,}", f"{clients} clients, 70% search / 30% context, engine ingesting",
                     f"{pct(lat, 50):.1f}", f"{pct(lat, 99):.1f}",
                     f"{done / seconds:.0f} req/s, {errors} errors"))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--requests", type=int, default=300)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--ingest", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.serve, args.ingest)
        return
    import sqlite3

    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cpus, Python {platform.python_version()},"
          f" SQLite {sqlite3.sqlite_version}; client and server share these cpus")
    rows = [("propositions", "what", "p50 ms", "p99 ms", "notes")]
    for n in (int(x) for x in args.sizes.split(",")):
        rows += bench(n, args.requests, args.clients, args.seconds)
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for i, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
