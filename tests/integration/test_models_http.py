"""The OpenAI-compatible HTTP backend: a real llama.cpp server on loopback, and stub servers for the failures."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from typing import Literal

import httpx
import pytest
from tests.support.environment import settings_for, wait_for
from tests.support.model_server import JsonHandler, LoopbackServer
from pydantic import BaseModel, Field

from gumd.models import ModelError, ModelTimeout, OpenAICompatibleModel, SchemaViolation, load_language_model


class Trip(BaseModel):
    destination: str = Field(max_length=40)
    nights: Literal[1, 2, 3, 4, 5, 6, 7]


ASK = [{"role": "user", "content": "Alex flies to Lisbon for 3 nights. Give destination and nights as JSON."}]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server(model_path):
    """llama-cpp-python's own OpenAI-compatible server with the packaged model, on loopback (started through
    tests/support/llama_server.py, which loads the model as gumd does)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.llama_server", "--model", str(model_path), "--host", "127.0.0.1",
         "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"

    def ready() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"llama_cpp.server exited with {proc.returncode}", pytrace=False)
        try:
            return httpx.get(url + "/models", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(ready, 120, interval=0.5, what="llama_cpp.server")
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_real_llama_cpp_server_answers_schema_valid_json(llama_server, tmp_path):
    settings = settings_for(tmp_path, model_url=llama_server, model="packaged", model_json_mode="json_object")
    lm = load_language_model(settings)
    assert isinstance(lm, OpenAICompatibleModel) and load_language_model(settings) is lm
    trip = lm.complete_json(ASK, Trip, max_tokens=60)
    assert isinstance(trip, Trip) and 1 <= trip.nights <= 7 and trip.destination
    assert lm.complete_text([{"role": "user", "content": "Say hello."}], max_tokens=8).strip()
    assert lm.usage.calls == 2 and lm.usage.prompt_tokens > 0 and lm.usage.completion_tokens > 0


class Stub(JsonHandler):
    """An OpenAI-compatible endpoint whose answer the test picks; it records what it was sent."""

    answer: str = "garbage"
    requests: list[tuple[dict, dict]] = []
    release = threading.Event()

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append((dict(self.headers), body))
        if self.answer == "hang":
            self.release.wait(30)
            return
        if self.answer == "http500":
            return self._send(500, b'{"error": "model crashed"}')
        if self.answer == "not-a-completion":
            return self._send(200, b'{"object": "nothing here"}')
        content = '{"destination": "Lisbon", "nights": 99}' if self.answer == "out-of-range" else "Sure! Lisbon."
        completion = {"choices": [{"message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
                      "usage": {"prompt_tokens": 12, "completion_tokens": 5}}
        self._send(200, json.dumps(completion).encode())



@pytest.fixture
def stub():
    Stub.requests = []
    Stub.release = threading.Event()
    with LoopbackServer(Stub) as server:
        yield server
    Stub.release.set()


def stub_model(server: LoopbackServer, answer: str, **kwargs) -> OpenAICompatibleModel:
    Stub.answer = answer
    return OpenAICompatibleModel(server.url + "/v1", "big-model", **kwargs)


@pytest.mark.parametrize("answer", ["garbage", "out-of-range"])
def test_server_answer_that_breaks_the_schema_is_retried_then_raises(stub, answer):
    with pytest.raises(SchemaViolation):
        stub_model(stub, answer).complete_json(ASK, Trip)
    assert len(Stub.requests) == 2


def test_schema_is_sent_as_openai_json_schema_with_the_key_as_bearer_token(stub):
    with pytest.raises(SchemaViolation):
        stub_model(stub, "garbage", api_key="sk-local-test").complete_json(ASK, Trip, max_tokens=50)
    headers, body = Stub.requests[0]
    assert headers["Authorization"] == "Bearer sk-local-test"
    assert body["model"] == "big-model" and body["max_tokens"] == 50 and body["messages"] == ASK
    schema = body["response_format"]["json_schema"]["schema"]
    assert body["response_format"]["type"] == "json_schema"
    assert schema["properties"]["nights"]["enum"] == [1, 2, 3, 4, 5, 6, 7]


def test_hanging_server_raises_model_timeout(stub):
    with pytest.raises(ModelTimeout, match="model_timeout_s"):
        stub_model(stub, "hang", timeout_s=1).complete_text(ASK)


@pytest.mark.parametrize("answer, message", [("http500", "HTTP 500"), ("not-a-completion", "no chat completion")])
def test_server_errors_raise_model_error(stub, answer, message):
    with pytest.raises(ModelError, match=message):
        stub_model(stub, answer).complete_json(ASK, Trip)


def test_unreachable_server_raises_model_error():
    lm = OpenAICompatibleModel(f"http://127.0.0.1:{free_port()}/v1", "m", timeout_s=5)
    with pytest.raises(ModelError, match="cannot reach"):
        lm.complete_text(ASK)
