"""`Client`: the one way to talk to a running daemon, over its unix socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx


class DaemonUnavailable(ConnectionError):
    """No daemon answers on the socket; the message says how to start one."""


class ApiError(RuntimeError):
    """The daemon refused a request; `code` is stable, the message says what to fix."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.status, self.code = status, code


class Client:
    def __init__(self, socket_path: Path | str, timeout: float = 30.0):
        self.socket_path = Path(socket_path)
        self._http = httpx.Client(
            transport=httpx.HTTPTransport(uds=str(self.socket_path)), base_url="http://gumd", timeout=timeout
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, **params: Any) -> Any:
        return self._send("GET", path, params={k: v for k, v in params.items() if v is not None})

    def _post(self, path: str, body: Any = None) -> Any:
        return self._send("POST", path, json=body)

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            r = self._http.request(method, path, **kwargs)
        except (httpx.ConnectError, FileNotFoundError) as e:
            raise DaemonUnavailable(
                f"no gumd daemon answers on {self.socket_path}: start one with `gumd run`"
            ) from e
        if r.status_code >= 400:
            try:
                body = r.json()
            except ValueError:
                body = {}
            raise ApiError(r.status_code, body.get("code", "error"), body.get("message", r.text))
        return r.json()

    def status(self) -> dict[str, Any]:
        return self._get("/v1/status")

    def search(self, q: str = "", limit: int = 20, offset: int = 0) -> list[dict[str, Any]]:
        return self._get("/v1/propositions", q=q, limit=limit, offset=offset)["items"]

    def proposition(self, prop_id: int) -> dict[str, Any]:
        return self._get(f"/v1/propositions/{prop_id}")

    def observations(
        self, since: float | None = None, until: float | None = None, app: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        return self._get("/v1/observations", since=since, until=until, app=app, limit=limit)["items"]

    def capture_state(self) -> dict[str, Any]:
        return self._get("/v1/capture")

    def pause(self, minutes: float | None = None) -> dict[str, Any]:
        """Pause capture for `minutes`, or until resume() when None."""
        return self._post("/v1/capture/pause", {"minutes": minutes})

    def resume(self) -> dict[str, Any]:
        return self._post("/v1/capture/resume")

    def forget(self, minutes: float | None = None, since: float | None = None,
               until: float | None = None) -> dict[str, Any]:
        """Delete what was captured in the last `minutes`, or between `since` and `until` (unix times)."""
        body = {k: v for k, v in {"minutes": minutes, "since": since, "until": until}.items() if v is not None}
        return self._post("/v1/capture/forget", body)

    def capture_rules(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The user's privacy rules: kind app (never capture), title (never capture, regex) or redact (regex)."""
        return self._get("/v1/capture/rules", kind=kind)["items"]

    def add_capture_rule(self, kind: str, pattern: str) -> dict[str, Any]:
        return self._post("/v1/capture/rules", {"kind": kind, "pattern": pattern})

    def remove_capture_rule(self, rule_id: int) -> dict[str, Any]:
        return self._send("DELETE", f"/v1/capture/rules/{rule_id}")

    def would_capture(self, app: str, title: str = "") -> dict[str, Any]:
        """{"captured": bool, "state": ..., "rule": the rule that keeps it out, or None}."""
        return self._get("/v1/capture/check", app=app, title=title)

    def focus_spans(self, since: float | None = None, until: float | None = None, app: str | None = None,
                    limit: int = 100) -> list[dict[str, Any]]:
        return self._get("/v1/capture/spans", since=since, until=until, app=app, limit=limit)["items"]
