"""Opening GGUF files with llama-cpp-python the way every gumd model does, and what the build supports."""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import threading
from pathlib import Path
from typing import Any

from gumd.models.errors import ModelNotFound

log = logging.getLogger(__name__)


def gpu_offload_supported() -> bool:
    """Whether the installed llama-cpp-python was built with a GPU backend (CUDA, Metal, Vulkan…)."""
    import llama_cpp  # imported lazily: loading the library costs start-up time

    return bool(llama_cpp.llama_supports_gpu_offload())


def effective_gpu_layers(requested: int) -> int:
    """The layers to offload: as requested when the build can, else 0 (with a warning)."""
    if requested != 0 and not gpu_offload_supported():
        log.warning("model_gpu_layers = %d ignored: this llama-cpp-python build has no GPU support", requested)
        return 0
    return requested


@functools.cache
def cpu_has_amx() -> bool:
    """Whether the CPU has Intel AMX tiles (Sapphire Rapids and later), from /proc/cpuinfo (Linux only)."""
    try:
        return " amx_int8" in Path("/proc/cpuinfo").read_text()
    except OSError:
        return False


_DEFAULT_PARAMS_LOCK = threading.Lock()


@contextlib.contextmanager
def without_extra_buffers():
    """Make the Llama built inside load its weights without ggml's extra CPU buffer types.

    llama-cpp-python 0.3.36 built with -march=native on a CPU with AMX puts the weights in the AMX buffer
    type, and the first prompt of more than one token crashes the process (SIGSEGV in llama_decode).
    Llama() takes no model parameters of that kind, so its default-params factory is wrapped while it runs."""
    import llama_cpp

    with _DEFAULT_PARAMS_LOCK:
        original = llama_cpp.llama_cpp.llama_model_default_params

        def without_extra_buffers():
            params = original()
            params.use_extra_bufts = False
            return params

        llama_cpp.llama_cpp.llama_model_default_params = without_extra_buffers
        try:
            yield
        finally:
            llama_cpp.llama_cpp.llama_model_default_params = original


def open_llama(path: Path, *, threads: int, context: int, gpu_layers: int = 0, prompt_lookup: int = 0, **extra: Any):
    """A llama_cpp.Llama for `path` with gumd's thread, context and offload settings; `prompt_lookup` > 0 drafts
    that many tokens per step from n-grams of the prompt."""
    from llama_cpp import Llama

    if prompt_lookup:
        from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

        extra["draft_model"] = LlamaPromptLookupDecoding(num_pred_tokens=prompt_lookup)
        extra["logits_all"] = True  # drafting reads every position's logits; llama-cpp-python sizes its logits
        # array by this flag alone, and one of n_batch rows breaks on the first prompt longer than n_batch

    if not Path(path).is_file():
        raise ModelNotFound(f"model file {path} does not exist")
    log.info("loading %s (threads %d, context %d)", path, threads, context)
    with without_extra_buffers() if cpu_has_amx() else contextlib.nullcontext():
        llm = Llama(
            model_path=str(path),
            n_ctx=context,
            n_threads=threads,
            n_threads_batch=threads,
            n_gpu_layers=effective_gpu_layers(gpu_layers),
            verbose=False,
            **extra,
        )
    if not extra.get("logits_all") and not prompt_lookup:  # drafting reads every position's logits
        _drop_logits_array(llm)
    return llm


def _drop_logits_array(llm: Any) -> None:
    """Replace llama-cpp-python's logits array (n_batch x vocabulary floats: 311 MB for Qwen) by one row.

    Without logits_all nothing reads it (sampling reads the context's own logits), but restoring a
    prompt-cache state broadcasts the state's kept row into every row, making all 311 MB resident, and
    saving a state copies it. One row keeps save_state/load_state's slicing valid."""
    import numpy as np

    llm.scores = np.zeros((1, llm.n_vocab()), dtype=np.single)


@functools.cache
def _malloc_trim() -> Any:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc (macOS, musl): nothing to do
        return None


def release_freed_memory() -> None:
    """Hand memory the C allocator holds free back to the OS (glibc's malloc_trim; a no-op elsewhere).

    Saving or restoring a prompt-cache state copies a 20-40 MB KV state through transient buffers, and
    glibc keeps the freed space in its arenas (what this saves: docs/benchmarks.md, "Under load")."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def close_llama(llm: Any) -> None:
    """Free a Llama's model and context now rather than at garbage collection."""
    llm.close()


def prompt_cache(capacity_mb: int) -> Any:
    """A RAM cache of KV states keyed by token prefix, that keeps no copy of the logits.

    llama-cpp-python's LlamaRAMCache stores each state with a copy of the
    logits array (prompt tokens x vocabulary x 4 bytes: 300 MB for a Qwen prompt
    of 500 tokens) that it does not count against its capacity and that is
    never read without logits_all, since a restored state is decoded again
    before sampling. This cache keeps only the last row.
    """
    from llama_cpp import LlamaRAMCache
    from llama_cpp.llama import LlamaState

    class LeanRAMCache(LlamaRAMCache):
        def __setitem__(self, key, state: LlamaState) -> None:
            state.scores = state.scores[-1:].copy()
            super().__setitem__(key, state)

    return LeanRAMCache(capacity_bytes=capacity_mb << 20)


def held_prefixes(llm: Any) -> list[list[int]]:
    """The token sequences whose KV state the model holds: the live context and its RAM cache's states."""
    held = [llm.input_ids[: llm.n_tokens].tolist()]
    if llm.cache is not None:
        held.extend(list(key) for key in getattr(llm.cache, "cache_state", {}))
    return held


def reused_prefix(held: list[list[int]], prompt: list[int]) -> int:
    """How many leading prompt tokens llama-cpp-python takes from held state instead of evaluating.

    It resumes from the longest held prefix, and evaluates at least the last
    prompt token again to get fresh logits.
    """
    from llama_cpp import Llama

    longest = max((Llama.longest_token_prefix(h, prompt) for h in held), default=0)
    return min(longest, max(len(prompt) - 1, 0))
