"""Commands read from a real xterm under Xvfb by a real `gumd run`: what the user typed and ran is an action;
lines a file printed, a pager page and scrollback are not."""

from __future__ import annotations

import shlex

import pytest

from gumd.store.database import connect
from tests.support.daemon import gumd_run
from tests.support.environment import require, wait_for

pytestmark = pytest.mark.slow
PROMPT = "me@box:~$ "
PRINTED = """Commands you may need:
  $ make install
  # installed? enabled? does the daemon answer?
  gumd doctor        # installed? enabled? does the daemon answer?
  root@server:~# rm -rf /var/cache/gumd
  > echo a token for one client
  % ls -la
"""
TYPED = ["cat cmds.txt", "less cmds.txt", "echo done"]


def commands(data) -> list[str]:
    """The command actions the daemon stored, read without taking its database's write lock."""
    conn = connect(data / "gumd.db", read_only=True)
    try:
        return [r[0] for r in conn.execute("SELECT target FROM actions WHERE kind = 'command' ORDER BY at, id")]
    finally:
        conn.close()


def pager_page_seen(client, after: int) -> bool:
    """Whether a screen captured after observation `after` shows the file in the pager (no shell prompt on it)."""
    return any(o["id"] > after and "Commands you may need" in o["text"] and "me@box" not in o["text"]
               for o in client.observations(limit=20))


def test_typed_commands_are_actions_and_text_that_cat_or_less_shows_is_not(xserver, model_path, tmp_path):
    (tmp_path / "cmds.txt").write_text(PRINTED * 2)
    shell = ["env", f"PS1={PROMPT}", "HISTFILE=/dev/null", "bash", "--norc", "--noprofile", "-i"]
    require("less")  # the test pages a file in the terminal
    xserver.spawn(require("xterm"), "-fa", "DejaVu Sans Mono", "-fs", "14", "-geometry", "90x28+0+0",
                  "-T", "nap shell", "-e", "sh", "-c", f"cd {tmp_path} && exec {shlex.join(shell)}")
    xserver.run("xdotool", "windowactivate", "--sync", xserver.window("nap shell"))
    env = {**xserver.env, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    settings = ("capture_min_interval_s=0.5", "capture_heartbeat_s=2", "capture_idle_s=60", "capture_cpu_budget=0")
    with gumd_run(tmp_path, tmp_path / "data", env, model_path, settings=settings) as daemon:

        def type_line(keys: str) -> None:
            xserver.run("xdotool", "type", "--delay", "40", keys)
            xserver.run("xdotool", "key", "Return")

        type_line("cat cmds.txt")
        wait_for(lambda: "cat cmds.txt" in commands(daemon.data), 90, interval=1, what="`cat cmds.txt` as a command")
        before = daemon.client.observations(limit=1)[0]["id"]
        type_line("less cmds.txt")
        wait_for(lambda: pager_page_seen(daemon.client, after=before), 60, what="the pager's page captured")
        xserver.run("xdotool", "key", "q")
        type_line("echo done")
        wait_for(lambda: "echo done" in commands(daemon.data), 90, interval=1, what="`echo done` as a command")
    assert commands(tmp_path / "data") == TYPED
