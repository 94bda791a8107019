"""Language models behind one small interface: JSON constrained to a pydantic model's schema.

A backend implements `_generate(messages, schema, max_tokens)`; the base class
turns the schema into one llama.cpp's grammar can honour, validates the answer
with pydantic, and retries a broken answer once before raising SchemaViolation.
Backends: LlamaCppModel below (a GGUF file in-process) and
gumd.models.openai_compat.OpenAICompatibleModel (a server over HTTP).
"""

from __future__ import annotations

import copy
import itertools
import logging
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ValidationError

from gumd.models.errors import ModelError, ModelTimeout, SchemaViolation
from gumd.models.llamacpp import (
    close_llama,
    gpu_offload_supported,
    held_prefixes,
    open_llama,
    prompt_cache,
    release_freed_memory,
    reused_prefix,
)
from gumd.models.resources import LazyModel

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
Messages = list[dict[str, Any]]  # content is text, or a list of text and image parts
_USAGE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Generation:
    text: str
    finish_reason: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0  # prompt tokens served from the KV cache, not evaluated again
    seconds: float = 0.0


@dataclass
class Usage:
    """What a model has done since it was created; read by status pages and benchmarks."""

    calls: int = 0
    prompt_tokens: int = 0
    cached_prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    schema_retries: int = 0
    schema_failures: int = 0

    def add(self, gen: Generation) -> None:
        self.calls += 1
        self.prompt_tokens += gen.prompt_tokens
        self.cached_prompt_tokens += gen.cached_prompt_tokens
        self.completion_tokens += gen.completion_tokens
        self.seconds += gen.seconds


def grammar_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The pydantic model's JSON schema with every $ref inlined and titles dropped.

    llama.cpp's schema-to-grammar converter handles plain nested objects best;
    titles only cost prompt tokens.
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(copy.deepcopy(defs[node["$ref"].split("/")[-1]]))
            return {k: resolve(v) for k, v in node.items() if k != "title"}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


def _first_error(e: ValidationError) -> str:
    err = e.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "answer"
    return f"{e.error_count()} schema error(s), first at {where}: {err['msg']}"


class LanguageModel(ABC):
    """A model that answers chat messages with JSON of a given shape, or with text."""

    name: str = "model"

    @property
    def usage(self) -> Usage:
        # Made on first use, so a backend need not call LanguageModel.__init__.
        return self.__dict__.setdefault("_usage", Usage())

    def complete_json(self, messages: Messages, output: type[T], max_tokens: int = 768) -> T:
        """Answer as an instance of `output`; one retry on a malformed answer, then SchemaViolation."""
        schema = grammar_schema(output)
        problem = ""
        for attempt in (1, 2):
            gen = self._run(messages, schema, max_tokens, retry=attempt > 1)
            if gen.finish_reason == "length":
                problem = f"answer cut off at {max_tokens} tokens"
            else:
                try:
                    return output.model_validate_json(gen.text)
                except ValidationError as e:
                    problem = _first_error(e)
            log.warning("model %s gave an unusable answer (attempt %d): %s", self.name, attempt, problem)
            with _USAGE_LOCK:
                if attempt == 1:
                    self.usage.schema_retries += 1
                else:
                    self.usage.schema_failures += 1
        raise SchemaViolation(f"{self.name}: {problem}")

    def complete_text(self, messages: Messages, max_tokens: int = 256) -> str:
        """Answer in free text."""
        return self._run(messages, None, max_tokens).text

    def describe(self) -> dict[str, Any]:
        """What this model is and has done, for status pages (never secrets)."""
        return {"backend": type(self).__name__, "name": self.name, "usage": asdict(self.usage)}

    def _run(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, retry: bool = False
             ) -> Generation:
        gen = self._generate(messages, schema, max_tokens, retry)
        with _USAGE_LOCK:
            self.usage.add(gen)
        return gen

    @abstractmethod
    def _generate(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, retry: bool = False
                  ) -> Generation:
        """Run the model once; constrain the output to `schema` when given. `retry`: the same request's first
        answer was unusable, so this one must not replay it."""


RETRY_TEMPERATURE = 0.3  # a retry samples rather than replay the greedy answer that was unusable


class LlamaCppModel(LanguageModel):
    """A local GGUF file run in-process by llama-cpp-python.

    Loaded on first use and dropped after `idle_unload_s` idle (0: kept). Work
    runs on the model's own thread at nice `nice`. A RAM cache of
    `prompt_cache_mb` keeps the KV state of recent prompts, so a prompt that
    shares a prefix (a system prompt) with one seen before only evaluates the rest. With `prompt_lookup` > 0,
    generation drafts that many tokens by matching the prompt (prompt-lookup decoding: answers that copy names
    from the prompt take fewer model steps). Decoding is greedy, so the same screens give the same
    propositions; only a retry after an unusable answer samples (at RETRY_TEMPERATURE, a new seed each time).
    """

    def __init__(self, path: Path, threads: int, context: int, gpu_layers: int = 0, *, prompt_cache_mb: int = 256,
                 prompt_lookup: int = 0, idle_unload_s: float = 0, nice: int = 0, seed: int = 7,
                 chat_handler: Callable[[], Any] | None = None):
        self.path = Path(path)
        self.name = self.path.name
        self.threads = threads
        self.context = context
        self.gpu_layers = gpu_layers
        self.prompt_cache_mb = prompt_cache_mb
        self.prompt_lookup = prompt_lookup
        self.nice = nice
        self.chat_handler = chat_handler  # builds a llama-cpp-python chat handler (a vision model's projector)
        self._seeds = itertools.count(seed)  # a retry must not replay the same sample
        self._llm = LazyModel(self.name, self._open, idle_unload_s=idle_unload_s, nice=nice,
                              close=close_llama)

    def _open(self):
        extra = {"chat_handler": self.chat_handler()} if self.chat_handler else {}
        llm = open_llama(self.path, threads=self.threads, context=self.context, gpu_layers=self.gpu_layers,
                         prompt_lookup=self.prompt_lookup, **extra)
        if self.prompt_cache_mb > 0 and not self.prompt_lookup:  # a cached state keeps one row of logits, and
            llm.set_cache(prompt_cache(self.prompt_cache_mb))  # drafting needs them all: they do not mix
        return llm

    def unload(self) -> None:
        """Free the model's memory now; the next call loads it again."""
        self._llm.unload()

    def describe(self) -> dict[str, Any]:
        gpu = gpu_offload_supported()
        return {
            **super().describe(),
            "path": str(self.path),
            "loaded": self._llm.loaded,
            "threads": self.threads,
            "context": self.context,
            "gpu_layers": self.gpu_layers if gpu else 0,
            "gpu_offload_supported": gpu,
            "prompt_cache_mb": self.prompt_cache_mb,
            "prompt_lookup": self.prompt_lookup,
            "idle_unload_s": self._llm.idle_unload_s,
            "nice": self.nice,
            "worker_thread_id": self._llm.thread_id,
        }

    def _generate(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, retry: bool = False
                  ) -> Generation:
        seed = next(self._seeds)
        temperature = RETRY_TEMPERATURE if retry else 0.0
        return self._llm.call(lambda llm: _chat(llm, messages, schema, max_tokens, seed, temperature))


def _chat(llm: Any, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, seed: int,
          temperature: float) -> Generation:
    kwargs: dict[str, Any] = dict(messages=messages, max_tokens=max_tokens, temperature=temperature, top_p=0.9,
                                  seed=seed)
    if schema is not None:
        kwargs["response_format"] = {"type": "json_object", "schema": schema}
    held = held_prefixes(llm)
    started = time.monotonic()
    try:
        out = llm.create_chat_completion(**kwargs)
    except ValueError as e:  # prompt longer than the context window
        raise ModelError(str(e)) from e
    finally:
        release_freed_memory()
    choice = out["choices"][0]
    usage = out.get("usage") or {}
    prompt_tokens = usage.get("prompt_tokens", 0)
    return Generation(
        text=choice["message"]["content"] or "",
        finish_reason=choice.get("finish_reason"),
        prompt_tokens=prompt_tokens,
        completion_tokens=usage.get("completion_tokens", 0),
        cached_prompt_tokens=reused_prefix(held, llm.input_ids[:prompt_tokens].tolist()),
        seconds=time.monotonic() - started,
    )


__all__ = [
    "Generation", "LanguageModel", "LlamaCppModel", "Messages", "ModelError", "ModelTimeout", "SchemaViolation",
    "Usage", "grammar_schema",
]
