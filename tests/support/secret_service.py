"""A real OS keyring for the encryption tests: a private D-Bus session bus with gnome-keyring-daemon on it.

gnome-keyring is the Secret Service most Linux desktops run, and `keyring` talks to it
through its SecretService backend (secretstorage over D-Bus), exactly as on a desktop.
The daemon starts with `--unlock`, reading a password from stdin, so it makes and unlocks
a login keyring without a prompt. Missing tools fail the test: nothing is skipped.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.environment import require, wait_for


class SecretService:
    """dbus-daemon + gnome-keyring-daemon under a private HOME; `env` points a process at them."""

    def __init__(self, home: Path, unlock: bool = True):
        home.mkdir(parents=True, exist_ok=True)
        runtime = home / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "GNOME_KEYRING", "XDG_"))}
        for name in ("PYTHON_KEYRING_BACKEND", "DISPLAY", "WAYLAND_DISPLAY"):  # no prompt window anywhere
            base.pop(name, None)
        self.bus = subprocess.Popen(
            [require("dbus-daemon"), "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=base,
        )
        address = self.bus.stdout.readline().strip()
        if not address:
            self.bus.kill()
            pytest.fail("dbus-daemon --session printed no address", pytrace=False)
        self.env = base | {
            "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache"), "XDG_RUNTIME_DIR": str(runtime),
            "DBUS_SESSION_BUS_ADDRESS": address,
        }
        # Without --unlock there is no unlocked keyring: opening one needs a password prompt, and a
        # session with no display has no prompter, so the keyring refuses (as over SSH, or before log-in).
        self.keyring = subprocess.Popen(
            [require("gnome-keyring-daemon"), "--foreground", *(["--unlock"] if unlock else []), "--components=secrets"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self.env,
        )
        if unlock:
            self.keyring.stdin.write(b"gumd-test-login-password")
        self.keyring.stdin.close()
        wait_for(self._answers, 20, what="gnome-keyring-daemon on the session bus")

    def _answers(self) -> bool:
        if self.keyring.poll() is not None:
            pytest.fail(f"gnome-keyring-daemon exited with {self.keyring.returncode}", pytrace=False)
        done = subprocess.run(
            ["dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
             "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets"],
            env=self.env, capture_output=True, text=True, timeout=10,
        )
        return "boolean true" in done.stdout

    def stop(self) -> None:
        for proc in (self.keyring, self.bus):
            proc.terminate()
        for proc in (self.keyring, self.bus):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def secret_service(request, tmp_path, monkeypatch):
    """A real Secret Service for this test; this process's `keyring` uses it, and `.env` is for subprocesses.

    Parametrize it indirectly with False for a keyring that is locked and cannot be unlocked."""
    import keyring
    from keyring.backends import fail

    service = SecretService(tmp_path / "keyring-home", unlock=getattr(request, "param", True))
    for name in list(os.environ):
        if name.startswith(("DBUS_", "GNOME_KEYRING", "XDG_")) or name == "PYTHON_KEYRING_BACKEND":
            monkeypatch.delenv(name)
    for name, value in service.env.items():
        monkeypatch.setenv(name, value)
    keyring.core.init_backend()  # chooses a backend again, now that a Secret Service answers
    try:
        assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService", keyring.get_keyring()
        yield service
    finally:
        keyring.set_keyring(fail.Keyring())  # nothing else in the test run reaches this bus
        service.stop()
