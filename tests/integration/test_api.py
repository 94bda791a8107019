"""The REST API served by real uvicorn on a temporary unix socket, read with the real client."""

import json
import os
import socket
import stat
import threading
import time
from dataclasses import asdict
from types import SimpleNamespace

import httpx
import pytest

from gumd.api.app import create_app
from gumd.api.server import SocketServer
from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.nap.predict import PredictedAction, Prediction
from gumd.privacy import CaptureControl
from gumd.store import NewObservation, NewProposition, Store
from tests.support.environment import wait_for


class FixedPredictor:
    """Answers as gumd.nap's service does: a Prediction's fields."""

    def predict_next(self) -> dict:
        action = PredictedAction("open", "firefox", "TP 218", "Opened the 'TP 218' booking in Firefox", 0.4, 0.5)
        return asdict(Prediction(made_at=time.time(), source="model", actions=[action], reasoning="mail about it"))


def serve(data, predictor=None):
    store = Store(data / "gumd.db")
    control = CaptureControl(enabled=True)
    app = create_app(store, lambda: {"capture": control.state()}, control, predictor=predictor)
    server = SocketServer(app, data / "gumd.sock")
    server.start()
    return store, app, server


@pytest.fixture
def api(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    store = Store(data / "gumd.db")
    now = time.time()
    o = store.observations.add(NewObservation(100.0, 105.0, "thunderbird", "Inbox", "Flight TP 218 to Lisbon", "",
                                              "test"))
    store.observations.add(NewObservation(now - 60, now - 50, "code", "main.rs", "fn main() {\n    println!()\n}", "",
                                          "test"))
    pid = store.propositions.add(NewProposition("The user is flying to Lisbon on TP 218", "mail", 8, 4), [o])
    store.close()
    store, app, server = serve(data)
    with Client(data / "gumd.sock") as client:
        yield SimpleNamespace(client=client, store=store, app=app, pid=pid, obs=o, data=data,
                              raw=httpx.Client(transport=httpx.HTTPTransport(uds=str(data / "gumd.sock")),
                                               base_url="http://gumd"))
    server.stop()
    store.close()


def test_socket_is_private_and_removed_at_stop(tmp_path):
    store = Store(tmp_path / "g.db")
    server = SocketServer(create_app(store, dict, CaptureControl()), tmp_path / "s.sock")
    (tmp_path / "s.sock").write_text("stale")  # left behind by a crash
    server.start()
    assert stat.S_IMODE(os.stat(tmp_path / "s.sock").st_mode) == 0o600
    server.stop()
    assert not (tmp_path / "s.sock").exists()


def test_status_counts_what_is_stored(api):
    st = api.client.status()
    assert st["propositions"] == 1 and st["observations"] == {"pending": 2} and st["capture"]["state"] == "capturing"
    assert st["encrypted"] is False


def test_search_and_one_proposition_with_its_evidence_and_history(api):
    hits = api.client.search("lisbon")
    assert [h["id"] for h in hits] == [api.pid] and hits[0]["score"] > 0 and hits[0]["evidence_count"] == 1
    assert hits[0]["confidence"] == 8 and hits[0]["decay"] == 4
    assert api.client.search("nothing-like-this") == []
    one = api.client.proposition(api.pid)
    assert one["text"].startswith("The user is flying") and [e["id"] for e in one["evidence"]] == [api.obs]
    assert [(v["id"], v["version"]) for v in one["history"]] == [(api.pid, 1)]
    assert api.client.history(api.pid) == one["history"]


def test_search_filters_by_confidence_and_time_window(api):
    weak = api.store.propositions.add(NewProposition("The user may like Lisbon trams", "one tab", 3, 5), [])
    assert {h["id"] for h in api.client.search("lisbon")} == {api.pid, weak}
    assert [h["id"] for h in api.client.search("lisbon", min_confidence=5)] == [api.pid]
    later = api.client.proposition(weak)["updated_at"]
    assert [h["id"] for h in api.client.search("lisbon", since=later)] == [weak]
    assert [h["id"] for h in api.client.search("lisbon", until=later - 1e-3)] == [api.pid]
    assert [h["id"] for h in api.client.search("", limit=1)] == [weak]  # newest first without a query


def test_observations_filter_by_app_and_time(api):
    assert [o["app"] for o in api.client.observations()] == ["code", "thunderbird"]
    assert [o["app"] for o in api.client.observations(app="thunderbird")] == ["thunderbird"]
    assert [o["app"] for o in api.client.observations(since=150)] == ["code"]


def test_context_bundles_beliefs_current_activity_and_recent_apps(api):
    ctx = api.client.context("flight lisbon")
    assert [p["id"] for p in ctx["propositions"]] == [api.pid]
    assert ctx["current_activity"]["app"] == "code" and ctx["current_activity"]["excerpt"] == "fn main() { println!() }"
    assert [a["app"] for a in ctx["recent_apps"]] == ["code"]  # thunderbird was seen long before the last hour
    assert "[8] The user is flying to Lisbon on TP 218" in ctx["prompt"]
    assert "Current activity (just now): code - 'main.rs'" in ctx["prompt"]
    general = api.client.context()
    assert [p["id"] for p in general["propositions"]] == [api.pid] and general["query"] == ""


def test_confirm_and_reject_override_the_models_confidence(api):
    confirmed = api.client.confirm(api.pid)
    assert confirmed["confidence"] == 10 and confirmed["verdict"] == "confirmed" and confirmed["status"] == "active"
    assert "[10, confirmed]" in api.client.context("lisbon")["prompt"]
    rejected = api.client.reject(api.pid)
    assert rejected["confidence"] == 1 and rejected["status"] == "rejected" and rejected["verdict"] == "rejected"
    assert api.client.search("lisbon") == [] and api.client.context("lisbon")["propositions"] == []
    assert api.client.proposition(api.pid)["verdict"] == "rejected"  # still readable by id
    back = api.client.confirm(api.pid)
    assert back["status"] == "active" and [h["id"] for h in api.client.search("lisbon")] == [api.pid]


def test_edit_changes_only_the_fields_sent(api):
    edited = api.client.edit(api.pid, text="The user is flying to Porto on TP 1950", confidence=6)
    assert edited["text"] == "The user is flying to Porto on TP 1950" and edited["confidence"] == 6
    assert edited["reasoning"] == "mail" and edited["decay"] == 4 and edited["verdict"] is None
    assert [h["id"] for h in api.client.search("porto")] == [api.pid] and api.client.search("lisbon") == []
    for bad in ({}, {"confidence": 11}, {"text": ""}, {"status": "active"}):
        with pytest.raises(ApiError) as e:
            api.client.edit(api.pid, **bad)
        assert e.value.status == 422 and e.value.code == "invalid_request"


def test_delete_leaves_no_trace_in_the_database_or_its_wal(api):
    secret = "Zqxjvrk"  # a word the porter stemmer leaves alone
    o = api.store.observations.add(NewObservation(300.0, 301.0, "firefox", "clinic", "appointment", "", "test"))
    pid = api.store.propositions.add(
        NewProposition(f"The user sees Dr {secret} about a rash", f"{secret} clinic", 7, 3), [o])
    files = [api.data / "gumd.db", api.data / "gumd.db-wal"]

    def traces() -> bool:
        blob = b"".join(f.read_bytes() for f in files if f.exists())
        return secret.encode() in blob or secret.lower().encode() in blob

    assert traces()  # the check can see the word while it is stored
    assert api.client.delete(pid) == 1
    assert not traces()
    with pytest.raises(ApiError) as e:
        api.client.proposition(pid)
    assert e.value.code == "not_found"
    assert api.client.search(secret) == [] and api.client.observations(app="firefox")  # evidence stays
    assert api.store.database.execute("SELECT COUNT(*) FROM evidence WHERE proposition_id = ?", [pid]).fetchone()[0] == 0
    with pytest.raises(ApiError) as e:
        api.client.delete(pid)
    assert e.value.status == 404


def test_delete_with_evidence_takes_the_observations_text_out_of_the_file(api):
    secret = "Vrelkmoss"
    o = api.store.observations.add(NewObservation(400.0, 401.0, "signal", "chat", f"meet {secret} at noon", "", "test"))
    kept = api.store.observations.add(NewObservation(402.0, 403.0, "signal", "chat", "unrelated", "", "test"))
    pid = api.store.propositions.add(NewProposition("The user has a lunch date", "chat", 6, 2), [o])

    def blob() -> bytes:
        return b"".join(f.read_bytes() for f in api.data.glob("gumd.db*"))

    assert secret.encode() in blob()
    r = api.raw.delete(f"/v1/propositions/{pid}", params={"with_evidence": "true"})
    assert r.json() == {"deleted": 1, "observations_deleted": 1}
    assert secret.encode() not in blob()
    assert [x["id"] for x in api.client.observations(app="signal")] == [kept]


def test_filters_for_status_app_and_unreviewed(api):
    other = api.store.propositions.add(NewProposition("The user writes Rust", "editor", 6, 5), [])
    api.client.reject(other)
    assert [p["id"] for p in api.client._get("/v1/propositions", app="thunderbird")["items"]] == [api.pid]
    assert api.client._get("/v1/propositions", app="code")["items"] == []
    assert [p["id"] for p in api.client._get("/v1/propositions", status="rejected")["items"]] == [other]
    assert [p["id"] for p in api.client._get("/v1/propositions", unreviewed="true")["items"]] == [api.pid]
    api.client.confirm(api.pid)
    assert api.client._get("/v1/propositions", unreviewed="true")["items"] == []
    assert [a["app"] for a in api.client._get("/v1/apps")] == ["code", "thunderbird"]


def test_a_dashboard_link_needs_the_loopback_listener(api):
    with pytest.raises(ApiError) as e:
        api.client.dashboard_login()
    assert e.value.status == 409 and "api_tcp_port" in str(e.value)


def test_export_holds_everything_but_token_hashes(api):

    api.store.access.create_token("exporter", "read")
    api.client.status()
    dump = api.client.export()
    assert dump["format"] == "gumd-export/1"
    assert [p["id"] for p in dump["propositions"]] == [api.pid] and len(dump["observations"]) == 2
    assert [(e["proposition_id"], e["observation_id"]) for e in dump["evidence"]] == [(api.pid, api.obs)]
    assert [t["name"] for t in dump["tokens"]] == ["exporter"] and "token_hash" not in dump["tokens"][0]
    assert any(a["route"] == "/v1/status" for a in dump["audit"])


def test_audit_log_names_client_route_and_status_but_not_the_query(api):
    api.client.search("my secret diagnosis")
    with pytest.raises(ApiError):
        api.client.proposition(987654)
    entries = api.client.audit(limit=10)
    assert [(e["client"], e["method"], e["route"], e["status"]) for e in entries[:2]] == [
        ("local-socket", "GET", "/v1/propositions/{prop_id}", 404),
        ("local-socket", "GET", "/v1/propositions", 200),
    ]
    assert "diagnosis" not in json.dumps(entries)
    assert "diagnosis" not in json.dumps(api.client.export()["audit"])


def test_events_stream_new_propositions(api):
    bus = api.app.state.bus
    prop = api.store.propositions.get(api.pid, with_evidence=False)

    def publish():
        wait_for(lambda: bus.subscribers == 1, 10, interval=0.02, what="a subscriber")
        bus.publish("prediction", {"action": "x"})  # not asked for: filtered out
        bus.publish_proposition(prop)

    threading.Thread(target=publish, daemon=True).start()
    kind, data = next(api.client.events(kinds="proposition", timeout=10))
    assert kind == "proposition" and data["id"] == api.pid and data["text"] == prop.text
    wait_for(lambda: bus.subscribers == 0, 10, interval=0.05, what="the subscription to end")
    assert list(api.client.events(timeout=0.3)) == []  # a timed stream ends by itself
    with pytest.raises(ApiError) as e:
        next(api.client.events(kinds="gossip"))
    assert e.value.code == "invalid_request"


def test_predictions_need_a_predictor(api, tmp_path):
    with pytest.raises(ApiError) as e:
        api.client.predict_next()
    assert e.value.status == 503 and e.value.code == "predictor_unavailable"
    data = tmp_path / "other"
    data.mkdir(mode=0o700)
    store, _, server = serve(data, predictor=FixedPredictor())
    try:
        with Client(data / "gumd.sock") as client:
            prediction = client.predict_next()
            assert prediction["actions"][0]["caption"].startswith("Opened the 'TP 218'")
            assert set(prediction) == {"made_at", "source", "actions", "reasoning", "trace_ids", "id"}
    finally:
        server.stop()
        store.close()


def test_errors_are_json_with_a_stable_code(api):
    with pytest.raises(ApiError) as e:
        api.client.proposition(424242)
    assert e.value.status == 404 and e.value.code == "not_found"
    r = api.raw.get("/v1/propositions", params={"limit": 100000})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request" and "limit" in r.json()["message"]
    assert api.raw.get("/v1/propositions", params={"q": "x" * 501}).status_code == 422
    r = api.raw.get("/v1/nowhere")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    r = api.raw.put("/v1/status")
    assert r.status_code == 405 and r.json()["code"] == "method_not_allowed"
    r = api.raw.patch(f"/v1/propositions/{api.pid}", content=b"{" + b" " * 70_000 + b"}",
                      headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"
    r = api.raw.get("/v1/propositions", params={"q": "x", "pad": "y" * 5000})
    assert r.status_code == 414 and r.json()["code"] == "query_too_long"
    assert api.raw.get("/openapi.json").json()["info"]["title"] == "gumd"


def _raw_get(socket_path, target: str) -> tuple[int, bytes]:
    """GET a request target byte for byte (httpx would normalize the dot segments away)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(str(socket_path))
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: gumd\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


@pytest.mark.parametrize("target", [
    "/dashboard/static/../../../../../../etc/passwd",
    "/dashboard/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/dashboard/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/dashboard/static/%2e%2e%2f%2e%2e%2fgumd.db",
    "/dashboard/static/../../../../store/store.py",
    "/dashboard/static/dashboard.js%00.png",
    "/v1/propositions/..%2f..%2fgumd.db",
    "/v1/../gumd.db",
    "//etc/passwd",
])
def test_path_tricks_reach_no_file_outside_the_dashboard(api, target):
    assert _raw_get(api.data / "gumd.sock", "/dashboard/static/dashboard.js")[0] == 200  # the route serves
    status, answer = _raw_get(api.data / "gumd.sock", target)
    assert status in (400, 401, 404, 422), answer[:300]
    assert b"root:" not in answer and b"SQLite format 3" not in answer and b"import " not in answer


def test_client_says_how_to_start_a_missing_daemon(tmp_path):
    with pytest.raises(DaemonUnavailable, match="gumd run"):
        Client(tmp_path / "none.sock").status()


def test_pause_for_minutes_until_resumed_and_resume(api):
    client = api.client
    assert client.capture_state() == {"state": "capturing", "paused_until": None}
    timed = client.pause(15)
    assert timed["state"] == "paused" and timed["paused_until"] > 0
    assert client.status()["capture"]["state"] == "paused"
    assert client.pause()["paused_until"] is None
    assert client.resume()["state"] == "capturing"
    with pytest.raises(ApiError) as e:
        client.pause(-5)
    assert e.value.status == 422
