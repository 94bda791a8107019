"""`Client`: the one way to talk to a running daemon, over its unix socket or 127.0.0.1 with a token."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import httpx


class DaemonUnavailable(ConnectionError):
    """No daemon answers on the socket; the message says how to start one."""


class ApiError(RuntimeError):
    """The daemon refused a request; `code` is stable, the message says what to fix."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.status, self.code = status, code


class Client:
    """Over the unix socket at `socket_path` (the user's own; a token is optional there), or, with
    `Client.loopback(port, token)`, over 127.0.0.1 where the token is required."""

    def __init__(self, socket_path: Path | str | None, timeout: float = 30.0, token: str | None = None,
                 port: int | None = None):
        self.socket_path = Path(socket_path) if socket_path is not None else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if self.socket_path is not None:
            transport, base_url = httpx.HTTPTransport(uds=str(self.socket_path)), "http://gumd"
            self.where = str(self.socket_path)
        elif port is not None:
            transport, base_url = httpx.HTTPTransport(), f"http://127.0.0.1:{port}"
            self.where = base_url
        else:
            raise ValueError("give a socket path or a port")
        self._http = httpx.Client(transport=transport, base_url=base_url, timeout=timeout, headers=headers)

    @classmethod
    def loopback(cls, port: int, token: str, timeout: float = 30.0) -> "Client":
        return cls(None, timeout=timeout, token=token, port=port)

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
            raise self._unavailable() from e
        _raise_for(r)
        return r.json()

    def _unavailable(self) -> DaemonUnavailable:
        return DaemonUnavailable(f"no gumd daemon answers on {self.where}: start one with `gumd run`")

    def status(self) -> dict[str, Any]:
        return self._get("/v1/status")

    def search(self, q: str = "", limit: int = 20, offset: int = 0, since: float | None = None,
               until: float | None = None, min_confidence: int | None = None) -> list[dict[str, Any]]:
        """Active propositions matching `q` (best first), or the newest when `q` is empty."""
        return self._get("/v1/propositions", q=q, limit=limit, offset=offset, since=since, until=until,
                         min_confidence=min_confidence)["items"]

    def proposition(self, prop_id: int) -> dict[str, Any]:
        """One proposition with its evidence and history."""
        return self._get(f"/v1/propositions/{prop_id}")

    def history(self, prop_id: int) -> list[dict[str, Any]]:
        return self._get(f"/v1/propositions/{prop_id}/history")

    def edit(self, prop_id: int, **changes: Any) -> dict[str, Any]:
        """Change text, reasoning, confidence or decay."""
        return self._send("PATCH", f"/v1/propositions/{prop_id}", json=changes)

    def confirm(self, prop_id: int) -> dict[str, Any]:
        return self._post(f"/v1/propositions/{prop_id}/confirm")

    def reject(self, prop_id: int) -> dict[str, Any]:
        return self._post(f"/v1/propositions/{prop_id}/reject")

    def delete(self, prop_id: int, with_evidence: bool = False) -> int:
        """Delete a proposition and every version of it (and, `with_evidence`, the observations behind
        them); returns the proposition rows removed."""
        params = {"with_evidence": "true"} if with_evidence else None
        return self._send("DELETE", f"/v1/propositions/{prop_id}", params=params)["deleted"]

    def observations(
        self, since: float | None = None, until: float | None = None, app: str | None = None, limit: int = 50
    ) -> list[dict[str, Any]]:
        return self._get("/v1/observations", since=since, until=until, app=app, limit=limit)["items"]

    def context(self, q: str = "", limit: int = 5) -> dict[str, Any]:
        """The bundle for an assistant's prompt: propositions, current activity, recent apps, and `prompt`."""
        return self._get("/v1/context", q=q, limit=limit)

    def predict_next(self) -> dict[str, Any]:
        return self._get("/v1/predictions/next")

    def audit(self, limit: int = 100, client: str | None = None, since: float | None = None) -> list[dict[str, Any]]:
        """The audit log, newest first (needs the socket or a write token)."""
        return self._get("/v1/audit", limit=limit, client=client, since=since)["items"]

    def export(self) -> dict[str, Any]:
        """Everything the daemon holds, as one JSON document."""
        return self._get("/v1/export")

    def events(self, kinds: str = "proposition,prediction", timeout: float | None = None
               ) -> Iterator[tuple[str, dict[str, Any]]]:
        """(kind, data) for each event as it comes; ends when `timeout` seconds have passed, if given."""
        params = {"kinds": kinds} | ({"timeout": timeout} if timeout else {})
        try:
            with self._http.stream("GET", "/v1/events", params=params, timeout=None) as r:
                if r.status_code >= 400:
                    r.read()
                    _raise_for(r)
                kind = None
                for line in r.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind:
                        yield kind, json.loads(line[6:])
                        kind = None
        except (httpx.ConnectError, FileNotFoundError) as e:
            raise self._unavailable() from e

    def capture_state(self) -> dict[str, Any]:
        return self._get("/v1/capture")

    def pause(self, minutes: float | None = None) -> dict[str, Any]:
        """Pause capture for `minutes`, or until resume() when None."""
        return self._post("/v1/capture/pause", {"minutes": minutes})

    def resume(self) -> dict[str, Any]:
        return self._post("/v1/capture/resume")

    def dashboard_login(self) -> dict[str, Any]:
        """A one-time dashboard login link {url, expires_at}; only the unix socket gives one."""
        return self._post("/v1/dashboard/login")

    def forget(self, minutes: float | None = None, since: float | None = None,
               until: float | None = None, app: str | None = None) -> dict[str, Any]:
        """Delete what was captured in the last `minutes`, or between `since` and `until` (unix times), of one
        `app` when given (an app alone: all of its history)."""
        body = {k: v for k, v in {"minutes": minutes, "since": since, "until": until, "app": app}.items()
                if v is not None}
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

def _raise_for(r: httpx.Response) -> None:
    if r.status_code < 400:
        return
    try:
        body = r.json()
    except ValueError:
        body = {}
    raise ApiError(r.status_code, body.get("code", "error"), body.get("message", r.text))
