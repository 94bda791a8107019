"""Language models behind one small interface: JSON constrained to a pydantic model's schema.

A backend implements `_generate(messages, schema, max_tokens)`; the base class
turns the schema into one llama.cpp's grammar can honour, validates the answer
with pydantic, and retries a broken answer once before raising SchemaViolation.
"""

from __future__ import annotations

import copy
import logging
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)
Messages = list[dict[str, str]]


class ModelError(RuntimeError):
    """The model could not give a usable answer."""


class SchemaViolation(ModelError):
    """The model's answer broke the JSON schema twice in a row."""


@dataclass(frozen=True)
class Generation:
    text: str
    finish_reason: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0


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


class LanguageModel(ABC):
    """A model that answers chat messages with JSON of a given shape, or with text."""

    name: str = "model"

    def complete_json(self, messages: Messages, output: type[T], max_tokens: int = 768) -> T:
        """Answer as an instance of `output`; one retry on a malformed answer, then SchemaViolation."""
        schema = grammar_schema(output)
        problem = ""
        for attempt in (1, 2):
            gen = self._generate(messages, schema, max_tokens)
            if gen.finish_reason == "length":
                problem = f"answer cut off at {max_tokens} tokens"
            else:
                try:
                    return output.model_validate_json(gen.text)
                except ValidationError as e:
                    # loc and message only: str(e) quotes the answer, which may echo screen text, into the log
                    first = e.errors(include_url=False, include_input=False)[0]
                    where = ".".join(str(x) for x in first["loc"]) or "answer"
                    problem = f"{e.error_count()} schema error(s): {where}: {first['msg']}"
            log.warning("model %s gave an unusable answer (attempt %d): %s", self.name, attempt, problem)
        raise SchemaViolation(f"{self.name}: {problem}")

    def complete_text(self, messages: Messages, max_tokens: int = 256) -> str:
        """Answer in free text."""
        return self._generate(messages, None, max_tokens).text

    @abstractmethod
    def _generate(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int) -> Generation:
        """Run the model once; constrain the output to `schema` when given."""


class LlamaCppModel(LanguageModel):
    """A local GGUF file run in-process by llama-cpp-python; loaded on first use."""

    def __init__(self, path: Path, threads: int, context: int, gpu_layers: int = 0, seed: int = 7):
        self.path = Path(path)
        self.name = self.path.name
        self._kwargs = dict(
            model_path=str(self.path),
            n_ctx=context,
            n_threads=threads,
            n_threads_batch=threads,
            n_gpu_layers=gpu_layers,
            seed=seed,
            verbose=False,
        )
        self._llm = None
        self._lock = threading.Lock()

    def _load(self):
        if self._llm is None:
            from llama_cpp import Llama  # imported lazily: loading the library costs start-up time

            if not self.path.exists():
                raise ModelError(f"model file {self.path} does not exist")
            log.info("loading %s", self.path)
            self._llm = Llama(**self._kwargs)
        return self._llm

    def _generate(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int) -> Generation:
        with self._lock:
            llm = self._load()
            kwargs: dict[str, Any] = dict(messages=messages, max_tokens=max_tokens, temperature=0.2, top_p=0.9)
            if schema is not None:
                kwargs["response_format"] = {"type": "json_object", "schema": schema}
            try:
                out = llm.create_chat_completion(**kwargs)
            except ValueError as e:  # prompt longer than the context window
                raise ModelError(str(e)) from e
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Generation(
            text=choice["message"]["content"] or "",
            finish_reason=choice.get("finish_reason"),
            prompt_tokens=usage.get("prompt_tokens", 0),
            completion_tokens=usage.get("completion_tokens", 0),
        )

