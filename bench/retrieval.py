"""Proposition search latency: hybrid (BM25 + MiniLM cosine, fused, weighted, MMR) vs BM25 alone.

    .venv/bin/python bench/retrieval.py [--sizes 1000 10000 100000] [--queries 200]

Seeds a temporary store with N generated propositions. Embedding 100k texts with MiniLM would
take ~10 minutes on 2 cores, so 2,000 distinct texts are embedded for real and the rest of the
vectors are those plus small noise (renormalized): the scan cost is the same, and each query is
embedded for real at query time (included in the hybrid figures). "repeat" asks the same queries
again, so the query's embedding comes from the retriever's cache: the search alone.

A second table times the vector scan alone (top 100 of N for one query vector): the index's
float16 scan through torch against a float32 numpy product + argpartition over the same vectors,
with how many of the top 100 the two agree on.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gumd.config import load_settings  # noqa: E402
from gumd.models import load_embedder  # noqa: E402
from gumd.propositions.retrieve import Retriever  # noqa: E402
from gumd.store import Store  # noqa: E402

SUBJECTS = ["wedding", "Lisbon trip", "grant proposal", "Rust compiler", "pull request", "budget spreadsheet",
            "Portuguese lessons", "job interview", "marathon training", "tax return", "podcast", "thesis draft",
            "kitchen renovation", "piano practice", "quarterly report", "family dinner", "guitar", "React app"]
VERBS = ["is planning", "keeps returning to", "is writing", "reviews", "prefers working on", "asked Marta about",
         "scheduled a call about", "compares prices for", "takes notes on", "is learning about"]
WHEN = ["in the morning", "on Fridays", "this week", "before lunch", "late at night", "every day", "in June"]


def sentence(rng: random.Random, i: int) -> str:
    return f"The user {rng.choice(VERBS)} the {rng.choice(SUBJECTS)} {rng.choice(WHEN)} (item {i})."


def seed(store: Store, n: int, model: str, base_vectors: np.ndarray, rng: random.Random) -> None:
    now = time.time()
    rows, vectors = [], []
    nprng = np.random.default_rng(7)
    for i in range(1, n + 1):
        rows.append({"id": i, "text": sentence(rng, i), "reasoning": "generated", "confidence": rng.randint(1, 10),
                     "decay": rng.randint(1, 10), "revision_group": i, "version": 1, "status": "active",
                     "created_at": now - rng.random() * 30 * 86400, "updated_at": now - rng.random() * 30 * 86400,
                     "origin": "model"})
        v = base_vectors[i % len(base_vectors)] + nprng.normal(0, 0.02, base_vectors.shape[1]).astype(np.float32)
        vectors.append({"proposition_id": i, "model": model, "vector": (v / np.linalg.norm(v)).astype(np.float32).tobytes()})
    with store.database.transaction():
        store.database.sqlite["propositions"].insert_all(rows, batch_size=5000)
        store.database.sqlite["proposition_vectors"].insert_all(vectors, batch_size=5000)
    store.database.checkpoint()  # the whole seed sits in the WAL (~24 MB at 10k), where no daemon's store keeps it


def percentiles(samples: list[float]) -> tuple[float, float]:
    s = sorted(samples)
    return statistics.median(s) * 1000, s[min(len(s) - 1, int(0.99 * len(s)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    settings = load_settings({}, environ={}, config_file=Path("/nonexistent"))
    embedder = load_embedder(settings)
    rng = random.Random(1)
    base_texts = [sentence(rng, i) for i in range(2000)]
    t0 = time.monotonic()
    base_vectors = embedder.embed(base_texts)
    embed_rate = len(base_texts) / (time.monotonic() - t0)
    # Every query distinct, so the retriever's cache of query embeddings never helps: cold figures.
    combos = [f"{v.split()[-1]} {s} {w}" for v in VERBS for s in SUBJECTS for w in WHEN]
    queries = rng.sample(combos, args.queries + 10)
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"embedder {embedder.name} ({embedder.dim} dims, {embed_rate:.0f} texts/s for the seed set)")
    print(f"{'propositions':>12} | {'BM25 p50 ms':>11} | {'BM25 p99 ms':>11} | {'hybrid p50 ms':>13} | {'hybrid p99 ms':>13}"
          f" | {'repeat p50 ms':>15} | {'repeat p99 ms':>15}")
    scans = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "bench.db")
            seed(store, n, embedder.name, base_vectors, random.Random(n))
            hybrid = Retriever(store, embedder)
            hybrid.index.refresh()
            bm25 = Retriever(store)
            for q in queries[:10]:  # warm SQLite's page cache and the embedder
                hybrid.search(q)
                bm25.search(q)
            times = {"bm25": [], "hybrid": [], "cached": []}
            for q in queries[10:]:
                for name, r in (("bm25", bm25), ("hybrid", hybrid)):
                    t = time.perf_counter()
                    r.search(q, limit=10)
                    times[name].append(time.perf_counter() - t)
            for q in queries[10:]:  # asked again: the query's embedding comes from the retriever's cache
                t = time.perf_counter()
                hybrid.search(q, limit=10)
                times["cached"].append(time.perf_counter() - t)
            cells = [f"{v:>{w}.1f}" for name, w in (("bm25", 11), ("hybrid", 13), ("cached", 15))
                     for v in percentiles(times[name])]
            print(f"{n:>12} | " + " | ".join(cells))
            scans.append((n, scan_figures(store, hybrid, [hybrid._query_vector(q) for q in queries[10:]])))
            store.close()
    print(f"\n{'propositions':>12} | {'f16 torch p50 ms':>16} | {'f32 numpy p50 ms':>16} | {'ratio':>5} | "
          f"{'top-100 agree':>13} | {'index MB f16/f32':>16}")
    for n, (f16, f32, agree, mb16, mb32) in scans:
        print(f"{n:>12} | {f16:>16.2f} | {f32:>16.2f} | {f32 / f16:>5.1f} | {agree:>13.1f} | {mb16:>7.0f} / {mb32:<6.0f}")


def scan_figures(store: Store, retriever: Retriever, vectors: list[np.ndarray]) -> tuple[float, float, float, float, float]:
    """Median ms of the index's scan and of a float32 numpy scan, mean top-100 agreement, both matrices' MB."""
    rows = store.vectors.after(retriever.index.model, 0)
    ids = np.array([r[0] for r in rows])
    matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    f16, f32, agree = [], [], []
    for v in vectors:
        t = time.perf_counter()
        ours = retriever.index.search(v, 100)
        f16.append(time.perf_counter() - t)
        t = time.perf_counter()
        scores = matrix @ v
        top = np.argpartition(-scores, min(99, len(ids) - 1))[:100]
        f32.append(time.perf_counter() - t)
        agree.append(len({i for i, _ in ours} & set(ids[top].tolist())))
    return (statistics.median(f16) * 1000, statistics.median(f32) * 1000, statistics.mean(agree),
            matrix.nbytes / 2**21, matrix.nbytes / 2**20)


if __name__ == "__main__":
    main()
