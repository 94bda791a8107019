"""The tray icon: what gumd is doing at a glance, and pause / resume / dashboard from the menu.

The tray is a thin client of the daemon's socket (gumd.client.Client), in a process of its own
(`gumd tray`), not a part of the daemon: a desktop's tray toolkit (GTK, AppIndicator, Xlib)
then never runs inside the process that holds the store and the model, the daemon stays a
headless service that systemd/launchd restart on their own, and the tray shows "not running"
when the daemon is gone instead of vanishing with it. Quit closes the tray; the daemon runs on.

pystray is imported lazily: it raises at import without a display.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from gumd.client import ApiError, Client, DaemonUnavailable
from gumd.config import Settings
from gumd.login_link import open_login_link

log = logging.getLogger(__name__)

# state -> fill colour of the round icon
COLORS = {
    "capturing": (46, 160, 67),   # green
    "processing": (31, 111, 235),  # blue
    "paused": (210, 153, 34),      # amber
    "off": (110, 118, 129),        # grey: capture disabled by setting
    "error": (207, 34, 46),        # red: the model's last batch failed
    "stopped": (60, 60, 60),       # dark: no daemon answers
}
PAUSES = (("Pause for 15 minutes", 15), ("Pause for 1 hour", 60), ("Pause until resumed", None))


def tray_state(status: dict[str, Any] | None) -> str:
    """One of COLORS' keys for a /v1/status answer (None: no daemon answers).

    A failed batch shows first; then a pause, even while the model works through what was captured
    before it: a user who paused must see at a glance that the screen is not being watched.
    """
    if status is None:
        return "stopped"
    if status["engine"]["last_error"]:
        return "error"
    capture = status["capture"]["state"]
    if capture != "paused" and status["engine"]["busy"]:
        return "processing"
    return capture


def icon_image(state: str, size: int = 64) -> Image.Image:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, size - 4, size - 4), fill=COLORS[state] + (255,))
    return image


def open_dashboard(client: Client, data_dir: Path) -> str:
    """Open the dashboard with a one-time login link from the daemon; else say why it cannot open."""
    try:
        link = client.dashboard_login()
    except (DaemonUnavailable, ApiError) as e:
        return str(e)
    if open_login_link(link["url"], data_dir):
        return "opening the dashboard"
    return "no browser could be opened: run `gumd dashboard --no-open` and paste the link into one"


class Tray:
    """The icon and its menu over one daemon's socket; call run() (blocking) or drive `icon` yourself."""

    def __init__(self, settings: Settings, poll_s: float = 2.0):
        import pystray  # needs a display

        self.settings = settings
        self.poll_s = poll_s
        self.client = Client(settings.socket_path, timeout=5)
        self.status: dict[str, Any] | None = None
        self.state = "stopped"
        self.message: str | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()  # status, state and message: read by the poll thread, set by actions
        self._wake = threading.Event()
        self._drawn = self.state
        self._poller: threading.Thread | None = None
        item = pystray.MenuItem
        self.icon = pystray.Icon(
            "gumd", icon_image("stopped"), "gumd",
            menu=pystray.Menu(
                item(lambda _: self.summary(), None, enabled=False),
                pystray.Menu.SEPARATOR,
                *(item(text, self._pause_action(minutes), enabled=lambda _: self._capturing()) for text, minutes in PAUSES),
                item("Resume", lambda: self._act(self.client.resume), enabled=lambda _: self._paused()),
                pystray.Menu.SEPARATOR,
                item("Open dashboard", lambda: self._say(open_dashboard(self.client, settings.data_path)), default=True),
                item("Quit", lambda: self.stop()),
            ),
        )

        if type(self.icon).__module__ == "pystray._xorg":
            # pystray's xorg backend (it has no menu) never asks X for button presses, so a click on the
            # icon would do nothing (moses-palmer/pystray#151); ask for them, before its event loop owns
            # the connection, so a click runs the default item.
            from Xlib import X

            self.icon._window.change_attributes(event_mask=X.ExposureMask | X.StructureNotifyMask | X.ButtonPressMask)
            self.icon._display.flush()

    def _capturing(self) -> bool:
        return bool(self.status) and self.status["capture"]["state"] == "capturing"

    def _paused(self) -> bool:
        return bool(self.status) and self.status["capture"]["state"] == "paused"

    def _pause_action(self, minutes: float | None):
        return lambda: self._act(lambda: self.client.pause(minutes))

    def summary(self) -> str:
        """The first, greyed-out menu line and the icon's tooltip."""
        if self.message:
            return f"gumd: {self.message}"
        if self.state == "stopped":
            return "gumd is not running (gumd service status)"
        if self.state == "error":
            return f"gumd: last batch failed: {self.status['engine']['last_error']}"[:120]
        capture = self.status["capture"]
        if capture["state"] == "paused" and capture["paused_until"]:
            until = dt.datetime.fromtimestamp(capture["paused_until"]).strftime("%H:%M")
            return f"gumd: paused until {until}"
        return f"gumd: {self.state}"

    def _say(self, message: str) -> None:
        log.info("tray: %s", message)
        with self._lock:
            self.message = message
        self._wake.set()
        if self.icon.HAS_NOTIFICATION:
            self.icon.notify(message, "gumd")

    def _act(self, call) -> None:
        try:
            call()
            message = None
        except (DaemonUnavailable, ApiError) as e:
            message = str(e)
        self.refresh()
        with self._lock:
            self.message = message
        self._wake.set()

    def refresh(self) -> str:
        """Ask the daemon for its status; returns the state the icon will show (drawn by the poll thread)."""
        try:
            status = self.client.status()
        except (DaemonUnavailable, ApiError):
            status = None
        with self._lock:
            self.status = status
            state = tray_state(status)
            if state != self.state:
                self.state, self.message = state, None  # a message is about the state it was shown in
            return state

    def _draw(self) -> None:
        with self._lock:
            state, title = self.state, self.summary()
        if state != self._drawn:
            self.icon.icon = icon_image(state)
            self._drawn = state
        self.icon.title = title
        self.icon.update_menu()

    def _poll(self) -> None:
        """The one thread that redraws the icon: pystray's xorg backend mixes up calls from several threads."""
        while not self._stop.is_set():
            self.refresh()
            self._draw()
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _setup(self, icon) -> None:
        icon.visible = True
        self._poller = threading.Thread(target=self._poll, name="gumd-tray-poll", daemon=True)
        self._poller.start()

    def run(self) -> None:
        """Show the icon and keep it current until Quit."""
        if type(self.icon).__module__ == "pystray._xorg":
            # pystray's xorg loop does not always see its window go at stop() (seen under Xvfb + trayer);
            # it runs in a daemon thread here, and Quit returns from run() whether or not it noticed.
            threading.Thread(target=self.icon.run, kwargs={"setup": self._setup}, name="gumd-tray-x", daemon=True).start()
            self._stop.wait()
        else:
            self.icon.run(setup=self._setup)
        self._stop.set()
        self._wake.set()
        if self._poller:
            self._poller.join(timeout=self.poll_s + 2)
        if not (self._poller and self._poller.is_alive()):
            self.client.close()

    def stop(self) -> None:
        """Close the tray (the daemon runs on)."""
        self._stop.set()
        self._wake.set()
        if self._poller and self._poller is not threading.current_thread():
            # let a redraw in flight finish first; from pystray's own loop thread that redraw may be
            # waiting for this very thread, hence the bound
            self._poller.join(timeout=self.poll_s + 2)
        self.icon.stop()
