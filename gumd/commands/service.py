"""`gumd service install|uninstall|status|logs`: gumd as a login service (systemd user unit, launchd, Startup)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import deque
from pathlib import Path

from gumd.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("service", help="start gumd at log-in (systemd user unit, launchd agent, Startup entry)")
    actions = p.add_subparsers(dest="service_action", required=True, metavar="ACTION")
    for name, help_, func in (
        ("install", "write the service file and enable it", install),
        ("uninstall", "stop gumd and remove the service file", uninstall),
        ("status", "is the service installed, enabled, answering", status),
        ("logs", "the end of the daemon's log", logs),
    ):
        a = actions.add_parser(name, help=help_)
        a.set_defaults(func=func)
        if name in ("install", "uninstall"):
            a.add_argument("--platform", choices=("linux", "macos", "windows"),
                           help="write another platform's file (never enabled); default: this machine's")
        if name == "install":
            a.add_argument("--no-enable", action="store_true", help="write the file only; do not start it")
            a.add_argument("--print", action="store_true", help="print the file instead of writing it")
        if name == "logs":
            a.add_argument("-n", "--lines", type=int, default=40, help="how many lines (default 40)")
            a.add_argument("-f", "--follow", action="store_true", help="keep printing new lines until Ctrl-C")


def _config_file(args: argparse.Namespace) -> Path | None:
    chosen = args.config or os.environ.get("GUMD_CONFIG")
    return Path(chosen) if chosen else None


def _fail(message: str) -> int:
    print(f"gumd: {message}", file=sys.stderr)
    return 1


def install(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.service import ServiceError, current_platform, render, write
    from gumd.service.managers import MANAGERS

    platform = args.platform or current_platform()
    service = render(platform, settings, Path.home(), _config_file(args))
    if args.print:
        print(service.text, end="")
        return 0
    write(service)
    print(f"wrote {service.path}")
    if args.no_enable or platform != current_platform():
        return 0
    try:
        print(MANAGERS[platform]().enable(service))
    except ServiceError as e:
        return _fail(f"{e}; the file is in place: enable it from your desktop session "
                     f"(Linux: systemctl --user enable --now gumd.service)")
    return 0


def uninstall(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.service import ServiceError, current_platform, render
    from gumd.service.managers import MANAGERS

    platform = args.platform or current_platform()
    service = render(platform, settings, Path.home(), _config_file(args))
    if not service.path.exists():
        print(f"no service file at {service.path}; nothing to remove")
        return 0
    problem = None
    if platform == current_platform():
        try:
            MANAGERS[platform]().disable(service)
        except ServiceError as e:
            problem = str(e)
    service.path.unlink()
    print(f"removed {service.path}")
    if problem:
        return _fail(f"{problem}; if a daemon still runs, `gumd status` shows its pid")
    return 0


def status(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.client import Client, DaemonUnavailable
    from gumd.service import ServiceError, current_platform, service_path
    from gumd.service.managers import MANAGERS

    platform = current_platform()
    path = service_path(platform, Path.home())
    print(f"service file: {path} ({'installed' if path.exists() else 'not installed'})")
    try:
        print(f"service manager: {MANAGERS[platform]().state()}")
    except ServiceError as e:
        print(f"service manager: {e}")
    try:
        with Client(settings.socket_path, timeout=5) as client:
            st = client.status()
        print(f"daemon: running, pid {st['pid']}, capture {st['capture']['state']}, "
              f"engine {'busy' if st['engine']['busy'] else 'idle'}")
        answering = True
    except DaemonUnavailable:
        print(f"daemon: not answering on {settings.socket_path}")
        answering = False
    print(f"log: {settings.log_path}")
    return 0 if answering else 1


def logs(args: argparse.Namespace, settings: Settings) -> int:
    path = settings.log_path
    if not path.exists():
        return _fail(f"no log at {path} yet: the daemon writes it once it starts")
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in deque(f, maxlen=max(args.lines, 0)):
            print(line, end="")
        if not args.follow:
            return 0
        while True:
            line = f.readline()
            if line:
                print(line, end="", flush=True)
            else:
                time.sleep(0.5)
