"""The service managers that start gumd at log-in: systemd --user, launchd, the Windows Startup folder."""

from __future__ import annotations

import os
import shutil
import subprocess
from abc import ABC, abstractmethod

from gumd.service import LAUNCHD_LABEL, UNIT_NAME, ServiceError, ServiceFile

# What a graphical session puts in the environment that capture needs; imported into the user manager.
DISPLAY_VARIABLES = (
    "DISPLAY", "XAUTHORITY", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE", "XDG_CURRENT_DESKTOP", "DBUS_SESSION_BUS_ADDRESS",
)


def _run(*cmd: str, check: bool = True) -> subprocess.CompletedProcess:
    if shutil.which(cmd[0]) is None:
        raise ServiceError(f"{cmd[0]} is not installed, so the service cannot be enabled here")
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if check and done.returncode != 0:
        why = (done.stderr or done.stdout).strip().splitlines()
        raise ServiceError(f"`{' '.join(cmd)}` failed: {why[-1] if why else f'exit status {done.returncode}'}")
    return done


class Manager(ABC):
    """Enables, disables and reports one platform's service; the file itself is written by gumd.service.write."""

    @abstractmethod
    def enable(self, service: ServiceFile) -> str:
        """Register the written file and start the daemon; returns a line for the user."""

    @abstractmethod
    def disable(self, service: ServiceFile) -> None:
        """Stop the daemon and unregister it (the file is still there)."""

    @abstractmethod
    def state(self) -> str:
        """A short description of what the manager knows, e.g. 'enabled, active'."""


class Systemd(Manager):
    def enable(self, service: ServiceFile) -> str:
        present = [v for v in DISPLAY_VARIABLES if os.environ.get(v)]
        if present:
            _run("systemctl", "--user", "import-environment", *present)
        _run("systemctl", "--user", "daemon-reload")
        _run("systemctl", "--user", "enable", "--now", UNIT_NAME)
        return f"enabled and started {UNIT_NAME} (systemctl --user status {UNIT_NAME})"

    def disable(self, service: ServiceFile) -> None:
        _run("systemctl", "--user", "disable", "--now", UNIT_NAME)

    def state(self) -> str:
        enabled = _run("systemctl", "--user", "is-enabled", UNIT_NAME, check=False)
        active = _run("systemctl", "--user", "is-active", UNIT_NAME, check=False)
        if enabled.returncode != 0 and not enabled.stdout.strip():
            raise ServiceError(f"systemctl --user does not answer: {enabled.stderr.strip() or 'no user manager'}")
        return f"{enabled.stdout.strip()}, {active.stdout.strip()}"


class Launchd(Manager):
    @property
    def _domain(self) -> str:
        return f"gui/{os.getuid()}"

    def enable(self, service: ServiceFile) -> str:
        _run("launchctl", "bootout", f"{self._domain}/{LAUNCHD_LABEL}", check=False)  # an older copy, if loaded
        _run("launchctl", "bootstrap", self._domain, str(service.path))
        return f"loaded {LAUNCHD_LABEL} (launchctl print {self._domain}/{LAUNCHD_LABEL})"

    def disable(self, service: ServiceFile) -> None:
        _run("launchctl", "bootout", f"{self._domain}/{LAUNCHD_LABEL}", check=False)

    def state(self) -> str:
        done = _run("launchctl", "print", f"{self._domain}/{LAUNCHD_LABEL}", check=False)
        if done.returncode != 0:
            return "not loaded"
        for line in done.stdout.splitlines():
            if line.strip().startswith("state ="):
                return "loaded, " + line.split("=", 1)[1].strip()
        return "loaded"


class WindowsStartup(Manager):
    def enable(self, service: ServiceFile) -> str:
        return "gumd will start at your next log-in; start it now with `gumd run`"

    def disable(self, service: ServiceFile) -> None:
        """Nothing is registered beyond the file in the Startup folder."""

    def state(self) -> str:
        return "starts at log-in (Startup folder)"


MANAGERS: dict[str, type[Manager]] = {"linux": Systemd, "macos": Launchd, "windows": WindowsStartup}
