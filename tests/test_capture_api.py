"""The capture routes (forget, rules, check, spans) on real uvicorn over a unix socket, through the real client."""

import time

import pytest

from gumd.api.app import create_app
from gumd.api.server import SocketServer
from gumd.client import ApiError, Client
from gumd.privacy import CaptureControl, Exclusions
from gumd.store import NewObservation, NewProposition, Store
from gumd.store.capture import CaptureStore, FocusSpan


@pytest.fixture
def served(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    store = Store(data / "gumd.db")
    control = CaptureControl()
    events = []
    # what the daemon does when told: rebuild the exclusions from the stored rules, drop what it holds in memory
    control.listen(
        rules_changed=lambda: setattr(control, "exclusions", Exclusions.build(
            apps=[r.pattern for r in CaptureStore(store).rules("app")],
            title_patterns=[r.pattern for r in CaptureStore(store).rules("title")])),
        forgotten=lambda until, ids: events.append((until, ids)),
    )
    server = SocketServer(create_app(store, dict, control), data / "gumd.sock")
    server.start()
    with Client(data / "gumd.sock") as client:
        yield client, store, events
    server.stop()
    store.close()


def test_rules_are_checked_added_applied_at_once_and_removed(served):
    client, _, _ = served
    assert client.would_capture("Signal", "Chats")["captured"] is True
    rule = client.add_capture_rule("app", "signal")
    assert client.would_capture("Signal", "Chats") == {"captured": False, "state": "capturing", "rule": "app signal"}
    client.add_capture_rule("redact", r"ACME-\d{6}")
    assert [(r["kind"], r["pattern"]) for r in client.capture_rules()] == [("app", "signal"), ("redact", r"ACME-\d{6}")]
    with pytest.raises(ApiError) as e:
        client.add_capture_rule("title", "(unclosed")
    assert e.value.status == 422 and e.value.code == "invalid_rule" and "not a valid regular expression" in str(e.value)
    with pytest.raises(ApiError) as e:
        client.add_capture_rule("window", "x")
    assert e.value.code == "invalid_rule"
    client.remove_capture_rule(rule["id"])
    assert client.would_capture("Signal", "Chats")["captured"] is True
    with pytest.raises(ApiError) as e:
        client.remove_capture_rule(rule["id"])
    assert e.value.status == 404 and e.value.code == "not_found"


def test_forget_the_last_minutes_over_the_api(served):
    client, store, events = served
    now = time.time()
    old = store.add_observation(NewObservation(now - 3600, now - 3590, "code", "a.py", "an hour ago", "", "test"))
    new = store.add_observation(NewObservation(now - 120, now - 110, "code", "b.py", "Zanzibarquux notes", "", "test"))
    store.add_proposition(NewProposition("Writes Zanzibarquux notes", "seen", 6, 5), [new])
    CaptureStore(store).add_spans([FocusSpan(now - 200, now - 100, "code", "b.py")])
    # what the next-action predictor derived from that screen: an action, a trace and a prediction quoting it
    store.db["actions"].insert({"at": now - 110, "kind": "command", "app": "code", "caption": "Saved b.py",
                                "screen_text": "Zanzibarquux notes", "created_at": now})
    store.db["traces"].insert({"context": "Zanzibarquux notes", "next_action": "Saved b.py", "ended_at": now - 100,
                               "created_at": now})
    store.db["predictions"].insert({"made_at": now - 100, "source": "model", "action_key": "k", "raw_confidence": 0.5,
                                    "confidence": 0.5, "context": "Zanzibarquux notes"})
    store.db.conn.commit()
    out = client.forget(minutes=10)
    assert (out["observations"], out["propositions"], out["focus_spans"], out["actions"]) == (1, 1, 1, 1)
    assert [o["id"] for o in client.observations()] == [old]
    assert b"zanzibarquux" not in (store.path.read_bytes() + store.path.with_name("gumd.db-wal").read_bytes()).lower()
    assert client.search("Zanzibarquux") == [] and client.focus_spans() == []
    assert events == [(out["until"], (new,))]
    with pytest.raises(ApiError) as e:
        client.forget()
    assert e.value.status == 422 and "minutes or since" in str(e.value)


def test_forget_everything_from_one_app(served):
    client, store, _ = served
    now = time.time()
    kept = store.add_observation(NewObservation(now - 9000, now - 8990, "code", "a.py", "editor text", "", "test"))
    gone = store.add_observation(NewObservation(now - 9000, now - 8990, "signal", "Chats", "Quokkaberry chat", "", "test"))
    store.add_proposition(NewProposition("Chats about Quokkaberry", "seen", 6, 5), [gone])
    CaptureStore(store).add_spans([FocusSpan(now - 9100, now - 8900, "signal", "Chats"),
                                   FocusSpan(now - 9100, now - 8900, "code", "a.py")])
    out = client.forget(app="signal")
    assert (out["observations"], out["propositions"], out["focus_spans"]) == (1, 1, 1)
    assert [o["id"] for o in client.observations()] == [kept]
    assert [s["app"] for s in client.focus_spans()] == ["code"] and client.search("Quokkaberry") == []


def test_focus_spans_newest_first_with_durations(served):
    client, store, _ = served
    CaptureStore(store).add_spans([FocusSpan(100, 160, "firefox", "Inbox - Chromium", "Inbox"),
                                   FocusSpan(160, 170, "xterm", "shell")])
    spans = client.focus_spans()
    assert [(s["app"], s["duration"], s["page_title"]) for s in spans] == [("xterm", 10, ""), ("firefox", 60, "Inbox")]
    assert [s["app"] for s in client.focus_spans(since=165)] == ["xterm"]
