"""gumd end to end on a real X screen: a window with known text, driven by xdotool, the real model."""

import os
import re
import signal
import subprocess
import time

from gumd.client import Client
from tests.support.environment import GUMD, wait_for

NOTE = (
    "Saoirse Lindqvist - Aurora telescope grant proposal\n"
    "Deadline: March 3. Budget: 48,000 EUR for the spectrograph.\n"
    "Co-author: Dr. Okafor (Uppsala). Next: finish section 4, methods.\n"
)
TITLE = "aurora-grant.txt - notes"


def test_screen_to_proposition_served_over_the_socket(xserver, tmp_path, model_path):
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    data = tmp_path / "data"
    env = {**xserver.env, "GUMD_CONFIG": str(tmp_path / "none.toml"), "PYTHONUNBUFFERED": "1"}
    cmd = [*GUMD, "--data-dir", str(data), "--set", "batch_interval_s=2", "--set", "capture_min_interval_s=1",
           "run", "--model", str(model_path)]
    log = open(tmp_path / "daemon.log", "w")
    started = time.monotonic()
    daemon = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        client = Client(data / "gumd.sock")

        def served():
            try:
                return client.status()
            except ConnectionError:
                return None

        wait_for(served, 60, what="the API socket")
        to_api = time.monotonic() - started

        second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "already running" in second.stderr

        changed = time.monotonic()
        xserver.xterm(TITLE, note)  # the screen changes: a new window with the note gets focus
        xserver.run("xdotool", "type", "--delay", "40", "ls")
        def of_note():
            return [o for o in client.observations(limit=50) if "Aurora" in o["text"] and "Lindqvist" in o["text"]]

        obs = wait_for(of_note, 60, what="an observation of the note")[0]
        to_observation = time.monotonic() - changed
        assert obs["app"] == "XTerm" and obs["title"] == TITLE

        def linked():  # the note may have been observed more than once; the model cites one or more of them
            note = {o["id"] for o in of_note()}
            for p in client.search("", limit=50):
                detail = client.proposition(p["id"])
                if note & {e["id"] for e in detail["evidence"]}:
                    return detail
            return None

        prop = wait_for(linked, 240, interval=1, what="a proposition linked to an observation of the note")
        to_proposition = time.monotonic() - changed
        assert 1 <= prop["confidence"] <= 10 and 1 <= prop["decay"] <= 10 and prop["text"].strip()
        word = max(re.findall(r"[A-Za-z]{4,}", prop["text"]), key=len)
        assert prop["id"] in [p["id"] for p in client.search(word)]
        cli = subprocess.run([*GUMD, "--data-dir", str(data), "query", word], env=env, capture_output=True,
                             text=True, timeout=60)
        assert cli.returncode == 0 and prop["text"] in cli.stdout
        print(f"\nE2E: gumd run -> API served {to_api:.1f} s; screen change -> observation {to_observation:.1f} s;"
              f" -> proposition {to_proposition:.1f} s")

        xserver.xterm("second-window - notes", note)  # a switch of window: an action to learn from
        wait_for(lambda: client.predict_next()["actions"], 30, what="a next-action prediction")
        prediction = client.predict_next()
        assert prediction["source"] in ("model", "statistical")
        assert all(0 <= a["confidence"] <= 1 and a["caption"] for a in prediction["actions"])

        paused = subprocess.run([*GUMD, "--data-dir", str(data), "pause", "5"], env=env, capture_output=True,
                                text=True, timeout=60)
        assert paused.returncode == 0 and "paused until" in paused.stdout
        assert client.status()["capture"]["state"] == "paused"

        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=60) == 0
        assert not (data / "gumd.sock").exists()
        assert oct(os.stat(data).st_mode & 0o777) == "0o700"
        assert oct(os.stat(data / "gumd.db").st_mode & 0o777) == "0o600"
    finally:
        if daemon.poll() is None:
            daemon.kill()
        log.close()
