"""Crash safety: kill -9 a real daemon at random points, over and over, while observations arrive and
batches are inside the model; after every kill the database is intact, and in the end every observation
was processed exactly once.

The model here is an OpenAI-compatible stub on loopback (real HTTP, real daemon, real SQLite) answering
in 0-0.3 s, so kills land in every phase: start-up, claiming, waiting on the model, committing. The real
model's kill -9 mid-batch is tests/system/test_lifecycle.py::test_kill_9_mid_batch_then_restart_resumes_the_work.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sqlite3
import time

from gumd.models.embed import OnnxEmbedder, packaged_minilm_path
from gumd.propositions.calibrate import Calibrator
from gumd.propositions.passages import absolute
from gumd.store import NewObservation, Store
from tests.support.daemon import DaemonProcess, unit_command, write_config
from tests.support.environment import wait_for
from tests.support.model_server import LoopbackServer, ProposingServer

KILLS = 20
WORDS = ("quartz harbor violet canyon ember lattice juniper falcon meadow cobalt saffron glacier orchid "
         "tundra marble pepper willow beacon thistle copper").split()


DIGITS = "zero one two three four five six seven eight nine".split()


def _add_observations(db_path, rng: random.Random, first: int, count: int) -> list[int]:
    """Observations as the capture pipeline stores them, each with a unique title the stub echoes back and a
    dated line of its own (not chrome), so that each activity goes to the model."""
    store = Store(db_path)
    try:
        now = time.time()
        ids = []
        for i in range(count):
            # the dated line names the observation in letters: a line shown in two windows would be chrome
            name = " ".join(DIGITS[int(d)] for d in str(first + i))
            ids.append(store.observations.add(NewObservation(
                now + i, now + i + 5, "Firefox", f"ledger {first + i} {' '.join(rng.sample(WORDS, 3))}",
                f"screen text of a page\nreport {name} is due tomorrow", "12 keys", "screen")))
        return ids
    finally:
        store.close()


def _integrity(db_path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_twenty_kill_9s_lose_nothing_and_process_nothing_twice(tmp_path, model_path):
    rng = random.Random(10)
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    db = data / "gumd.db"
    # The embedder's ONNX graph is exported once, before the kills: an export (seconds on a busy machine) killed
    # at every start would keep batches from ever reaching the model
    OnnxEmbedder(packaged_minilm_path(), cache_dir=data / "models", threads=1).embed(["warm"])
    ProposingServer.mode, ProposingServer.delay_s = "ok", (0.0, 0.3)
    with LoopbackServer(ProposingServer) as server:
        config = write_config(tmp_path / "config.toml", model_path, model_url=server.url + "/v1", model="stub",
                              batch_interval_s=0.2, batch_max_observations=3)
        cmd, env = unit_command(tmp_path, data, config)
        ids: list[int] = []
        killed_busy = 0
        for round_ in range(KILLS):
            ids += _add_observations(db, rng, len(ids), rng.randint(2, 6))
            daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
            try:
                if round_ % 5 != 4:  # every fifth kill lands in start-up
                    client = daemon.client(data / "gumd.sock")
                    time.sleep(rng.uniform(0, 1.5))
                    killed_busy += client.status()["engine"]["busy"]
                else:
                    time.sleep(rng.uniform(0, 2.0))
            finally:
                daemon.close()  # SIGKILL
            assert _integrity(db) == "ok", f"after kill {round_ + 1}"
        assert killed_busy, "no kill landed while a batch was inside the model"

        daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
        try:
            daemon.client(data / "gumd.sock")
            wait_for(lambda: _all_done(db, ids), 120, interval=0.5, what="every observation processed")
        finally:
            daemon.close()

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM observations").fetchone()[0] == len(ids)  # none lost, none added
        # Each observation is the evidence of exactly one of the model's propositions. (A daemon that lives
        # past a minute also writes behaviour statistics, whose evidence is the latest observations of an app.)
        links = dict(conn.execute("SELECT e.observation_id, COUNT(*) FROM evidence e JOIN propositions p "
                                  "ON p.id = e.proposition_id WHERE p.origin = 'model' GROUP BY e.observation_id"))
        odd = sorted(i for i in ids if links.get(i) != 1)
        assert not odd, _explain(conn, odd, links, tmp_path / "daemon.log")
        # the stub's proposition for an activity says its window title; one judged a duplicate of an existing
        # proposition (cosine >= 0.95) supports that one instead, raising its confidence once per new link above
        # the confidence its evidence gave it at first
        titles = dict(conn.execute("SELECT id, title FROM observations"))
        seen = dict(conn.execute("SELECT id, started_at FROM observations"))
        calibrator = Calibrator.packaged()
        model_props = "SELECT id, text, confidence, grounding FROM propositions WHERE origin = 'model'"
        for pid, text, confidence, grounding in conn.execute(model_props):
            evidence = [o for (o,) in conn.execute("SELECT observation_id FROM evidence WHERE proposition_id = ?",
                                                   [pid])]
            # "tomorrow" is stored as the date after the day the activity began (at or before its evidence)
            assert text in {absolute(f"The user is working on {titles[o]} by tomorrow.", "",
                                     dt.date.fromtimestamp(seen[o]) - dt.timedelta(days=back))
                            for o in evidence for back in (0, 1)}
            start = calibrator.confidence(json.loads(grounding)["features"])
            assert start <= confidence <= min(10, start + len(evidence) - 1), (text, confidence, start, evidence)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    print(f"\n{KILLS} kill -9s ({killed_busy} with a batch in the model), {len(ids)} observations, each processed once")


def _explain(conn, odd: list[int], links: dict[int, int], log_path) -> str:
    """What the database and the daemon's log say of observations without exactly one model proposition."""
    lines = []
    for i in odd:
        status, batch = conn.execute("SELECT status, batch_id FROM observations WHERE id = ?", [i]).fetchone()
        linked = conn.execute("SELECT p.id, p.origin, p.status, p.text FROM evidence e JOIN propositions p "
                              "ON p.id = e.proposition_id WHERE e.observation_id = ?", [i]).fetchall()
        lines.append(f"observation {i}: {links.get(i, 0)} model links, status {status}, batch {batch}, "
                     f"batch row {conn.execute('SELECT * FROM batches WHERE id = ?', [batch]).fetchone()}, "
                     f"evidence of {linked}")
    logged = [line for line in log_path.read_text().splitlines() if "batch" in line or "ERROR" in line]
    return "\n".join(lines + ["daemon log (batches):"] + logged[-60:])


def _all_done(db, ids) -> bool:
    conn = sqlite3.connect(db)
    try:
        statuses = dict(conn.execute("SELECT id, status FROM observations"))
    finally:
        conn.close()
    return all(statuses.get(i) == "done" for i in ids)
