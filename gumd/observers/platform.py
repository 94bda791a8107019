"""The desktop gumd watches, chosen by platform in this one place: its windows, its session (idle time, lock)
and its screens. Input counts come from pynput on every platform (gumd.observers.input).

X11 speaks python-xlib; macOS speaks Quartz and AppKit through PyObjC (gumd.observers.macos), imported only
when a Mac desktop is opened, so Linux never loads PyObjC.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gumd.observers.screen import Screen
from gumd.observers.session import SessionBackend
from gumd.observers.window import DisplayUnavailable, WindowBackend

if TYPE_CHECKING:
    from gumd.observers.macos import MacAPI

log = logging.getLogger(__name__)


@dataclass
class Desktop:
    """One platform's backends, connected; `session` is None where idle time and lock cannot be read (gumd's
    own input counts then stand in for idle, and a lock goes unseen)."""

    windows: WindowBackend
    screen: Screen
    session: SessionBackend | None = None

    def close(self) -> None:
        """Release every connection the desktop holds."""
        self.screen.close()
        if self.session is not None:
            self.session.close()
        self.windows.close()


def open_desktop(platform: str = sys.platform, mac_api: MacAPI | None = None) -> Desktop:
    """The desktop of this session; raises DisplayUnavailable with its reason where none can be watched.
    `mac_api` stands in for PyObjC on macOS (tests); by default the system's is loaded."""
    if platform == "darwin":
        from gumd.observers.macos import MacSessionBackend, MacWindowBackend, system_api

        api = mac_api or system_api()
        return Desktop(MacWindowBackend(api), Screen(), MacSessionBackend(api))
    from gumd.observers.session import X11SessionBackend
    from gumd.observers.window import default_backend

    windows = default_backend()
    try:
        session: SessionBackend | None = X11SessionBackend()
    except DisplayUnavailable as e:
        log.warning("screen lock and idle time unavailable: %s", e)
        session = None
    return Desktop(windows, Screen(), session)


def missing_permissions(platform: str = sys.platform, mac_api: MacAPI | None = None) -> list[str]:
    """One line per OS permission gumd lacks and what goes missing without it (macOS); [] elsewhere."""
    if platform != "darwin":
        return []
    from gumd.observers.macos import permissions, system_api

    try:
        api = mac_api or system_api()
    except DisplayUnavailable as e:
        return [str(e)]
    return [f"{p.name} is {'not granted' if p.granted is False else 'unknown (it could not be checked)'}: "
            f"{p.without} ({p.how})" for p in permissions(api) if not p.granted]
