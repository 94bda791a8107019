"""`gumd doctor`: what gumd needs on this machine, checked one by one, each failure with its fix."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

from gumd.config import Settings

if TYPE_CHECKING:
    from gumd.observers.macos import MacAPI

MIN_FREE_GB, LOW_FREE_GB = 1.0, 5.0
X11_FIX = "log in to an X11 (\"Xorg\") session from the login screen's session menu, or run `gumd run --no-capture`"


@dataclass(frozen=True)
class Check:
    name: str
    level: str  # ok | warn | fail
    detail: str
    fix: str = ""


def screenshot_portal_version(timeout: float = 5.0) -> int | None:
    """The version of org.freedesktop.portal.Screenshot on the session bus, or None where there is none."""
    try:
        from jeepney import DBusAddress, Properties
        from jeepney.io.blocking import open_dbus_connection
        from jeepney.wrappers import unwrap_msg

        with open_dbus_connection(bus="SESSION") as conn:
            addr = DBusAddress("/org/freedesktop/portal/desktop", bus_name="org.freedesktop.portal.Desktop",
                               interface="org.freedesktop.portal.Screenshot")
            return int(unwrap_msg(conn.send_and_get_reply(Properties(addr).get("version"), timeout=timeout))[0][1])
    except Exception:  # no session bus, no portal, no Screenshot interface: all mean "not available"
        return None


def check_x11(display: str) -> list[Check]:
    """The X display: can it be opened, does a window manager set EWMH, is RECORD there for input counts."""
    from Xlib import display as xdisplay

    try:
        d = xdisplay.Display(display)
    except Exception as e:  # Xlib raises several unrelated types for a missing display
        return [Check("display", "fail", f"cannot open X display {display}: {e}",
                      "check DISPLAY and XAUTHORITY; under a service, `gumd service install` imports them")]
    try:
        root = d.screen().root
        wm = root.get_full_property(d.intern_atom("_NET_SUPPORTING_WM_CHECK"), 0)
        record = d.has_extension("RECORD")
        checks = [Check("display", "ok", f"X11 on {display}, {root.get_geometry().width}x{root.get_geometry().height}")]
        checks.append(Check("focused window", "ok", "the window manager publishes the active window (EWMH)") if wm else
                      Check("focused window", "fail", "no EWMH window manager: gumd cannot tell which window has focus",
                            "run a window manager or desktop that sets _NET_ACTIVE_WINDOW (any mainstream one does)"))
        checks.append(Check("input counts", "ok", "the X RECORD extension is available") if record else
                      Check("input counts", "fail", "the X server lacks the RECORD extension that input counting needs",
                            "enable RECORD in the X server (Xvfb: do not pass -extension RECORD)"))
        return checks
    finally:
        d.close()


def wayland_warning(environ: Mapping[str, str]) -> str | None:
    """A line for the start-up log when gumd runs on a Wayland session through XWayland, else None."""
    if environ.get("DISPLAY") and (environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland"):
        return ("Wayland session: gumd watches through XWayland, so it sees only X11 apps and their screenshots "
                f"may come out blank; {X11_FIX} (gumd doctor says more)")
    return None


def check_display(environ: Mapping[str, str], platform: str = sys.platform) -> list[Check]:
    """Which kind of session this is, and what gumd can watch in it."""
    if platform == "darwin":
        return [Check("display", "ok", "macOS (Quartz)")] + check_macos_permissions()
    if platform.startswith("win"):
        return [Check("display", "fail", "the gumd daemon does not run on Windows yet (it relies on POSIX file locks)",
                      "run gumd under WSL2 with WSLg, or on Linux or macOS")]
    wayland = environ.get("WAYLAND_DISPLAY") or environ.get("XDG_SESSION_TYPE") == "wayland"
    x11 = environ.get("DISPLAY")
    if wayland:
        version = screenshot_portal_version()
        portal = (f"the XDG screenshot portal is there (version {version}), but gumd does not capture through it yet"
                  if version else "no XDG screenshot portal answers on the session bus")
        what = (f"Wayland session: gumd watches through X11, so it sees only XWayland apps on {x11}, and on most "
                "compositors their screenshots come out blank; " + portal) if x11 else \
               f"Wayland session without XWayland: gumd has nothing it can watch; {portal}"
        return [Check("display", "fail", what, X11_FIX)]
    if x11:
        return check_x11(x11)
    return [Check("display", "fail", "no display: neither DISPLAY nor WAYLAND_DISPLAY is set",
                  "run gumd inside your desktop session, or `gumd run --no-capture` to serve and process only")]


def check_macos_permissions(api: MacAPI | None = None) -> list[Check]:
    """Screen Recording, Accessibility and Input Monitoring, for the app that runs gumd (Terminal, python3);
    `api` stands in for PyObjC (tests)."""
    from gumd.observers.macos import permissions, system_api
    from gumd.observers.window import DisplayUnavailable

    try:
        api = api or system_api()
    except DisplayUnavailable as e:
        return [Check("permissions", "fail", "cannot ask macOS for gumd's permissions", str(e).split(": ", 1)[-1])]
    return [Check(p.name, "ok", "granted") if p.granted else
            Check(p.name, "fail", ("not granted: " if p.granted is False else "could not be checked: ") + p.without,
                  p.how)
            for p in permissions(api)]


def check_model(settings: Settings, key: str = "model") -> Check:
    """Whether the model a setting names (`model`, or `nap_model`) is there and whole; nothing is loaded."""
    from gumd.models.registry import PRESETS, ModelNotFound, _chunk_files, sha256_of

    name = getattr(settings, key)
    preset = PRESETS.get(name)
    if preset is not None:
        target = settings.models_dir / preset.file
        if target.exists():
            if sha256_of(target) != preset.sha256:
                return Check(key, "fail", f"{target} does not match the preset's SHA-256",
                             f"delete {target}; gumd joins it again from its packages at the next start")
            return Check(key, "ok", f"{preset.name}: {target} (checksum verified)")
        if not preset.packaged:
            return Check(key, "fail", f"preset {preset.name} is not downloaded", f"gumd models pull {preset.name}")
        try:
            chunks = _chunk_files(preset)
        except ModelNotFound as e:
            return Check(key, "fail", f"preset {preset.name}: its packages are missing", str(e).split(": ", 1)[-1])
        return Check(key, "ok", f"{preset.name}: {len(chunks)} chunks installed; joined into {target} at first start")
    path = Path(name).expanduser()
    if not path.is_file():
        return Check(key, "fail", f"{key} {name!r} is neither a preset nor a file",
                     f"set `{key}` to a preset name or the path of a .gguf file")
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            return Check(key, "fail", f"{path} is not a GGUF file", f"point `{key}` at a .gguf file")
    return Check(key, "ok", f"{path} ({path.stat().st_size / 1e6:.0f} MB, GGUF)")


def check_ocr(settings: Settings) -> Check:
    tool = shutil.which("tesseract")
    if tool is None:
        return Check("ocr", "fail", "tesseract is not installed",
                     "Debian/Ubuntu: sudo apt install tesseract-ocr tesseract-ocr-eng; macOS: brew install tesseract")
    version = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30).stdout.split("\n")[0]
    return Check("ocr", "ok", f"{version} at {tool}")


def check_screen_reader(settings: Settings) -> Check:
    """How screens become text, and whether the vision model named can be set up (nothing big is loaded)."""
    from gumd.models.errors import ModelError
    from gumd.models.vision import load_screen_reader, remote_screenshots_warning

    if settings.screen_reader == "ocr":
        return Check("screen reader", "ok", "OCR (screen_reader = ocr)")
    if note := remote_screenshots_warning(settings):
        return Check("screen reader", "warn", note, "point vlm_url at a server on 127.0.0.1, or accept that the "
                                                    "screenshots are sent there")
    try:
        reader = load_screen_reader(settings)
    except ModelError as e:
        return Check("screen reader", "fail", str(e), "until then screens are read by OCR only (docs/vlm.md)")
    return Check("screen reader", "ok", f"{settings.screen_reader}: {reader.name}")


def check_disk(settings: Settings) -> Check:
    where = settings.data_path
    while not where.exists():
        where = where.parent
    free_gb = shutil.disk_usage(where).free / 1e9
    detail = f"{free_gb:.1f} GB free at {where}"
    if free_gb < MIN_FREE_GB:
        return Check("disk", "fail", detail, f"free at least {MIN_FREE_GB:.0f} GB: the model and database need it")
    if free_gb < LOW_FREE_GB:
        return Check("disk", "warn", detail, "the database grows with use; free some space soon")
    return Check("disk", "ok", detail)


def check_daemon(settings: Settings) -> list[Check]:
    from gumd.client import ApiError, Client, DaemonUnavailable

    checks = []
    data, sock = settings.data_path, settings.socket_path
    if data.exists() and stat.S_IMODE(data.stat().st_mode) & 0o077:
        checks.append(Check("data dir", "fail", f"{data} is readable by other users", f"chmod 700 {data}"))
    if sock.exists() and stat.S_IMODE(sock.stat().st_mode) & 0o077:
        checks.append(Check("socket", "fail", f"{sock} is open to other users", "restart gumd; it creates it 0600"))
    try:
        with Client(sock, timeout=5) as client:
            st = client.status()
        checks.append(Check("daemon", "ok", f"running, pid {st['pid']}, capture {st['capture']['state']}, "
                                            f"API on {sock}"))
    except (DaemonUnavailable, ApiError):
        if sock.exists():
            checks.append(Check("daemon", "warn", f"{sock} exists but no daemon answers (left by a crash)",
                                "start gumd: it replaces the stale socket and resumes pending work"))
        else:
            checks.append(Check("daemon", "warn", "not running", "start it: `gumd run`, or `gumd service install`"))
    return checks


def check_encryption(settings: Settings) -> Check:
    """Whether gumd.db is encrypted at rest, and, when `encrypt` is on, whether SQLCipher and the key are there."""
    from gumd.store.database import StoreOpenError, is_encrypted, sqlcipher
    from gumd.store.encryption import KEYRING_SERVICE, key_name, load_key

    db = settings.db_path
    state = is_encrypted(db)
    if not settings.encrypt:
        if state:
            return Check("encryption", "fail", f"{db} is encrypted but encrypt = false", "set encrypt = true")
        return Check("encryption", "ok", "off: gumd.db is plaintext SQLite (on a laptop, consider encrypt = true; "
                                         "docs/privacy.md: Encryption at rest)")
    try:
        sqlcipher()
        if state is False:
            return Check("encryption", "fail", f"encrypt = true, but {db} is plaintext",
                         "stop gumd, then `gumd store encrypt`")
        load_key(settings.data_path, create=False)
    except StoreOpenError as e:
        if state is None and "not in the OS keyring" in str(e):
            return Check("encryption", "ok", "on: gumd.db and its key are made at the first start")
        return Check("encryption", "fail", str(e), "docs/privacy.md: Encryption at rest")
    return Check("encryption", "ok", f"on: SQLCipher, key in the OS keyring (service {KEYRING_SERVICE!r}, "
                                     f"user {key_name(settings.data_path)!r})")


def check_service() -> Check:
    from gumd.service import current_platform, service_path

    path = service_path(current_platform(), Path.home())
    if path.exists():
        return Check("service", "ok", f"installed: {path}")
    return Check("service", "warn", "gumd does not start at log-in", "gumd service install")


def run_checks(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Check]:
    """Every check, in the order a newcomer should fix them."""
    environ = os.environ if environ is None else environ
    steps: list[Callable[[], Check | list[Check]]] = [
        lambda: check_display(environ) if settings.capture else [Check("display", "ok", "capture is off by setting")],
        lambda: check_model(settings),
        lambda: [] if settings.model_url or not settings.nap_model else check_model(settings, "nap_model"),
        lambda: check_ocr(settings),
        lambda: check_screen_reader(settings),
        lambda: check_disk(settings),
        lambda: check_encryption(settings),
        lambda: check_daemon(settings),
        check_service,
    ]
    checks: list[Check] = []
    for step in steps:
        result = step()
        checks.extend(result if isinstance(result, list) else [result])
    return checks


def as_dict(check: Check) -> dict[str, str]:
    return asdict(check)
