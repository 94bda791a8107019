"""Schemathesis generates requests from the served OpenAPI schema; no answer may be a 5xx.

Real uvicorn on loopback TCP with a write token, over a store with a few
observations and propositions so that ids and searches hit real rows.
"""

import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from gumd.api.app import create_app
from gumd.api.server import LoopbackServer
from gumd.nap.predict import PredictedAction, Prediction
from gumd.privacy import CaptureControl
from gumd.store import NewObservation, NewProposition, Store


class FixedPredictor:
    """Wired so that /v1/predictions/next answers, as gumd.nap's service does; its documented 503s are tested in
    test_api.py."""

    def predict_next(self) -> dict:
        action = PredictedAction("open", "libreoffice", "budget.ods", "Opened the grant budget in LibreOffice Calc",
                                 0.3, 0.3)
        return asdict(Prediction(made_at=time.time(), source="statistical", actions=[action]))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    data = tmp_path_factory.mktemp("schema")
    store = Store(data / "gumd.db")
    now = time.time()
    obs = [store.observations.add(NewObservation(now - 600 + i, now - 590 + i, app, f"{app} window", text, "", "test"))
           for i, (app, text) in enumerate([("firefox", "Lisbon flights TP 218"), ("code", "def main(): pass"),
                                             ("thunderbird", "Re: grant budget 48,000 EUR")])]
    for i in range(30):
        store.propositions.add(NewProposition(f"The user works on topic {i} in Lisbon", "seen on screen",
                                              1 + i % 10, 1 + (i * 3) % 10), obs[i % 3: i % 3 + 1])
    _, token = store.access.create_token("schemathesis", "write")
    control = CaptureControl()
    server = LoopbackServer(create_app(store, lambda: {"capture": control.state()}, control,
                                       predictor=FixedPredictor()), 0)
    server.start()
    yield f"http://127.0.0.1:{server.port}", {"Authorization": f"Bearer {token}"}
    server.stop()
    store.close()


def app_schema() -> dict:
    """The OpenAPI schema the app serves. Built at import, because schemathesis 4.32's lazy
    `from_fixture` loader fails under pytest 9 (it reads a private `_nodeid`)."""
    with tempfile.TemporaryDirectory() as d:
        store = Store(Path(d) / "g.db")
        try:
            return create_app(store, dict, CaptureControl()).openapi()
        finally:
            store.close()


RAW_SCHEMA = app_schema()
schema = schemathesis.openapi.from_dict(RAW_SCHEMA).exclude(path="/v1/events")  # a stream never ends


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_the_schema_allows_gets_a_server_error(case, served):
    base, auth = served
    case.call_and_validate(
        base_url=base, headers=auth, timeout=30,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )


def test_the_fuzzed_schema_is_the_served_one_and_covers_every_route(served):
    base, auth = served
    assert httpx.get(f"{base}/openapi.json", headers=auth).json() == RAW_SCHEMA
    paths = set(RAW_SCHEMA["paths"])
    assert {"/v1/status", "/v1/propositions", "/v1/propositions/{prop_id}", "/v1/propositions/{prop_id}/history",
            "/v1/propositions/{prop_id}/confirm", "/v1/propositions/{prop_id}/reject", "/v1/observations",
            "/v1/context", "/v1/predictions/next", "/v1/events", "/v1/export", "/v1/audit",
            "/v1/capture", "/v1/capture/pause", "/v1/capture/resume"} <= paths
    assert RAW_SCHEMA["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
