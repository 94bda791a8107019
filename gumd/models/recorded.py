"""A language model whose answers are recorded in a file and replayed from it, so that an evaluation can be run
again without model time and gives the same answers.

The file holds one JSON array per line: the request's key (a SHA-256 of the model's name, the messages, the answer
schema, the token limit and whether it is a retry) and the answer (`Generation`'s fields, its model seconds
included). A request the file answers is replayed; any other goes to the model, and its answer is added to the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gumd.models.lm import Generation, LanguageModel, Messages

log = logging.getLogger(__name__)


def request_key(name: str, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, retry: bool) -> str:
    """The key a request's answer is recorded under."""
    return hashlib.sha256(json.dumps([name, messages, schema, max_tokens, retry], sort_keys=True).encode()).hexdigest()


class RecordedModel(LanguageModel):
    """`model`, with its answers replayed from `path` where recorded there and recorded there where not."""

    def __init__(self, model: LanguageModel, path: Path):
        self.model = model
        self.name = model.name
        self.path = Path(path)
        self.replayed = 0
        self.recorded = 0
        self._answers: dict[str, Generation] = {}
        self._lock = threading.Lock()
        self._open_line = False  # the file ends in a line cut short: the next answer starts a line of its own
        if self.path.exists():
            unreadable = 0
            text = self.path.read_text(encoding="utf-8")
            self._open_line = bool(text) and not text.endswith("\n")
            for line in text.splitlines():
                try:
                    key, fields = json.loads(line)
                    self._answers[key] = Generation(**fields)
                except (ValueError, TypeError):  # a line cut short when a run was stopped while writing it
                    unreadable += 1
            if unreadable:
                log.warning("%s: %d unreadable lines skipped", self.path, unreadable)

    def describe(self) -> dict[str, Any]:
        return {**self.model.describe(), "usage": asdict(self.usage), "answers": str(self.path),
                "replayed": self.replayed, "recorded": self.recorded}

    def _generate(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, retry: bool = False
                  ) -> Generation:
        key = request_key(self.name, messages, schema, max_tokens, retry)
        with self._lock:
            known = self._answers.get(key)
            if known is not None:
                self.replayed += 1
                return known
        generation = self.model._generate(messages, schema, max_tokens, retry)
        with self._lock:
            self._answers[key] = generation
            self.recorded += 1
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write("\n" * self._open_line + json.dumps([key, asdict(generation)], ensure_ascii=False) + "\n")
            self._open_line = False
        return generation


__all__ = ["RecordedModel", "request_key"]
