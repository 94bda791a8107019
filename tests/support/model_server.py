"""OpenAI-compatible stand-ins on loopback: a threaded HTTP server, and a model endpoint that answers gumd's
own prompts (or fails on purpose). The packaged model itself is conftest's `model_path` fixture."""

from __future__ import annotations

import json
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from gumd.propositions.digest import DATE


class JsonHandler(BaseHTTPRequestHandler):
    """A request handler that answers JSON bodies."""

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 running `handler`; use as a context manager."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> "LoopbackServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class ProposingServer(JsonHandler):
    """An OpenAI-compatible endpoint that answers gumd's own prompts: for each passage, the statement
    "The user is working on <its window title> by <the passage's first date>" (so one proposition per activity), and
    "new" for every revise decision. `mode` switches it to failing: "http500" or "hang" (until `release` is set);
    `delay_s` is a (low, high) range of seconds to wait before each answer."""

    mode: str = "ok"
    delay_s: tuple[float, float] = (0.0, 0.0)
    release = threading.Event()
    calls: int = 0

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls += 1
        if self.mode == "hang":
            self.release.wait(60)
            return
        if self.mode == "http500":
            return self._send(500, b'{"error": "model crashed"}')
        time.sleep(random.uniform(*self.delay_s))
        prompt = body["messages"][-1]["content"]
        if "decisions" in json.dumps(body.get("response_format", {})):
            answer = {"decisions": [{"new_statement": i, "operation": "new", "target": 0, "revised_text": "",
                                     "confidence": 5} for i in range(1, self._statements(body) + 1)]}
        else:
            title = re.search(r"(?m)^[^\n]*, window: (.*?)(?: \(input: [^)]*\))?$", prompt)
            when = DATE.search(prompt, title.end() if title else 0)  # the passage's own date, not its head's day
            answer = {"statement": f"The user is working on {title.group(1) if title else 'an untitled window'}"
                                   f"{' by ' + when.group(0) if when else ''}"[:200], "confidence": 5}
        completion = {"choices": [{"message": {"role": "assistant", "content": json.dumps(answer)},
                                   "finish_reason": "stop"}], "usage": {"prompt_tokens": 1, "completion_tokens": 1}}
        self._send(200, json.dumps(completion).encode())

    @staticmethod
    def _statements(body: dict) -> int:
        """How many decisions the revise schema asks for (its list's exact length)."""
        schema = body["response_format"]["json_schema"]["schema"]
        return schema["properties"]["decisions"]["minItems"]
