"""Capture on a real two-monitor X screen (Xvfb split by xrandr) driven by xdotool, through a real `gumd run`."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from gumd.api.schemas import CaptureStatus, EngineStatus, StatusOut
from gumd.client import Client
from gumd.observers.screen import Screen
from gumd.observers.window import X11Backend
from tests.support.environment import GUMD, require, wait_for
from tests.support.xserver import XServer, start_window_manager


@pytest.fixture(scope="module")
def multihead():
    """Xvfb 2560x800 split into two 1280x800 monitors with `xrandr --setmonitor`, and openbox."""
    xvfb, xrandr = require("Xvfb"), require("xrandr")
    number = next(n for n in range(400, 700)
                  if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists())
    # -noreset: Xvfb otherwise resets when its last client leaves, and the monitors set by xrandr go with it
    server = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "2560x800x24", "-nolisten", "tcp", "-noreset"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    x = XServer(f":{number}", [server])
    try:
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{number}").exists() or server.poll() is not None, 10, what="Xvfb")
        assert server.poll() is None, f"Xvfb :{number} exited with {server.returncode}"
        x.run(xrandr, "--setmonitor", "left", "1280/338x800/211+0+0", "screen")
        x.run(xrandr, "--setmonitor", "right", "1280/338x800/211+1280+0", "none")
        assert "Monitors: 2" in x.run(xrandr, "--listmonitors").stdout
        start_window_manager(x)
        yield x
    finally:
        x.stop()


def term(x: XServer, title: str, text: str, tmp: Path, where: str = "+0+0", command: str = "") -> str:
    """An xterm at `where` showing `text` (then running `command`, else waiting); returns its window id."""
    f = tmp / f"{abs(hash(title))}.txt"
    f.write_text(text)
    x.spawn(require("xterm"), "-fa", "DejaVu Sans Mono", "-fs", "14", "-geometry", f"80x20{where}", "-T", title,
            "-e", "bash", "-c", f"cat {f}; {command or 'exec sleep 600'}")
    wid = x.window(re.escape(title))
    x.run("xdotool", "windowactivate", "--sync", wid)
    return wid


def data_bytes(data: Path) -> bytes:
    """Every byte gumd wrote in its data dir (database, WAL, log, anything else), lowercased."""
    return b"".join(p.read_bytes() for p in data.rglob("*") if p.is_file()).lower()


class Daemon:
    def __init__(self, x: XServer, data: Path, tmp: Path, model_path: Path, *settings: str):
        self.x, self.data, self.tmp = x, data, tmp
        self.env = {**x.env, "GUMD_CONFIG": str(tmp / "none.toml"), "PYTHONUNBUFFERED": "1"}
        # No CPU budget unless a test sets one: on a busy test machine it would defer the captures tests wait for.
        settings = ("capture_min_interval_s=0.5", "capture_heartbeat_s=3", "capture_idle_s=30",
                    "capture_cpu_budget=0", *settings)
        self.cmd = [*GUMD, "--data-dir", str(data), "--set", "batch_interval_s=86400",
                    *[a for s in settings for a in ("--set", s)], "run", "--model", str(model_path)]
        self.proc = None
        self.client = Client(data / "gumd.sock")

    def start(self) -> None:
        self.log = open(self.tmp / "daemon.log", "a")
        self.proc = subprocess.Popen(self.cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)

        def up():
            try:
                return self.client.status()
            except ConnectionError:
                assert self.proc.poll() is None, (self.tmp / "daemon.log").read_text()[-3000:]
                return None
        wait_for(up, 90, what="the daemon's API")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=60) == 0
        self.log.close()

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*GUMD, "--data-dir", str(self.data), *args], env=self.env, capture_output=True,
                              text=True, timeout=60)

    def texts(self) -> str:
        return "\n".join(o["title"] + "\n" + o["text"] for o in self.client.observations(limit=200))

    def type(self, text: str) -> None:
        self.x.run("xdotool", "type", "--delay", "30", text)


@pytest.fixture(scope="module")
def daemon(multihead, tmp_path_factory, model_path):
    tmp = tmp_path_factory.mktemp("capture")
    d = Daemon(multihead, tmp / "data", tmp, model_path)
    d.start()
    yield d
    if d.proc.poll() is None:
        d.stop()


def test_every_monitor_is_grabbed_the_focused_one_first(multihead, tmp_path, monkeypatch):
    monkeypatch.setenv("DISPLAY", multihead.display)
    term(multihead, "right-hand notes", "on the right\n", tmp_path, where="+1300+40")
    backend = X11Backend()
    focused = backend.active_window()
    left, top, width, height = focused.rect
    assert focused.title == "right-hand notes" and left >= 1280
    assert any(w.title == "right-hand notes" for w in backend.visible_windows())
    screen = Screen()
    frames = screen.grab("test", (left + width // 2, top + height // 2))
    screen.close()
    assert [(f.origin, f.image.size) for f in frames] == [((1280, 0), (1280, 800)), ((0, 0), (1280, 800))]


def test_status_fills_every_field_of_its_schema_and_no_other(daemon):
    status = daemon.client.status()
    StatusOut.model_validate(status)  # extra="forbid" throughout: a field the schema lacks fails here
    assert set(status["capture"]) == set(CaptureStatus.model_fields)
    assert set(status["engine"]) == set(EngineStatus.model_fields)
    assert status["capture"]["display"] == "connected"


def test_excluded_windows_never_reach_the_store(daemon, tmp_path):
    rule = daemon.client.add_capture_rule("title", r"ledger of zyx")
    assert daemon.client.would_capture("XTerm", "Ledger of Zyxwv") == {
        "captured": False, "state": "capturing", "rule": "title /ledger of zyx/"}
    term(daemon.x, "Ledger of Zyxwv", "ZYXWV-HIDDEN-LEDGER balance 991\n", tmp_path, where="+40+40")
    term(daemon.x, "Bank - Private Browsing", "PRIVATEBANK-HIDDEN statement\n", tmp_path, where="+40+420")
    term(daemon.x, "marigold notes", "Plain notes about Marigold fields\n", tmp_path, where="+1300+40")
    daemon.type("ls")
    wait_for(lambda: "Marigold" in daemon.texts(), 60, what="the visible window's text")
    daemon.x.run("xdotool", "windowactivate", "--sync", daemon.x.window("Ledger of Zyxwv"))
    daemon.type("echo more")
    time.sleep(3)
    status = daemon.client.status()["capture"]
    assert status["frames_blanked"] >= 1 and status["excluded"] >= 1
    raw = data_bytes(daemon.data)
    for hidden in (b"zyxwv", b"privatebank", b"hidden"):
        assert hidden not in raw
    daemon.client.remove_capture_rule(rule["id"])


def test_private_browser_windows_are_never_captured_and_page_titles_are_kept(daemon, tmp_path):
    chromium = require("chromium")
    flags = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--window-size=1200,700"]
    daemon.x.spawn(chromium, *flags, "--incognito", f"--user-data-dir={tmp_path / 'inc'}", "--window-position=0,0",
                   "data:text/html,<title>Quetzal Surprise</title><h1>INCOGNITOBODY gift list</h1>")
    daemon.x.spawn(chromium, *flags, f"--user-data-dir={tmp_path / 'norm'}", "--window-position=1300,0",
                   "data:text/html,<title>Walrus Almanac</title><h1>Almanac of walruses</h1>")
    wid = daemon.x.window("Walrus Almanac", timeout=60)
    daemon.x.window("Quetzal Surprise", timeout=60)
    daemon.x.run("xdotool", "windowactivate", "--sync", wid)
    daemon.x.run("xdotool", "mousemove", "1800", "400", "click", "1")
    wait_for(lambda: [s for s in daemon.client.focus_spans() if s["page_title"] == "Walrus Almanac"], 60,
             what="a focus span with the page title")
    daemon.x.run("xdotool", "windowactivate", "--sync", daemon.x.window("Quetzal Surprise"))
    daemon.x.run("xdotool", "mousemove", "600", "400", "click", "1")
    time.sleep(3)
    raw = data_bytes(daemon.data)
    assert b"quetzal" not in raw and b"incognitobody" not in raw


def test_a_typed_password_and_secrets_on_screen_never_reach_the_data_dir(daemon, tmp_path):
    term(daemon.x, "deploy shell", "AWS key AKIAZQ7PLUMBOB42XYZQ for deploys\n", tmp_path, where="+1300+300",
         command='read -s -p "Password: " pw; echo; echo "password: $pw"; exec sleep 600')
    daemon.type("Wombat-Plinth-77")
    daemon.x.run("xdotool", "key", "Return")
    wait_for(lambda: "[REDACTED:password]" in daemon.texts() and "[REDACTED:aws_key]" in daemon.texts(), 60,
             what="the redacted secrets")
    raw = data_bytes(daemon.data)
    assert b"wombat" not in raw and b"plinth" not in raw and b"akiazq7plumbob42xyzq" not in raw
    assert daemon.client.status()["capture"]["redactions"]["password"] >= 1


def test_an_unchanged_screen_is_skipped_on_the_heartbeat(daemon, tmp_path):
    daemon.x.run("xdotool", "mousemove_relative", "--", "1", "0")  # the user is there, no key pressed
    term(daemon.x, "still life", "Nothing moves in this window\n", tmp_path, where="+1300+40")
    wait_for(lambda: "Nothing moves" in daemon.texts(), 60, what="the still window")

    def unchanged_at_least(n):
        return lambda: daemon.client.status()["capture"]["frames_unchanged"] >= n

    wait_for(unchanged_at_least(daemon.client.status()["capture"]["frames_unchanged"] + 2), 30,
             what="a heartbeat (two monitors) on the settled screen")
    stored = len(daemon.client.observations(limit=200))
    wait_for(unchanged_at_least(daemon.client.status()["capture"]["frames_unchanged"] + 4), 30,
             what="two more heartbeats on an unchanged screen")
    assert len(daemon.client.observations(limit=200)) == stored


def test_a_locked_screen_is_not_captured(daemon, tmp_path):
    term(daemon.x, "before lock", "Before locking\n", tmp_path, where="+1300+40")
    daemon.x.run("xset", "s", "activate")
    wait_for(lambda: daemon.client.status()["capture"]["presence"] == "locked", 15, what="the locked state")
    term(daemon.x, "while locked", "Lockedtext Capybara\n", tmp_path, where="+40+40")  # focus changes, no input
    time.sleep(4)
    assert "Capybara" not in daemon.texts()
    assert not [s for s in daemon.client.focus_spans() if s["title"] == "while locked"]
    daemon.x.run("xdotool", "mousemove", "100", "100")  # ends the screen saver
    wait_for(lambda: daemon.client.status()["capture"]["presence"] == "active", 15, what="active again")
    daemon.type("y")
    wait_for(lambda: "Capybara" in daemon.texts(), 60, what="capture after unlocking")


def test_a_screen_locker_window_stops_capture(daemon, tmp_path):
    """An override-redirect window with i3lock's WM_CLASS, as i3lock maps it: no capture while it shows."""
    from Xlib import display as xdisplay

    term(daemon.x, "before the locker", "Shown before the locker\n", tmp_path, where="+1300+40")
    wait_for(lambda: "Shown before the locker" in daemon.texts(), 60, what="capture before the locker")
    d = xdisplay.Display(daemon.x.display)
    scr = d.screen()
    locker = scr.root.create_window(0, 0, 2560, 800, 0, scr.root_depth, override_redirect=True,
                                    background_pixel=scr.black_pixel)
    locker.set_wm_class("i3lock", "i3lock")
    locker.map()
    d.sync()
    try:
        skipped = daemon.client.status()["capture"]["locked_skips"]
        term(daemon.x, "under the locker", "Lockertext Quokka\n", tmp_path, where="+40+40")
        daemon.type("y")
        wait_for(lambda: daemon.client.status()["capture"]["locked_skips"] > skipped, 30, what="a capture refused")
        time.sleep(2)
        assert "Quokka" not in daemon.texts()
    finally:
        locker.unmap()
        d.sync()
        d.close()
    daemon.type("y")
    wait_for(lambda: "Quokka" in daemon.texts(), 60, what="capture once the locker is gone")


def test_a_managed_locker_window_is_found_by_its_class(multihead, tmp_path):
    backend = X11Backend(multihead.display)
    assert backend.locker() is None
    proc = multihead.spawn(require("xterm"), "-class", "XScreenSaver", "-T", "saver", "-e", "sleep", "600")
    try:
        assert wait_for(backend.locker, 15, what="the locker") == "xscreensaver"
    finally:
        proc.terminate()
    wait_for(lambda: backend.locker() is None, 15, what="no locker")


def test_over_the_cpu_budget_captures_are_deferred_and_taken_later(multihead, tmp_path, model_path):
    d = Daemon(multihead, tmp_path / "data", tmp_path, model_path,
               "capture_cpu_budget=0.01", "capture_cpu_window_s=10", "capture_heartbeat_s=600")
    d.start()
    try:
        term(multihead, "budget pane", "Budget pane opened\n", tmp_path, where="+40+40",
             command="exec bash --norc")
        wait_for(lambda: "Budget pane opened" in d.texts(), 60, what="the first capture")
        d.type("echo Walrusfirst\n")
        time.sleep(1)
        d.type("echo Walrussecond\n")
        wait_for(lambda: d.client.status()["capture"]["frames_deferred"] >= 1, 30, what="a deferred capture")
        cap = d.client.status()["capture"]
        assert cap["cpu_budget"] == 0.01 and cap["cpu_share"] > 0 and cap["cpu_s"] > 0
        wait_for(lambda: "Walrussecond" in d.texts(), 60, what="the deferred capture, taken later")
        assert d.client.status()["capture"]["deferred_wait_s"] > 0
    finally:
        d.stop()


def test_forget_the_last_minutes_removes_them_from_the_files(daemon, tmp_path):
    term(daemon.x, "quokka memo", "Quokkaberry merger memo\n", tmp_path, where="+1300+40")
    daemon.type("ls")
    wait_for(lambda: "Quokkaberry" in daemon.texts(), 60, what="the memo's observation")
    daemon.x.run("xdotool", "windowclose", daemon.x.window("quokka memo"))
    time.sleep(1)
    out = daemon.cli("forget", "2")
    assert out.returncode == 0 and "forgot" in out.stdout, out.stderr
    assert "Quokkaberry" not in daemon.texts()
    assert b"quokkaberry" not in data_bytes(daemon.data)


def test_pause_stops_capture_and_outlives_a_restart(daemon, tmp_path):
    assert daemon.cli("pause").returncode == 0
    term(daemon.x, "paused work", "Pausedelta numbers\n", tmp_path, where="+1300+40")
    daemon.type("ls")
    time.sleep(4)
    assert "Pausedelta" not in daemon.texts()
    assert not [s for s in daemon.client.focus_spans() if s["title"] == "paused work"]
    daemon.stop()
    daemon.start()
    assert daemon.client.capture_state()["state"] == "paused"
    assert daemon.cli("resume").returncode == 0
    daemon.type("ls")
    wait_for(lambda: "Pausedelta" in daemon.texts(), 60, what="capture after resuming")
    assert oct(os.stat(daemon.data / "gumd.db").st_mode & 0o777) == "0o600"
