"""`gumd service`: the files it writes for systemd, launchd and Windows, checked by the tools that read them."""

from __future__ import annotations

import os
import plistlib
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gumd.config import load_settings
from gumd.service import daemon_command, render
from tests.support.daemon import DaemonProcess, exec_start, unit_command, write_config
from tests.support.environment import GUMD


def _gumd(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("GUMD_") and k not in ("XDG_CONFIG_HOME", "APPDATA")}
    environ.update(HOME=str(home), **env)
    return subprocess.run([*GUMD, *args], env=environ, capture_output=True, text=True, timeout=60)


def _verify_unit(unit: Path, home: Path) -> subprocess.CompletedProcess:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze is not installed: run scripts/setup --test", pytrace=False)
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    return subprocess.run([tool, "--user", "verify", str(unit)], env=env, capture_output=True, text=True, timeout=60)


def test_systemd_unit_is_valid_and_runs_this_gumd_on_this_data_dir(tmp_path):
    home, data, config = tmp_path / "home", tmp_path / "my data 100% $HOME", tmp_path / "cfg.toml"
    home.mkdir()
    done = _gumd(home, "--data-dir", str(data), "--config", str(config), "service", "install", "--no-enable")
    assert done.returncode == 0, done.stderr
    unit = home / ".config" / "systemd" / "user" / "gumd.service"
    assert f"wrote {unit}" in done.stdout
    assert oct(unit.stat().st_mode & 0o777) == "0o600"
    text = unit.read_text()
    assert exec_start(text) == [sys.executable, "-m", "gumd.cli", "--data-dir", str(data), "--config", str(config), "run"]
    for line in ("Restart=on-failure", "RestartPreventExitStatus=2", "WantedBy=graphical-session.target",
                 "After=graphical-session.target", "PartOf=graphical-session.target", "UMask=0077"):
        assert line in text.splitlines()
    verified = _verify_unit(unit, home)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr


def test_systemd_analyze_rejects_a_broken_unit(tmp_path):
    """The check above can fail: the same tool refuses a unit whose command does not exist."""
    home = tmp_path / "home"
    unit = home / "gumd.service"
    home.mkdir()
    settings = load_settings({"data_dir": str(tmp_path / "d")}, environ={}, config_file=tmp_path / "none.toml")
    text = render("linux", settings, home, python=str(tmp_path / "no-such-python")).text
    unit.write_text(text)
    assert _verify_unit(unit, home).returncode != 0


def test_launchd_plist_round_trips_through_plistlib(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = _gumd(home, "--data-dir", str(tmp_path / "d"), "service", "install", "--platform", "macos")
    assert done.returncode == 0, done.stderr
    path = home / "Library" / "LaunchAgents" / "org.gumd.daemon.plist"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with open(path, "rb") as f:
        plist = plistlib.load(f)
    assert plist["Label"] == "org.gumd.daemon"
    assert plist["ProgramArguments"] == [sys.executable, "-m", "gumd.cli", "--data-dir", str(tmp_path / "d"), "run"]
    assert plist["RunAtLoad"] is True and plist["KeepAlive"] == {"SuccessfulExit": False}
    assert plist["LimitLoadToSessionType"] == "Aqua" and plist["Umask"] == 0o077
    assert plist["StandardErrorPath"] == str(tmp_path / "d" / "launchd.log")
    assert "/opt/homebrew/bin" in plist["EnvironmentVariables"]["PATH"].split(":")
    assert plistlib.loads(plistlib.dumps(plist)) == plist

    removed = _gumd(home, "--data-dir", str(tmp_path / "d"), "service", "uninstall", "--platform", "macos")
    assert removed.returncode == 0 and not path.exists()


def test_windows_startup_entry_quotes_the_command(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    data = tmp_path / "100% data"
    done = _gumd(home, "--data-dir", str(data), "service", "install", "--platform", "windows")
    assert done.returncode == 0, done.stderr
    path = home / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "gumd.cmd"
    raw = path.read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") == 3  # batch files want CRLF
    start = raw.decode().splitlines()[-1]
    assert start == f'start "gumd" /min "{sys.executable}" "-m" "gumd.cli" "--data-dir" "{str(data).replace("%", "%%")}" "run"'


def test_print_shows_the_unit_without_writing_it(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    done = _gumd(home, "--data-dir", str(tmp_path / "d"), "service", "install", "--print")
    assert done.returncode == 0 and "ExecStart=" in done.stdout
    assert not (home / ".config").exists()


def _user_manager_answers() -> bool:
    return subprocess.run(["systemctl", "--user", "is-system-running"], capture_output=True, timeout=30).returncode in (0, 1) \
        and subprocess.run(["systemctl", "--user", "show-environment"], capture_output=True, timeout=30).returncode == 0


def test_install_enables_through_systemctl_or_says_what_to_do(tmp_path):
    """Where a user manager runs, install enables the unit; where none does (CI containers), it says so in one line."""
    home = tmp_path / "home"
    home.mkdir()
    if _user_manager_answers():
        pytest.fail("a systemd user manager answers here: this test would enable gumd for the real user; "
                    "run it in a session made for it", pytrace=False)
    done = _gumd(home, "--data-dir", str(tmp_path / "d"), "service", "install")
    assert done.returncode == 1
    assert "systemctl --user" in done.stderr and "the file is in place" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert (home / ".config" / "systemd" / "user" / "gumd.service").exists()


def test_service_status_and_logs_against_a_daemon_started_by_the_unit_command(tmp_path, model_path):
    data = tmp_path / "data"
    cmd, env = unit_command(tmp_path, data, write_config(tmp_path / "config.toml", model_path))
    assert cmd == daemon_command(load_settings({"data_dir": str(data)}, environ={}, config_file=tmp_path / "x"),
                                 tmp_path / "config.toml")
    daemon = DaemonProcess(cmd, env, tmp_path / "daemon.log")
    try:
        daemon.client(data / "gumd.sock")
        home = Path(env["HOME"])
        status = _gumd(home, "--data-dir", str(data), "service", "status")
        assert status.returncode == 0, status.stderr
        assert f"daemon: running, pid {daemon.proc.pid}, capture off" in status.stdout
        assert f"service file: {home}/.config/systemd/user/gumd.service (installed)" in status.stdout
        logs = _gumd(home, "--data-dir", str(data), "service", "logs", "-n", "5")
        assert logs.returncode == 0 and "gumd running: data dir" in logs.stdout
        assert len(logs.stdout.splitlines()) <= 5
    finally:
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(timeout=20) == 0
        daemon.close()
    status = _gumd(Path(env["HOME"]), "--data-dir", str(data), "service", "status")
    assert status.returncode == 1 and f"daemon: not answering on {data / 'gumd.sock'}" in status.stdout
