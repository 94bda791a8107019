"""A real X server for the system tests: Xvfb with openbox, and the windows and tools they drive."""

from __future__ import annotations

import os
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
    """Xvfb at 1280x800 on a free display with openbox (it sets the EWMH properties gumd reads)."""
    xvfb, wm = require("Xvfb"), require("openbox")
    require("xdotool")
    number = next(
        n for n in range(110, 400)
        if not Path(f"/tmp/.X{n}-lock").exists() and not Path(f"/tmp/.X11-unix/X{n}").exists()
    )
    server = subprocess.Popen(
        [xvfb, f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_for(lambda: Path(f"/tmp/.X11-unix/X{number}").exists() or server.poll() is not None, 10, what="Xvfb")
    if server.poll() is not None:
        pytest.fail(f"Xvfb :{number} exited with {server.returncode}", pytrace=False)
    x = XServer(f":{number}", [server])
    x.spawn(wm)
    wait_for(lambda: "_NET_SUPPORTING_WM_CHECK" in x.run("xprop", "-root", check=False).stdout, 10, what="openbox")
    return x
