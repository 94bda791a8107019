"""Opening a dashboard login link in the user's browser without its code in any process's command line.

Every user can read every process's `/proc/PID/cmdline`, so a browser started
with `.../dashboard/login?code=...` hands the code to anyone polling for it.
Instead the link goes into a small HTML file that only the user can read (0600,
in a 0700 folder of the user's runtime dir), which redirects to the link; the
browser is started with the file's path. Files left from earlier logins go on
the next call (their codes expired after two minutes anyway).
"""

from __future__ import annotations

import html
import os
import secrets
import time
import webbrowser
from pathlib import Path

from gumd.api.sessions import LOGIN_CODE_TTL_S

PREFIX = "dashboard-login-"

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0; url={url}">
<title>gumd dashboard</title>
</head>
<body><p>Opening the gumd dashboard: <a href="{url}">continue</a>.</p></body>
</html>
"""


def login_dir(data_dir: Path) -> Path:
    """$XDG_RUNTIME_DIR/gumd (memory-backed, the user's own), or the data dir when there is no runtime dir."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir() and Path(runtime).stat().st_uid == os.getuid():
        return Path(runtime) / "gumd"
    return data_dir


def write_login_page(url: str, folder: Path, now: float | None = None) -> Path:
    """A 0600 HTML file in `folder` (made 0700) that sends the browser on to `url`; stale ones go first."""
    now = time.time() if now is None else now
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.is_symlink() or folder.stat().st_uid != os.getuid():
        raise PermissionError(f"{folder} is not a folder of your own; gumd will not put a login link there")
    os.chmod(folder, 0o700)
    for old in folder.glob(f"{PREFIX}*.html"):
        try:
            if now - old.lstat().st_mtime > LOGIN_CODE_TTL_S:
                old.unlink()
        except FileNotFoundError:
            pass
    path = folder / f"{PREFIX}{secrets.token_hex(8)}.html"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(PAGE.format(url=html.escape(url, quote=True)))
    return path


def open_login_link(url: str, data_dir: Path) -> bool:
    """Open the dashboard's login link in the user's browser by way of a private file; False when no browser
    could be started."""
    return webbrowser.open(write_login_page(url, login_dir(data_dir)).as_uri())
