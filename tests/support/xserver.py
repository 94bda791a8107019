"""A real X server for the system tests: Xvfb with openbox, and the windows and tools they drive."""

from __future__ import annotations

import os
import select
import subprocess
from pathlib import Path

import pytest

from tests.support.environment import require, wait_for


class XServer:
    """A running Xvfb with openbox; `display` is its DISPLAY value."""

    def __init__(self, display: str, procs: list[subprocess.Popen]):
        self.display = display
        self.procs = procs

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DISPLAY": self.display}

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(args, env=self.env, check=check, capture_output=True, text=True, timeout=30)

    def spawn(self, *args: str) -> subprocess.Popen:
        p = subprocess.Popen(args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def stop(self) -> None:
        """End every process started for this display, the server last."""
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()

    def window(self, name: str, timeout: float = 10) -> str:
        """The id of a visible window whose title matches `name`."""
        return wait_for(
            lambda: self.run("xdotool", "search", "--onlyvisible", "--name", name, check=False).stdout.split()[:1],
            timeout, what=f"window {name!r}",
        )[0]

    def xterm(self, title: str, text_file: Path) -> str:
        """An xterm with a large font showing text_file; returns its window id."""
        self.spawn(
            require("xterm"), "-fa", "DejaVu Sans Mono", "-fs", "14", "-geometry", "100x25+0+0",
            "-T", title, "-e", "bash", "-c", f"cat {text_file}; exec sleep 600",
        )
        wid = self.window(title)
        self.run("xdotool", "windowactivate", "--sync", wid)
        return wid


def start_desktop() -> XServer:
    """Xvfb at 1280x800 with openbox (it sets the EWMH properties gumd reads), on a display number Xvfb picks
    itself (-displayfd), so that test runs side by side never race for the same one."""
    xvfb = require("Xvfb")
    require("xdotool")
    read, write = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as chosen:
        wait_for(lambda: select.select([chosen], [], [], 0)[0] or server.poll() is not None, 10, what="Xvfb")
        number = chosen.readline().strip()
    if server.poll() is not None or not number:
        pytest.fail(f"Xvfb exited with {server.returncode} before it chose a display", pytrace=False)
    x = XServer(f":{number}", [server])
    try:
        start_window_manager(x)
    except BaseException:
        x.stop()  # a desktop that failed to come up leaves no server behind
        raise
    return x


def start_window_manager(x: XServer) -> None:
    """openbox on `x`, once it has set the EWMH properties gumd reads (it can take seconds on a loaded machine)."""
    x.spawn(require("openbox"))
    wait_for(lambda: "_NET_SUPPORTING_WM_CHECK" in x.run("xprop", "-root", check=False).stdout, 30, what="openbox")
