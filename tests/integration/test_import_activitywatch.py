"""`gumd import activitywatch` against a real aw-server on loopback, seeded through aw-client.

aw-server and aw-client pin platformdirs==3.10 (gumd needs >= 4), so they live in their own
virtual environment, `.venv-aw` (made by `scripts/setup --test`); set GUMD_AW_PYTHON to use another.
The last test runs the imported session through the propositions engine with the packaged model.
"""

import json
import os
import socket
import subprocess
import textwrap
from pathlib import Path

import httpx
import pytest

from gumd.models.lm import LlamaCppModel
from gumd.propositions.engine import Engine
from gumd.store import Store
from tests.support.environment import GUMD, REPO, wait_for

T0 = 1795000000.0  # 2026-11-19 09:46:40 UTC

SEED = textwrap.dedent('''
    import sys
    from datetime import datetime, timedelta, timezone
    from aw_client import ActivityWatchClient
    from aw_core.models import Event

    port, t0 = int(sys.argv[1]), float(sys.argv[2])
    at = lambda s: datetime.fromtimestamp(t0 + s, timezone.utc)
    c = ActivityWatchClient("gumd-test", testing=True, host="127.0.0.1", port=port)
    win, afk, web = "aw-watcher-window_gumdhost", "aw-watcher-afk_gumdhost", "aw-watcher-web-firefox"
    c.create_bucket(win, event_type="currentwindow")
    c.create_bucket(afk, event_type="afkstatus")
    c.create_bucket(web, event_type="web.tab.current")
    # the window watcher's way: a heartbeat every second, merged by the server within pulsetime
    for s in range(0, 121):
        c.heartbeat(win, Event(timestamp=at(s), data={"app": "code", "title": "planner.py - tidewater"}), pulsetime=2)
    for s in range(121, 301):
        c.heartbeat(win, Event(timestamp=at(s), data={"app": "firefox", "title": "Ferry timetable - Mozilla Firefox"}),
                    pulsetime=2)
    c.insert_event(win, Event(timestamp=at(301), duration=60, data={"app": "KeePassXC", "title": "Vaultsecretname.kdbx"}))
    c.insert_event(win, Event(timestamp=at(361), duration=600, data={"app": "code", "title": "planner.py - tidewater"}))
    c.insert_event(afk, Event(timestamp=at(0), duration=661, data={"status": "not-afk"}))
    c.insert_event(afk, Event(timestamp=at(661), duration=300, data={"status": "afk"}))
    c.insert_event(web, Event(timestamp=at(121), duration=180, data={
        "url": "https://ferries.example/timetable?session=abc123", "title": "Ferry timetable", "audible": False,
        "incognito": False}))
    c.insert_event(web, Event(timestamp=at(400), duration=100, data={
        "url": "https://gifts.example/", "title": "Incognitogift ideas", "audible": False, "incognito": True}))
''')


def aw_python() -> str:
    path = os.environ.get("GUMD_AW_PYTHON") or str(REPO / ".venv-aw" / "bin" / "python")
    if not Path(path).exists():
        pytest.fail(f"{path} is missing: run scripts/setup --test (it makes .venv-aw with aw-server and aw-client)",
                    pytrace=False)
    return path


@pytest.fixture(scope="module")
def aw_server(tmp_path_factory):
    """aw-server (testing mode) on a free loopback port, its data under a temporary XDG home, seeded."""
    python = aw_python()
    home = tmp_path_factory.mktemp("aw")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_CACHE_HOME": str(home / "cache")}
    log = open(home / "aw-server.log", "w")
    server = subprocess.Popen([python, "-m", "aw_server", "--testing", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up():
        assert server.poll() is None, (home / "aw-server.log").read_text()[-2000:]
        try:
            return httpx.get(url + "/api/0/info", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False
    try:
        wait_for(up, 60, what="aw-server")
        seed = subprocess.run([python, "-c", SEED, str(port), str(T0)], env=env, capture_output=True, text=True,
                              timeout=120)
        assert seed.returncode == 0, seed.stderr[-2000:]
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def gumd(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GUMD_CONFIG": str(data.parent / "none.toml")}
    return subprocess.run([*GUMD, "--data-dir", str(data), *args], env=env, capture_output=True, text=True, timeout=120)


def spans_of(data: Path) -> list[tuple]:
    store = Store(data / "gumd.db")
    try:
        spans = store.capture.list_spans(limit=1000)
        obs = store.observations.newest(limit=100)
    finally:
        store.close()
    return sorted((s.started_at - T0, s.ended_at - T0, s.app, s.title, s.page_title) for s in spans), obs


EXPECTED = [
    (0.0, 120.0, "code", "planner.py - tidewater", ""),
    (121.0, 300.0, "firefox", "Ferry timetable - Mozilla Firefox", ""),
    (121.0, 301.0, "firefox", "Ferry timetable", "Ferry timetable"),
    (361.0, 661.0, "code", "planner.py - tidewater", ""),  # cut where the user went away
]


def test_import_from_a_running_aw_server_yields_the_expected_spans(aw_server, tmp_path):
    data = tmp_path / "data"
    out = gumd(data, "import", "activitywatch", aw_server)
    assert out.returncode == 0, out.stderr
    assert "2 excluded" in out.stdout  # the password manager window and the incognito tab
    spans, obs = spans_of(data)
    assert spans == EXPECTED
    assert len(obs) == 1 and obs[0].source == "import" and obs[0].status == "pending"
    assert "planner.py - tidewater" in obs[0].text and "Ferry timetable" in obs[0].text
    raw = (data / "gumd.db").read_bytes().lower()
    assert b"vaultsecretname" not in raw and b"incognitogift" not in raw and b"abc123" not in raw
    again = gumd(data, "import", "activitywatch", aw_server)
    assert again.returncode == 0 and "imported 0 events" in again.stdout
    assert spans_of(data)[0] == EXPECTED


def test_import_from_an_export_file_yields_the_same_spans(aw_server, tmp_path):
    export = tmp_path / "aw-export.json"
    export.write_text(httpx.get(aw_server + "/api/0/export", timeout=30).text)
    assert set(json.loads(export.read_text())["buckets"]) >= {"aw-watcher-window_gumdhost"}
    data = tmp_path / "data"
    out = gumd(data, "import", "activitywatch", str(export))
    assert out.returncode == 0, out.stderr
    assert spans_of(data)[0] == EXPECTED


def test_a_file_that_is_not_an_export_fails_with_one_line(tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"events": []}')
    out = gumd(tmp_path / "data", "import", "activitywatch", str(bad))
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "no top-level 'buckets'" in out.stderr


def test_imported_history_tells_the_user_model_the_programs_worked_in(aw_server, tmp_path, model_path):
    data = tmp_path / "data"
    assert gumd(data, "import", "activitywatch", aw_server).returncode == 0
    store = Store(data / "gumd.db")
    try:
        (imported,) = store.observations.newest(limit=10)
        outcome = Engine(store, lambda: LlamaCppModel(model_path, threads=2, context=4096)).run_once()
        assert outcome.error is None
        believed = {store.propositions.get(i).text: store.propositions.get(i) for i in outcome.propositions}
        tool = believed["The user works in code on planner.py (tidewater)."]  # 12 minutes in focus, the user there
        assert [o.id for o in tool.evidence] == [imported.id] and tool.grounding["kind"] == "tool"
        assert not any("Ferry" in text for text in believed)  # a browser page is no tool
    finally:
        store.close()
