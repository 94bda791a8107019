"""Embedders: the real packaged MiniLM through sentence-transformers, and a GGUF through llama.cpp."""

from __future__ import annotations

import numpy as np
import pytest
from tests.conftest import settings_for

from gumd.models import LlamaCppEmbedder, SentenceTransformerEmbedder, load_embedder
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
def minilm():
    embedder = SentenceTransformerEmbedder(packaged_minilm_path(), threads=2, batch_size=3)
    yield embedder
    embedder.unload()


def test_packaged_minilm_gives_normalized_float32_vectors_that_group_by_meaning(minilm):
    vectors = minilm.embed(TEXTS)
    check_unit_rows(vectors, 4, 384)
    assert minilm.dim == 384
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] + 0.2 and sims[2, 3] > sims[1, 3] + 0.2


def test_batches_give_the_same_vectors_as_one_call(minilm):
    one_by_one = np.vstack([minilm.embed([t]) for t in TEXTS])  # batch_size 3 splits TEXTS into 3 + 1
    assert np.allclose(minilm.embed(TEXTS), one_by_one, atol=1e-5)
    assert minilm.embed([]).shape == (0, 384)


def test_load_embedder_shares_the_packaged_minilm(tmp_path):
    settings = settings_for(tmp_path)
    embedder = load_embedder(settings)
    assert embedder is load_embedder(settings) and isinstance(embedder, SentenceTransformerEmbedder)
    assert embedder.path == packaged_minilm_path() and embedder.batch_size == settings.embed_batch_size


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
