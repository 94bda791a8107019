"""`gumd mcp` answers the official MCP client session over stdio, asking a real `gumd run` daemon with its own token."""

import json
import os
import subprocess
import sys
import time

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from gumd.client import Client
from gumd.store import NewObservation, NewProposition, Store
from tests.support.environment import GUMD, REPO, wait_for


@pytest.fixture(scope="module")
def daemon(tmp_path_factory, model_path):
    """A real daemon (capture off, no batches due) over a data dir seeded with what it would have seen."""
    data = tmp_path_factory.mktemp("mcp") / "data"
    data.mkdir(mode=0o700)
    store = Store(data / "gumd.db")
    now = time.time()
    o = store.observations.add(NewObservation(now - 120, now - 110, "firefox", "TAP - Manage booking",
                                              "Booking TP 218 Lisbon, 14 September, seat 23A", "", "test"))
    store.observations.add(NewObservation(now - 30, now - 20, "libreoffice", "aurora-budget.ods",
                                          "Aurora grant budget: spectrograph 48,000 EUR", "", "test"))
    pid = store.propositions.add(NewProposition("The user is flying to Lisbon on TP 218 in September",
                                                "booking page", 8, 4), [o])
    store.close()
    env = {**os.environ, "GUMD_CONFIG": str(data.parent / "none.toml"), "PYTHONPATH": str(REPO)}
    token = subprocess.run([*GUMD, "--data-dir", str(data), "token", "create", "mcp-test", "--scope", "read"],
                           capture_output=True, text=True, timeout=60, env=env, check=True).stdout.strip()
    proc = subprocess.Popen([*GUMD, "--data-dir", str(data), "--set", "batch_interval_s=86400", "run", "--no-capture",
                             "--model", str(model_path)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = Client(data / "gumd.sock")

    def answers():
        try:
            return client.status()
        except ConnectionError:
            return None

    wait_for(answers, 120, what="the daemon's socket")
    yield data, env, token, pid, client
    proc.terminate()
    proc.wait(timeout=60)
    client.close()


def mcp_session(data, env, token):
    params = StdioServerParameters(command=sys.executable, args=["-m", "gumd.cli", "--data-dir", str(data), "mcp"],
                                   env={**env, "GUMD_TOKEN": token}, cwd=str(REPO))
    return stdio_client(params)


def run(coro_fn):
    return anyio.run(coro_fn)


def test_mcp_tools_and_resource_answer_from_the_daemon(daemon):
    data, env, token, pid, client = daemon

    async def session():
        async with mcp_session(data, env, token) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            tools = {t.name for t in (await s.list_tools()).tools}
            context = await s.call_tool("get_user_context", {"query": "Lisbon flight"})
            found = await s.call_tool("search_propositions", {"query": "lisbon", "limit": 5})
            recent = await s.call_tool("recent_activity", {"minutes": 10})
            predicted = await s.call_tool("predict_next_action", {})
            bad = await s.call_tool("search_propositions", {"query": "x", "limit": 500})
            resources = [str(r.uri) for r in (await s.list_resources()).resources]
            current = await s.read_resource("gumd://activity/current")
            return tools, context, found, recent, predicted, bad, resources, current

    tools, context, found, recent, predicted, bad, resources, current = run(session)
    assert tools == {"get_user_context", "search_propositions", "recent_activity", "predict_next_action"}
    assert not context.is_error and "[8] The user is flying to Lisbon on TP 218" in context.content[0].text
    assert "libreoffice - 'aurora-budget.ods'" in context.content[0].text
    assert [p["id"] for p in found.structured_content["propositions"]] == [pid]
    assert [o["app"] for o in recent.structured_content["observations"]] == ["libreoffice", "firefox"]
    assert not predicted.is_error and predicted.structured_content["source"] in ("model", "statistical")
    assert bad.is_error  # limit is bounded by the tool's schema
    assert resources == ["gumd://activity/current"]
    assert json.loads(current.contents[0].text)["title"] == "aurora-budget.ods"
    audit = client.audit(client="mcp-test", limit=20)
    assert {e["route"] for e in audit} >= {"/v1/context", "/v1/propositions", "/v1/observations",
                                          "/v1/predictions/next"}


def test_mcp_with_a_revoked_token_says_so(daemon):
    data, env, token, _, _ = daemon
    store = Store(data / "gumd.db")
    store.access.revoke_token("mcp-test")
    store.close()

    async def session():
        async with mcp_session(data, env, token) as (read, write), ClientSession(read, write) as s:
            await s.initialize()
            return await s.call_tool("get_user_context", {})

    result = run(session)
    assert result.is_error and "token_revoked" in result.content[0].text


def test_mcp_without_a_token_explains_how_to_get_one(daemon):
    data, env, _, _, _ = daemon
    r = subprocess.run([*GUMD, "--data-dir", str(data), "mcp"], env={k: v for k, v in env.items() if k != "GUMD_TOKEN"},
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and "gumd token create mcp --scope read" in r.stderr
