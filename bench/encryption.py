"""What encryption at rest costs: the same store work on a plaintext and on an SQLCipher-encrypted database.

    PYTHONPATH=. .venv/bin/python bench/encryption.py [--observations 2000] [--propositions 10000] [--queries 200]

Three variants, measured in the same run and interleaved query by query, so load on a shared machine
hits them alike:
  plaintext   - what gumd does by default: Python's sqlite3 module (the system SQLite);
  sqlcipher   - the SQLCipher build without a key: the same SQLite version as `encrypted`, no encryption,
                so it separates the cost of encryption from the difference between SQLite versions;
  encrypted   - encrypt = true: SQLCipher with a raw 256-bit key (no PBKDF2), as gumd opens it.
Each variant inserts N observations one transaction each (as the pipeline does), then holds
M generated propositions with vectors (as bench/retrieval.py); searches are BM25 alone (the API's
full-text search) and hybrid (BM25 + MiniLM, each query embedded for real). Open time is a new
Store on the M-proposition database (migrations checked, WAL set) plus one query. When a keyring
answers (run it under a Secret Service), reading the key from it is timed too.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.retrieval import SUBJECTS, VERBS, WHEN, seed, sentence  # noqa: E402
from gumd.config import load_settings  # noqa: E402
from gumd.models import load_embedder  # noqa: E402
from gumd.propositions.retrieve import Retriever  # noqa: E402
from gumd.store import NewObservation, Store  # noqa: E402
from gumd.store import database  # noqa: E402
from gumd.store.database import connect, sqlcipher  # noqa: E402

VARIANTS = ("plaintext", "sqlcipher", "encrypted")
SCREEN = ("Inbox - Thunderbird  From: Marta Silva  Subject: wedding in Lisbon on June 14. Please book flights "
          "TAP TP 218 and confirm the hotel Alfama Suites for three nights. ") * 12  # ~1.8 kB, an OCR'd screen


SQLCIPHER_NO_KEY = b"sqlcipher build, no key"  # a marker the bench's connect() below understands


def _bench_connect(path, key=None, **kw):
    """gumd's connect(), plus the `sqlcipher` variant: the SQLCipher build opening plaintext SQLite."""
    if key == SQLCIPHER_NO_KEY:
        return sqlcipher().connect(str(path), timeout=kw.get("timeout", 10.0), check_same_thread=False)
    return connect(path, key, **kw)


database.connect = _bench_connect  # every thread's connection, the BM25 thread of hybrid search included


def open_variant(variant: str, path: Path, key: bytes) -> Store:
    return Store(path, {"plaintext": None, "sqlcipher": SQLCIPHER_NO_KEY, "encrypted": key}[variant])


def pct(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(0.99 * len(s)))] * 1000


def keyring_read_ms(reads: int = 20) -> str:
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return "keyring not installed"
    if isinstance(keyring.get_keyring(), fail.Keyring):
        return "no keyring in this session"
    name = f"bench-{secrets.token_hex(4)}"
    keyring.set_password("gumd-bench", name, secrets.token_bytes(32).hex())
    try:
        times = []
        for _ in range(reads):
            t = time.perf_counter()
            keyring.get_password("gumd-bench", name)
            times.append(time.perf_counter() - t)
    finally:
        keyring.delete_password("gumd-bench", name)
    p50, p99 = pct(times)
    return f"{type(keyring.get_keyring()).__module__.split('.')[-1]}: p50 {p50:.1f} ms, max {max(times) * 1000:.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--observations", type=int, default=2000)
    ap.add_argument("--propositions", type=int, default=10000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--opens", type=int, default=30)
    args = ap.parse_args()
    cipher = sqlcipher()
    probe = cipher.connect(":memory:")
    cipher_version = probe.execute("PRAGMA cipher_version").fetchone()[0]
    cipher_sqlite = probe.execute("SELECT sqlite_version()").fetchone()[0]
    probe.close()
    settings = load_settings({}, environ={}, config_file=Path("/nonexistent"))
    embedder = load_embedder(settings)
    rng = random.Random(1)
    base_vectors = embedder.embed([sentence(rng, i) for i in range(2000)])
    combos = [f"{v.split()[-1]} {s} {w}" for v in VERBS for s in SUBJECTS for w in WHEN]
    queries = rng.sample(combos, args.queries + 10)
    key = secrets.token_bytes(32)
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
          f"Python {platform.python_version()}, load average {load[0]:.1f} at start")
    print(f"plaintext: sqlite3 with SQLite {sqlite3.sqlite_version}; sqlcipher / encrypted: SQLCipher {cipher_version} "
          f"with SQLite {cipher_sqlite}, raw 256-bit key (AES-256-CBC, HMAC-SHA512, 4 KiB pages)")
    print(f"inputs: {args.observations} observations of {len(SCREEN)} chars, one transaction each; "
          f"{args.propositions} propositions with {embedder.dim}-dim vectors; {args.queries} distinct queries; "
          f"{args.opens} opens")
    print(f"keyring read: {keyring_read_ms()}")
    rows: dict[str, dict[str, str]] = {v: {} for v in VARIANTS}
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        # 1. inserting observations, variants interleaved in rounds of 100
        stores = {v: open_variant(v, base / f"obs-{v}.db", key) for v in VARIANTS}
        insert_times: dict[str, list[float]] = {v: [] for v in VARIANTS}
        now = time.time()
        for start in range(0, args.observations, 100):
            for v, store in stores.items():
                for i in range(start, min(args.observations, start + 100)):
                    obs = NewObservation(now + i, now + i + 1, "thunderbird", f"Inbox ({i})", SCREEN, "12 keys",
                                         "screen")
                    t = time.perf_counter()
                    store.observations.add(obs)
                    insert_times[v].append(time.perf_counter() - t)
        for v, store in stores.items():
            store.close()
            p50, p99 = pct(insert_times[v])
            rows[v]["insert"] = f"{p50:.2f} / {p99:.2f}"
            rows[v]["insert_total"] = f"{sum(insert_times[v]):.2f}"
            rows[v]["obs_size"] = f"{(base / f'obs-{v}.db').stat().st_size / 1e6:.1f}"
        # 2. searches at M propositions, variants interleaved query by query
        stores = {}
        for v in VARIANTS:
            store = open_variant(v, base / f"props-{v}.db", key)
            t = time.perf_counter()
            seed(store, args.propositions, embedder.name, base_vectors, random.Random(args.propositions))
            rows[v]["seed"] = f"{time.perf_counter() - t:.1f}"
            stores[v] = store
        retrievers = {v: (Retriever(s), Retriever(s, embedder)) for v, s in stores.items()}
        for bm25, hybrid in retrievers.values():
            hybrid.index.refresh()
            for q in queries[:10]:
                bm25.search(q)
                hybrid.search(q)
        times: dict[str, dict[str, list[float]]] = {v: {"bm25": [], "hybrid": []} for v in VARIANTS}
        for q in queries[10:]:
            for v, (bm25, hybrid) in retrievers.items():
                for name, r in (("bm25", bm25), ("hybrid", hybrid)):
                    t = time.perf_counter()
                    r.search(q, limit=10)
                    times[v][name].append(time.perf_counter() - t)
        for v, store in stores.items():
            store.close()
            for name in ("bm25", "hybrid"):
                p50, p99 = pct(times[v][name])
                rows[v][name] = f"{p50:.1f} / {p99:.1f}"
        # 3. opening the M-proposition store: a new Store (migrations checked, WAL on) and one query
        open_times: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for _ in range(args.opens):
            for v in VARIANTS:
                t = time.perf_counter()
                store = open_variant(v, base / f"props-{v}.db", key)
                store.search.propositions("wedding", limit=5)
                open_times[v].append(time.perf_counter() - t)
                store.close()
        for v in VARIANTS:
            p50, p99 = pct(open_times[v])
            rows[v]["open"] = f"{p50:.1f} / {p99:.1f}"
            rows[v]["props_size"] = f"{(base / f'props-{v}.db').stat().st_size / 1e6:.1f}"
        assert connect(base / "props-encrypted.db", key).execute("SELECT count(*) FROM propositions").fetchone()[0] \
            == args.propositions
    load = os.getloadavg()
    n, m = args.observations, args.propositions
    print()
    print(f"| what | {' | '.join(VARIANTS)} |")
    print(f"|---|{'---|' * len(VARIANTS)}")
    for label, field in [
        (f"insert one observation, ms p50 / p99 ({n})", "insert"),
        (f"insert {n} observations, s in all", "insert_total"),
        (f"database with {n} observations, MB", "obs_size"),
        (f"seed {m} propositions + vectors in bulk, s", "seed"),
        (f"BM25 search at {m}, ms p50 / p99", "bm25"),
        (f"hybrid search at {m}, ms p50 / p99", "hybrid"),
        (f"open the {m}-proposition store + one query, ms p50 / p99", "open"),
        (f"database with {m} propositions, MB", "props_size"),
    ]:
        print(f"| {label} | {' | '.join(rows[v][field] for v in VARIANTS)} |")
    print(f"\nload average {load[0]:.1f} at the end")


if __name__ == "__main__":
    main()
