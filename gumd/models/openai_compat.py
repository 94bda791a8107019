"""A language model on an OpenAI-compatible server: llama.cpp server, Ollama, vLLM, LM Studio.

This is how gumd outgrows one laptop: point `model_url` at a bigger model on a
home GPU box or a cluster. Only /chat/completions is used; the JSON schema goes
in `response_format` (the answer is validated here whatever the server did).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from gumd.models.errors import ModelError, ModelTimeout, ServerRefused
from gumd.models.lm import Generation, LanguageModel, Messages

JSON_MODES = ("json_schema", "json_object")


class OpenAICompatibleModel(LanguageModel):
    """Chat completions over HTTP at `base_url` (up to and including /v1).

    `json_mode` picks how the schema is sent: "json_schema" (OpenAI's form; llama.cpp
    server, Ollama, vLLM, LM Studio) or "json_object" with a "schema" key
    (llama-cpp-python's own server).
    """

    def __init__(self, base_url: str, model: str, *, api_key: str = "", timeout_s: float = 300.0,
                 json_mode: str = "json_schema", temperature: float = 0.2, key_variable: str = "GUMD_MODEL_API_KEY"):
        if json_mode not in JSON_MODES:
            raise ValueError(f"json_mode must be one of {JSON_MODES}, not {json_mode!r}")
        self.base_url = base_url.rstrip("/") + "/"
        self.model = model
        self.name = f"{model} at {self.base_url}"
        self.timeout_s = timeout_s
        self.json_mode = json_mode
        self.temperature = temperature
        self.key_variable = key_variable  # named in the error when the server wants a key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
        )

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "base_url": self.base_url, "model": self.model,
                "timeout_s": self.timeout_s, "json_mode": self.json_mode}

    def _response_format(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.json_mode == "json_object":
            return {"type": "json_object", "schema": schema}
        return {"type": "json_schema", "json_schema": {"name": "answer", "schema": schema, "strict": True}}

    def _generate(self, messages: Messages, schema: dict[str, Any] | None, max_tokens: int, retry: bool = False
                  ) -> Generation:
        body: dict[str, Any] = {
            "model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": self.temperature,
        }
        if schema is not None:
            body["response_format"] = self._response_format(schema)
        url = self.base_url + "chat/completions"
        started = time.monotonic()
        try:
            response = self._client.post("chat/completions", json=body)
        except httpx.TimeoutException as e:
            raise ModelTimeout(
                f"{url} gave no answer within {self.timeout_s:g} s; raise model_timeout_s or check the server"
            ) from e
        except httpx.HTTPError as e:
            raise ModelError(f"cannot reach {url}: {e}; check model_url and that the server runs") from e
        if response.status_code in (401, 403):
            raise ServerRefused(f"{url} refused the request (HTTP {response.status_code}); set {self.key_variable}",
                                response.status_code)
        if response.status_code >= 400:
            raise ServerRefused(f"{url} answered HTTP {response.status_code}: {response.text[:300]}",
                                response.status_code)
        try:
            data = response.json()
            choice = data["choices"][0]
            text = choice["message"].get("content") or ""
            if not isinstance(text, str):
                raise TypeError(f"content is a {type(text).__name__}, not text")
            usage = data.get("usage") or {}
            generation = Generation(
                text=text,
                finish_reason=choice.get("finish_reason"),
                prompt_tokens=int(usage.get("prompt_tokens") or 0),
                completion_tokens=int(usage.get("completion_tokens") or 0),
                cached_prompt_tokens=_cached_tokens(data),
                seconds=time.monotonic() - started,
            )
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
            raise ModelError(f"{url} gave no chat completion ({e!r}): {response.text[:300]}") from e
        return generation


def _cached_tokens(data: dict[str, Any]) -> int:
    """Prompt tokens the server reused from its cache, where it says (OpenAI/vLLM or llama.cpp style)."""
    details = (data.get("usage") or {}).get("prompt_tokens_details") or {}
    timings = data.get("timings") or {}
    return int(details.get("cached_tokens") or timings.get("cache_n") or 0)
