"""An OpenAI-compatible vision endpoint on loopback that checks what it is sent: each request's image is decoded
from its data URL with PIL and kept, with the prompt, for the test to inspect; it answers like a VLM would."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass, field

from PIL import Image

from tests.support.model_server import JsonHandler, LoopbackServer


@dataclass
class Seen:
    """What the server was sent, and how it answers (`status` other than 200: a refusal with `error`)."""

    answer: str = "The user is in a terminal reading notes."
    status: int = 200
    error: str = "this model does not support image input"
    images: list[Image.Image] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)  # the image format of each data URL's bytes, as PIL read it


def vision_server(seen: Seen) -> LoopbackServer:
    """A LoopbackServer answering /v1/chat/completions with an image in the last user turn; use `with`."""

    class Handler(JsonHandler):
        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            parts = body["messages"][-1]["content"]
            url = next(p["image_url"]["url"] for p in parts if p["type"] == "image_url")
            header, data = url.split(",", 1)
            assert header == "data:image/png;base64", header
            image = Image.open(io.BytesIO(base64.b64decode(data)))
            image.load()
            seen.formats.append(image.format)
            seen.images.append(image.convert("RGB"))
            seen.prompts.append(next(p["text"] for p in parts if p["type"] == "text"))
            if seen.status != 200:
                return self._send(seen.status, json.dumps({"error": {"message": seen.error}}).encode())
            completion = {"choices": [{"message": {"role": "assistant", "content": seen.answer},
                                       "finish_reason": "stop"}],
                          "usage": {"prompt_tokens": 900, "completion_tokens": 20}}
            self._send(200, json.dumps(completion).encode())

    return LoopbackServer(Handler)
