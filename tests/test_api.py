"""The REST API served by real uvicorn on a temporary unix socket, read with the real client."""

import os
import stat

import httpx
import pytest

from gumd.api.app import create_app
from gumd.api.server import SocketServer
from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.privacy import CaptureControl
from gumd.store import NewObservation, NewProposition, Store


@pytest.fixture
def served(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    store = Store(data / "gumd.db")
    o = store.add_observation(NewObservation(100.0, 105.0, "thunderbird", "Inbox", "Flight TP 218 to Lisbon", "", "test"))
    store.add_observation(NewObservation(200.0, 205.0, "code", "main.rs", "fn main()", "", "test"))
    pid = store.add_proposition(NewProposition("The user is flying to Lisbon on TP 218", "mail", 8, 4), [o])
    control = CaptureControl(enabled=True)
    server = SocketServer(create_app(store, lambda: {"capture": control.state()}, control), data / "gumd.sock")
    server.start()
    with Client(data / "gumd.sock") as client:
        yield client, pid, o, data / "gumd.sock"
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


def test_status_counts_what_is_stored(served):
    client, *_ = served
    st = client.status()
    assert st["propositions"] == 1 and st["observations"] == {"pending": 2} and st["capture"]["state"] == "capturing"


def test_search_and_one_proposition_with_its_evidence(served):
    client, pid, obs_id, _ = served
    hits = client.search("lisbon")
    assert [h["id"] for h in hits] == [pid] and hits[0]["score"] > 0 and hits[0]["evidence_count"] == 1
    assert client.search("nothing-like-this") == []
    one = client.proposition(pid)
    assert one["text"].startswith("The user is flying") and [e["id"] for e in one["evidence"]] == [obs_id]


def test_observations_filter_by_app_and_time(served):
    client, *_ = served
    assert [o["app"] for o in client.observations()] == ["code", "thunderbird"]
    assert [o["app"] for o in client.observations(app="thunderbird")] == ["thunderbird"]
    assert [o["app"] for o in client.observations(since=150)] == ["code"]


def test_errors_are_json_with_a_stable_code(served):
    client, _, _, sock = served
    with pytest.raises(ApiError) as e:
        client.proposition(424242)
    assert e.value.status == 404 and e.value.code == "not_found"
    raw = httpx.Client(transport=httpx.HTTPTransport(uds=str(sock)), base_url="http://gumd")
    r = raw.get("/v1/propositions", params={"limit": 100000})
    assert r.status_code == 422 and r.json()["code"] == "invalid_request" and "limit" in r.json()["message"]
    r = raw.get("/v1/propositions", params={"q": "x" * 501})
    assert r.status_code == 422
    assert raw.get("/openapi.json").json()["info"]["title"] == "gumd"


def test_client_says_how_to_start_a_missing_daemon(tmp_path):
    with pytest.raises(DaemonUnavailable, match="gumd run"):
        Client(tmp_path / "none.sock").status()


def test_pause_for_minutes_until_resumed_and_resume(served):
    client, *_ = served
    assert client.capture_state() == {"state": "capturing", "paused_until": None}
    timed = client.pause(15)
    assert timed["state"] == "paused" and timed["paused_until"] > 0
    assert client.status()["capture"]["state"] == "paused"
    assert client.pause()["paused_until"] is None
    assert client.resume()["state"] == "capturing"
    with pytest.raises(ApiError) as e:
        client.pause(-5)
    assert e.value.status == 422
