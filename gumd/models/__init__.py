"""All model work: language models, embeddings, OCR, and the presets that name them.

The loaders return one shared instance per distinct configuration, so parts
that name the same model share one loaded copy. Nothing is read into
memory until first used.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any, Callable, TypeVar

from gumd.config import Settings
from gumd.models.embed import Embedder, LlamaCppEmbedder, OnnxEmbedder, packaged_minilm_path
from gumd.models.errors import ModelError, ModelNotFound, ModelTimeout, SchemaViolation
from gumd.models.lm import LanguageModel, LlamaCppModel
from gumd.models.ocr import Ocr, OcrLine, load_ocr
from gumd.models.openai_compat import OpenAICompatibleModel
from gumd.models.registry import PRESETS, resolve

T = TypeVar("T")
_shared: dict[tuple, Any] = {}
_shared_lock = threading.Lock()


def _shared_instance(key: tuple, build: Callable[[], T]) -> T:
    with _shared_lock:
        if key not in _shared:
            _shared[key] = build()
        return _shared[key]


def load_language_model(settings: Settings) -> LanguageModel:
    """The language model the settings name: a server when `model_url` is set, else a local GGUF."""
    s = settings
    if s.model_url:
        key: tuple = ("http", s.model_url, s.model, s.model_api_key, s.model_timeout_s, s.model_json_mode)
        return _shared_instance(key, lambda: OpenAICompatibleModel(
            s.model_url, s.model, api_key=s.model_api_key, timeout_s=s.model_timeout_s, json_mode=s.model_json_mode,
        ))
    path = resolve(s.model, s.models_dir)
    key = ("llama.cpp", str(path.resolve()), s.model_threads, s.model_context, s.model_gpu_layers,
           s.model_prompt_cache_mb, s.model_prompt_lookup, s.model_idle_unload_s, s.model_nice)
    return _shared_instance(key, lambda: LlamaCppModel(
        path, threads=s.model_threads, context=s.model_context, gpu_layers=s.model_gpu_layers,
        prompt_cache_mb=s.model_prompt_cache_mb, prompt_lookup=s.model_prompt_lookup,
        idle_unload_s=s.model_idle_unload_s, nice=s.model_nice,
    ))


def load_next_action_model(settings: Settings) -> LanguageModel:
    """The model of next-action's in-context step: `nap_model`, or the language model itself when that is empty or
    a server (`model_url`) serves the model."""
    s = settings
    return load_language_model(s if s.model_url or not s.nap_model else dataclasses.replace(s, model=s.nap_model))


def load_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name: the packaged MiniLM, or a GGUF embedding model through llama.cpp."""
    s = settings
    common = dict(threads=s.model_threads, batch_size=s.embed_batch_size, idle_unload_s=s.model_idle_unload_s,
                  nice=s.model_nice)
    if s.embedder == "minilm":
        path = packaged_minilm_path()
        return _shared_instance(
            ("onnx", str(path), str(s.models_dir), *common.values()),
            lambda: OnnxEmbedder(path, cache_dir=s.models_dir, **common),
        )
    path = resolve(s.embedder, s.models_dir)
    return _shared_instance(
        ("llama.cpp-embed", str(path.resolve()), s.model_gpu_layers, *common.values()),
        lambda: LlamaCppEmbedder(path, gpu_layers=s.model_gpu_layers, **common),
    )


__all__ = [
    "Embedder", "LanguageModel", "LlamaCppEmbedder", "LlamaCppModel", "ModelError", "ModelNotFound", "ModelTimeout",
    "Ocr", "OcrLine", "OpenAICompatibleModel", "PRESETS", "SchemaViolation", "OnnxEmbedder",
    "load_embedder", "load_language_model", "load_next_action_model", "load_ocr", "resolve",
]
