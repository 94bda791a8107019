"""`gumd doctor` on real sessions: an X server with a daemon, a Wayland-only environment, a broken model."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess

import pytest

from tests.support.daemon import DaemonProcess, unit_command, write_config
from tests.support.environment import GUMD


def _doctor(env: dict[str, str], data, *args: str) -> tuple[int, dict[str, dict]]:
    done = subprocess.run([*GUMD, "--data-dir", str(data), *args, "doctor", "--json"], env=env,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, {c["name"]: c for c in json.loads(done.stdout)}


def test_doctor_on_x11_with_a_running_daemon_finds_nothing_to_fix(xserver, tmp_path, model_path):
    data = tmp_path / "data"
    config = write_config(tmp_path / "config.toml", model_path, capture=True)
    cmd, env = unit_command(tmp_path, data, config)
    env["DISPLAY"] = xserver.display
    daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
    try:
        daemon.client(data / "gumd.sock")
        rc, checks = _doctor(env, data, "--config", str(config))
        assert rc == 0, checks
        assert checks["display"]["level"] == "ok" and xserver.display in checks["display"]["detail"]
        assert checks["focused window"]["level"] == checks["input counts"]["level"] == "ok"
        assert checks["model"]["level"] == "ok" and str(model_path) in checks["model"]["detail"]
        assert checks["ocr"]["level"] == "ok" and checks["disk"]["level"] == "ok"
        assert checks["daemon"]["detail"].startswith(f"running, pid {daemon.proc.pid}, capture capturing")
        assert checks["service"]["level"] == "ok"  # unit_command installed the unit into this HOME
    finally:
        daemon.proc.send_signal(signal.SIGTERM)
        daemon.proc.wait(timeout=20)
        daemon.close()


def test_doctor_explains_a_wayland_session_it_cannot_watch(tmp_path, model_path):
    dbus = shutil.which("dbus-daemon")
    if dbus is None:
        pytest.fail("dbus-daemon is not installed: run scripts/setup --test", pytrace=False)
    bus = tmp_path / "bus"
    proc = subprocess.Popen([dbus, "--session", "--nofork", f"--address=unix:path={bus}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY",) and not k.startswith("GUMD_")}
        env.update(WAYLAND_DISPLAY="wayland-0", XDG_SESSION_TYPE="wayland", HOME=str(tmp_path),
                   DBUS_SESSION_BUS_ADDRESS=f"unix:path={bus}")
        config = write_config(tmp_path / "config.toml", model_path, capture=True)
        rc, checks = _doctor(env, tmp_path / "data", "--config", str(config))
        assert rc == 1
        display = checks["display"]
        assert display["level"] == "fail"
        assert "Wayland session without XWayland" in display["detail"]
        assert "no XDG screenshot portal answers" in display["detail"]
        assert "X11" in display["fix"] and "--no-capture" in display["fix"]
        assert checks["daemon"]["level"] == "warn" and checks["daemon"]["detail"] == "not running"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_doctor_fails_a_model_that_is_not_gguf_and_says_what_to_set(tmp_path):
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"<html>not a model</html>")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUMD_")}
    rc, checks = _doctor(env, tmp_path / "data", "--set", f"model={bogus}", "--set", f"nap_model={bogus}",
                         "--set", "capture=false")
    assert rc == 1
    assert checks["model"] == {"name": "model", "level": "fail", "detail": f"{bogus} is not a GGUF file",
                               "fix": "point `model` at a .gguf file"}
    assert checks["nap_model"] == {"name": "nap_model", "level": "fail", "detail": f"{bogus} is not a GGUF file",
                                   "fix": "point `nap_model` at a .gguf file"}
    assert checks["display"]["detail"] == "capture is off by setting"


def test_a_daemon_started_on_wayland_through_xwayland_says_what_it_cannot_see(xserver, tmp_path, model_path):
    data = tmp_path / "data"
    cmd, env = unit_command(tmp_path, data, write_config(tmp_path / "config.toml", model_path, capture=True))
    env.update(DISPLAY=xserver.display, WAYLAND_DISPLAY="wayland-0", XDG_SESSION_TYPE="wayland")
    daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
    try:
        daemon.client(data / "gumd.sock")
        log = (data / "gumd.log").read_text()
        assert "WARNING gumd: Wayland session: gumd watches through XWayland, so it sees only X11 apps" in log
    finally:
        daemon.proc.send_signal(signal.SIGTERM)
        daemon.proc.wait(timeout=20)
        daemon.close()
