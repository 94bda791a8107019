"""The tray icon under a real X server (Xvfb + openbox + trayer as the system tray), pystray's xorg
backend, against a real daemon capturing that screen. Which state a status answer shows: tests/unit/test_tray_state.py."""

from __future__ import annotations

import shutil
import signal
import threading

import pytest

from gumd.config import load_settings
from gumd.tray import COLORS
from tests.support.daemon import DaemonProcess, unit_command, write_config
from tests.support.environment import wait_for
from tests.support.model_server import LoopbackServer, ProposingServer


@pytest.fixture
def tray_display(xserver, monkeypatch):
    """DISPLAY for this process (pystray reads it), and a real system tray on it."""
    trayer = shutil.which("trayer")
    if trayer is None:
        pytest.fail("trayer is not installed: run scripts/setup --test", pytrace=False)
    monkeypatch.setenv("DISPLAY", xserver.display)
    monkeypatch.setenv("PYSTRAY_BACKEND", "xorg")
    proc = xserver.spawn(trayer, "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "24")
    from Xlib import display as xdisplay

    d = xdisplay.Display(xserver.display)
    selection = d.intern_atom("_NET_SYSTEM_TRAY_S0")
    wait_for(lambda: d.get_selection_owner(selection) != 0, 10, what="trayer to own the system tray")
    yield d
    d.close()
    proc.terminate()


def _item(tray, text):
    return next(i for i in tray.icon.menu.items if i.text == text)


def _colour(tray) -> tuple[int, int, int]:
    return tray.icon.icon.getpixel((32, 32))[:3]


def _parent(d, window_id: int) -> int:
    return d.create_resource_object("window", window_id).query_tree().parent.id


def _wait_for_x_title(xserver, window: str, tray, word: str, timeout: float = 10) -> None:
    """Wait until the icon window's WM_NAME, as the X server holds it, says `word` once; on timeout, say
    what X held and what the tray knew."""
    def title() -> str:
        return xserver.run("xprop", "-id", window, "WM_NAME", check=False).stdout.strip()

    try:
        wait_for(lambda: title().count(word) == 1, timeout)
    except pytest.fail.Exception:
        pytest.fail(f"after {timeout:.0f} s the icon window's title is {title()!r}, not '{word}'; the tray's state "
                    f"{tray.state!r}, its tooltip {tray.icon.title!r}, the daemon's status {tray.status}")


@pytest.fixture
def answering_model():
    """A loopback model that always answers. The daemon below captures the real screen; a batch the packaged
    model fails (it can, on a screen full of other tests' windows) rightly turns the icon red, which is not
    what this test is about."""
    ProposingServer.mode, ProposingServer.delay_s = "ok", (0.0, 0.2)
    with LoopbackServer(ProposingServer) as server:
        yield server.url + "/v1"


def test_tray_shows_state_and_its_menu_pauses_and_resumes_a_real_daemon(
    xserver, tray_display, answering_model, tmp_path, model_path
):
    data = tmp_path / "data"
    config = write_config(tmp_path / "config.toml", model_path, capture=True, model_url=answering_model, model="stub")
    cmd, env = unit_command(tmp_path, data, config)
    env["DISPLAY"] = xserver.display
    daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
    try:
        client = daemon.client(data / "gumd.sock")
        from gumd.tray import Tray

        tray = Tray(load_settings({"data_dir": str(data)}, environ={}, config_file=tmp_path / "none.toml"), poll_s=0.3)
        runner = threading.Thread(target=tray.run, daemon=True)
        runner.start()
        d = tray_display
        window = wait_for(
            lambda: xserver.run("xdotool", "search", "--name", "^gumd", check=False).stdout.split(), 10,
            what="the tray icon's window",
        )[0]
        root = d.screen().root.id
        wait_for(lambda: _parent(d, int(window)) != root, 10, what="the icon docked in trayer")

        assert tray.refresh() in ("capturing", "processing")
        wait_for(lambda: _colour(tray) in (COLORS["capturing"], COLORS["processing"]), 10, what="a green or blue icon")
        assert _item(tray, "Pause for 15 minutes").enabled and not _item(tray, "Resume").enabled

        _item(tray, "Pause for 15 minutes")(tray.icon)
        capture = client.capture_state()
        assert capture["state"] == "paused" and capture["paused_until"] is not None
        assert tray.state == "paused" and tray.summary().startswith("gumd: paused until ")
        wait_for(lambda: _colour(tray) == COLORS["paused"], 10, what="the amber icon")
        wait_for(lambda: tray.icon.title.startswith("gumd: paused until "), 10, what="the paused tooltip")
        assert _item(tray, "Resume").enabled and not _item(tray, "Pause for 1 hour").enabled

        _item(tray, "Resume")(tray.icon)
        assert client.capture_state()["state"] == "capturing"

        _item(tray, "Pause until resumed")(tray.icon)
        assert client.capture_state() == {"state": "paused", "paused_until": None}
        _wait_for_x_title(xserver, window, tray, "paused")
        _item(tray, "Resume")(tray.icon)

        tray.icon()  # activating the icon (a left click) runs the default item: Open dashboard
        assert "api_tcp_port" in tray.message  # the daemon serves no loopback listener: the tray says what to set
        wait_for(lambda: "dashboard" in tray.icon.title, 10, what="the message in the tooltip")

        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=20) == 0
        wait_for(lambda: tray.state == "stopped", 10, what="the tray to notice the daemon is gone")
        wait_for(lambda: tray.icon.title == "gumd is not running (gumd service status)", 10, what="the stopped tooltip")
        assert _colour(tray) == COLORS["stopped"]
        _item(tray, "Pause until resumed")(tray.icon)  # disabled in the menu; called anyway, it explains
        assert "no gumd daemon answers" in tray.message

        _item(tray, "Quit")(tray.icon)
        runner.join(timeout=10)
        assert not runner.is_alive()
    finally:
        daemon.close()
