"""The tray icon: what gumd is doing at a glance, and pause / resume / dashboard from the menu.

The tray is a thin client of the daemon's socket (gumd.client.Client), in a process of its own
(`gumd tray`), not a part of the daemon: a desktop's tray toolkit (GTK, AppIndicator, Xlib, AppKit)
then never runs inside the process that holds the store and the model, the daemon stays a
headless service that systemd/launchd restart on their own, and the tray shows "not running"
when the daemon is gone instead of vanishing with it. Quit closes the tray; the daemon runs on.

pystray is imported lazily: it raises at import without a display.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import select
import threading
import time
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


class Wakeup:
    """A threading.Event that also wakes a select() waiting on it (through a pipe), so that one loop can wait
    for a wake-up and for the X connection at once."""

    def __init__(self):
        self._event = threading.Event()
        self._read, self._write = os.pipe()

    def set(self) -> None:
        if not self._event.is_set():  # one byte per wake-up at most, so the pipe never fills
            self._event.set()
            os.write(self._write, b"!")

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, timeout: float, *files) -> None:
        """Until set, one of `files` is readable, or `timeout` seconds pass."""
        select.select([self._read, *files], [], [], timeout)

    def clear(self) -> None:
        self._event.clear()
        if select.select([self._read], [], [], 0)[0]:
            os.read(self._read, 4096)


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
        self._wake = Wakeup()
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

        self._redraw = self._draw
        if type(self.icon).__module__ == "pystray._darwin":
            # AppKit draws only on the main thread, where icon.run() spins the app's loop: hand redraws to it.
            from PyObjCTools.AppHelper import callAfter

            self._redraw = lambda: callAfter(self._draw)
        self._xorg = type(self.icon).__module__ == "pystray._xorg"
        if self._xorg:
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
        """Poll the daemon and redraw, on one thread (the backends whose loop pystray runs; xorg: _run_xorg;
        darwin: redrawn on the main thread)."""
        while not self._stop.is_set():
            self.refresh()
            self._redraw()
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def _setup(self, icon) -> None:
        icon.visible = True
        self._poller = threading.Thread(target=self._poll, name="gumd-tray-poll", daemon=True)
        self._poller.start()

    def run(self) -> None:
        """Show the icon and keep it current until Quit."""
        if self._xorg:
            self._run_xorg()
        else:
            self.icon.run(setup=self._setup)
        self._stop.set()
        self._wake.set()
        if self._poller:
            self._poller.join(timeout=self.poll_s + 2)
        if not (self._poller and self._poller.is_alive()):
            self.client.close()

    def _run_xorg(self) -> None:
        """pystray's xorg icon, driven by this thread alone: it polls the daemon, redraws, and reads X events.

        pystray's own xorg loop has every update made on another thread sent to its loop thread over their
        shared X connection; when that thread then waits for a reply while the other is still flushing,
        python-xlib can leave it waiting forever (its flush returns early, on data to read, without waking
        the waiter), and the icon never changes again. With one thread making every X call, that cannot happen.
        """
        from Xlib.error import ConnectionClosedError

        icon = self.icon
        icon._thread = threading.current_thread()  # pystray runs its X calls directly on its loop's thread
        try:
            self.refresh()
            self._draw()  # the state at start, while the window is not shown: pystray keeps it without X calls
            icon._update_title()
            # Shown with one dock request, and painted once docked: pystray's `visible` would draw first, which
            # docks too, and two dock requests close together leave trayer holding no icon.
            icon._icon_valid = True
            icon.visible = True
            while self._handle_x_events(self.poll_s):
                self.refresh()
                self._draw()
            icon._stop()  # destroys the icon's window
        except ConnectionClosedError as e:
            log.warning("tray: the X display went away: %s", e)

    def _handle_x_events(self, timeout: float) -> bool:
        """Dispatch the icon's X events (a click, an expose, the tray restarting) for up to `timeout` seconds,
        or until woken; False once the tray is to stop."""
        display, handlers = self.icon._display, self.icon._message_handlers
        deadline = time.monotonic() + timeout
        while not self._wake.is_set():
            while display.pending_events():
                event = display.next_event()
                handlers.get(event.type, lambda e: None)(event)
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._wake.wait(left, display)
        self._wake.clear()
        return not self._stop.is_set()

    def stop(self) -> None:
        """Close the tray (the daemon runs on)."""
        self._stop.set()
        self._wake.set()
        if self._xorg:
            return  # run()'s own thread closes the icon
        if self._poller and self._poller is not threading.current_thread():
            # let a redraw in flight finish first; from pystray's own loop thread that redraw may be
            # waiting for this very thread, hence the bound
            self._poller.join(timeout=self.poll_s + 2)
        self.icon.stop()
