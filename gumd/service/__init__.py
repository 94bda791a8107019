"""Installing gumd as a login service: a systemd user unit, a launchd agent, or a Windows Startup entry.

The templates are package data in gumd/service/templates/ (shipped in the wheel), not files
under the repository's packaging/ dir: `gumd service install` reads them at run time, on machines
that never saw the source tree. Static policy (restart rules, session target, launchd keys) lives
in the template; the per-install values (the Python that runs gumd, the data dir, the config
file, log paths) are filled in here, quoted for each format by code (plistlib for the plist).
"""

from __future__ import annotations

import os
import plistlib
import re
import string
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from gumd.config import Settings

PLATFORMS = ("linux", "macos", "windows")
UNIT_NAME = "gumd.service"
LAUNCHD_LABEL = "org.gumd.daemon"
STARTUP_NAME = "gumd.cmd"
STOP_TIMEOUT_S = 20  # the unit's TimeoutStopSec: SIGTERM to exit, before systemd sends SIGKILL
MACOS_PATH = "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"


class ServiceError(RuntimeError):
    """Installing, enabling or querying the service failed; the message says what to do."""


@dataclass(frozen=True)
class ServiceFile:
    """One rendered service file and where it belongs."""

    platform: str
    path: Path
    text: str


def current_platform() -> str:
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("win"):
        return "windows"
    return "linux"


def daemon_command(settings: Settings, config_file: Path | None = None, python: str | None = None) -> list[str]:
    """The exact command line the service runs: this Python, `-m gumd.cli`, the data dir, the config file."""
    cmd = [python or sys.executable, "-m", "gumd.cli", "--data-dir", str(settings.data_path.resolve())]
    if config_file is not None:
        cmd += ["--config", str(Path(config_file).expanduser().resolve())]
    return cmd + ["run"]


def service_path(platform: str, home: Path, environ: dict[str, str] | None = None) -> Path:
    """Where the service file goes for `platform`, under `home`."""
    environ = os.environ if environ is None else environ
    if platform == "linux":
        config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        return config_home / "systemd" / "user" / UNIT_NAME
    if platform == "macos":
        return home / "Library" / "LaunchAgents" / f"{LAUNCHD_LABEL}.plist"
    if platform == "windows":
        appdata = Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
        return appdata / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / STARTUP_NAME
    raise ServiceError(f"unknown platform {platform!r}; expected one of: {', '.join(PLATFORMS)}")


def _template(name: str) -> str:
    return resources.files("gumd.service").joinpath("templates", name).read_text(encoding="utf-8")


_SYSTEMD_PLAIN = re.compile(r"[A-Za-z0-9_./:=+,@-]+")


def systemd_quote(arg: str) -> str:
    """One ExecStart word: specifiers (%) and variables ($) escaped, quoted when it has other characters."""
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if _SYSTEMD_PLAIN.fullmatch(arg):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cmd_quote(arg: str) -> str:
    if any(c in arg for c in '"\r\n'):
        raise ServiceError(f"cannot put {arg!r} in a Windows Startup entry: it holds a quote or a line break")
    return '"' + arg.replace("%", "%%") + '"'


def render(
    platform: str,
    settings: Settings,
    home: Path,
    config_file: Path | None = None,
    python: str | None = None,
    environ: dict[str, str] | None = None,
) -> ServiceFile:
    """The service file for `platform` that runs this gumd with these settings."""
    cmd = daemon_command(settings, config_file, python)
    path = service_path(platform, home, environ)
    if platform == "linux":
        text = string.Template(_template("gumd.service")).substitute(
            exec_start=" ".join(systemd_quote(a) for a in cmd), stop_timeout_s=STOP_TIMEOUT_S
        )
    elif platform == "macos":
        plist = plistlib.loads(_template("gumd.plist").encode())
        log_dir = settings.log_path.parent
        plist["ProgramArguments"] = cmd
        plist["StandardOutPath"] = plist["StandardErrorPath"] = str(log_dir / "launchd.log")
        plist["EnvironmentVariables"]["PATH"] = MACOS_PATH
        text = plistlib.dumps(plist).decode()
    else:
        if python is None and sys.executable.lower().endswith("python.exe"):
            cmd[0] = sys.executable[: -len("python.exe")] + "pythonw.exe"  # no console window
        text = string.Template(_template("gumd.cmd")).substitute(command=" ".join(_cmd_quote(a) for a in cmd))
        text = text.replace("\n", "\r\n")  # batch files want CRLF; the template is kept LF in git
    return ServiceFile(platform, path, text)


def write(service: ServiceFile) -> None:
    """Write the file (0600, parent dirs created 0700), replacing an earlier one atomically."""
    service.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = service.path.with_name(service.path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(service.text)
    os.replace(tmp, service.path)
