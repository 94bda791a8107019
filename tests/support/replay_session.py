"""A saved session for `gumd replay` (screenshots plus events.jsonl), and the gumd command line to run it."""

import json
import os
import subprocess

from tests.support.environment import GUMD
from tests.support.screens import screen_with


def run_gumd(tmp_path, *args):
    """`gumd --data-dir tmp_path/data ARGS` with no user config; the finished process."""
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    return subprocess.run([*GUMD, "--data-dir", str(tmp_path / "data"), *args], env=env, capture_output=True,
                          text=True, timeout=300)


def make_session(folder):
    """Three frames (two of them identical) in two windows, with input between: a pull request, then notes."""
    folder.mkdir()
    screen_with("Pull request 1423: fix race in scheduler", "Reviewer: Priya Natarajan").save(folder / "a.png")
    screen_with("Pull request 1423: fix race in scheduler", "Reviewer: Priya Natarajan").save(folder / "b.png")
    screen_with("Standup notes: ship release 2.4 by Friday 16:00", "Manager: Tomasz Nowak").save(folder / "c.png")
    events = [
        {"t": 1000.0, "type": "focus", "app": "firefox", "title": "PR 1423 - GitHub"},
        {"t": 1001.0, "type": "frame", "file": "a.png"},
        {"t": 1003.0, "type": "frame", "file": "b.png"},
        {"t": 1009.0, "type": "input", "started": 1005.0, "keys": 30, "shortcuts": ["ctrl+l"]},
        {"t": 1010.0, "type": "focus", "app": "obsidian", "title": "standup.md"},
        {"t": 1011.0, "type": "frame", "file": "c.png"},
    ]
    (folder / "events.jsonl").write_text("\n".join(json.dumps(e) for e in reversed(events)) + "\n")
