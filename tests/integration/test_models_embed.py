"""Embedders: the real packaged MiniLM through ONNX Runtime (checked against sentence-transformers itself),
and a GGUF through llama.cpp."""

from __future__ import annotations

import stat
import subprocess
import sys

import numpy as np
import pytest
from tests.support.environment import REPO, settings_for

from gumd.models import LlamaCppEmbedder, OnnxEmbedder, load_embedder
from gumd.models.embed import packaged_minilm_path

TEXTS = [
    "Booking TAP flight TP 218 from Boston to Lisbon",
    "Flights to Portugal for the wedding in September",
    "Fixing a failing unit test in the Python parser",
    "Debugging pytest errors in the tokenizer module",
]


def check_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    cache = tmp_path_factory.mktemp("models")
    embedder = OnnxEmbedder(packaged_minilm_path(), cache_dir=cache, threads=2, batch_size=3)
    gone = subprocess.Popen(["true"])
    gone.wait()  # an export killed half-way left its partial file, named after its (now dead) process
    (embedder.cache_dir / f".{embedder.onnx_path.name}.{gone.pid}.partial").write_bytes(b"half a graph")
    yield embedder
    embedder.unload()


def test_packaged_minilm_gives_normalized_float32_vectors_that_group_by_meaning(minilm):
    vectors = minilm.embed(TEXTS)
    check_unit_rows(vectors, 4, 384)
    assert minilm.dim == 384
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] + 0.2 and sims[2, 3] > sims[1, 3] + 0.2


def test_the_onnx_graph_gives_sentence_transformers_own_vectors_and_is_exported_once(minilm):
    from sentence_transformers import SentenceTransformer

    texts = [*TEXTS, "x", "a long page of notes " * 120]  # a single token, and one past the 256-token limit
    reference = SentenceTransformer(str(packaged_minilm_path()), device="cpu").encode(texts, normalize_embeddings=True)
    assert np.abs(minilm.embed(texts) - reference).max() < 1e-5
    graph = minilm.onnx_path
    assert stat.S_IMODE(graph.stat().st_mode) == 0o600 and stat.S_IMODE(graph.parent.stat().st_mode) == 0o700
    assert [p.name for p in graph.parent.iterdir()] == [graph.name]  # no partial file left, the stale one removed
    written = graph.stat().st_mtime_ns
    again = OnnxEmbedder(packaged_minilm_path(), cache_dir=graph.parent, threads=1)
    assert np.allclose(again.embed(TEXTS), reference[:4], atol=1e-5) and graph.stat().st_mtime_ns == written


def test_a_cache_dir_it_cannot_write_costs_only_a_warning(tmp_path, caplog):
    (tmp_path / "a-file").write_text("")  # a full disk or a read-only dir, as a root test can make one
    embedder = OnnxEmbedder(packaged_minilm_path(), cache_dir=tmp_path / "a-file" / "models", threads=1)
    try:
        assert embedder.embed(TEXTS[:2]).shape == (2, 384)
    finally:
        embedder.unload()
    assert "cannot keep the ONNX graph" in caplog.text and not embedder.onnx_path.exists()


def test_a_process_that_embeds_never_imports_torch_even_when_it_exports(tmp_path):
    # the export runs in a child process; the graph is then kept in the cache dir
    code = (
        "import sys; from pathlib import Path; from gumd.models.embed import OnnxEmbedder, packaged_minilm_path\n"
        f"e = OnnxEmbedder(packaged_minilm_path(), cache_dir=Path({str(tmp_path / 'models')!r}), threads=1)\n"
        "assert e.embed(['hello']).shape == (1, 384) and e.onnx_path.exists()\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_batches_give_the_same_vectors_as_one_call(minilm):
    one_by_one = np.vstack([minilm.embed([t]) for t in TEXTS])  # batch_size 3 splits TEXTS into 3 + 1
    assert np.allclose(minilm.embed(TEXTS), one_by_one, atol=1e-5)
    assert minilm.embed([]).shape == (0, 384)


def test_load_embedder_shares_the_packaged_minilm(tmp_path):
    settings = settings_for(tmp_path)
    embedder = load_embedder(settings)
    assert embedder is load_embedder(settings) and isinstance(embedder, OnnxEmbedder)
    assert embedder.path == packaged_minilm_path() and embedder.batch_size == settings.embed_batch_size
    assert embedder.cache_dir == settings.models_dir


def test_gguf_embedder_runs_without_torch_and_mean_pools(tmp_path, model_path):
    # No GGUF embedding model ships in a package here; a chat GGUF exercises the same code
    # (its llama.cpp pooling is "none", so the per-token vectors are mean-pooled by gumd).
    settings = settings_for(tmp_path, embedder=str(model_path), embed_batch_size=3)
    embedder = load_embedder(settings)
    assert isinstance(embedder, LlamaCppEmbedder) and load_embedder(settings) is embedder
    try:
        vectors = embedder.embed(TEXTS)
        check_unit_rows(vectors, 4, embedder.dim)
        assert embedder.dim == 896
        assert np.allclose(embedder.embed(TEXTS[:1]), vectors[:1], atol=1e-4)
    finally:
        embedder.unload()
