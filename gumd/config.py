"""Settings: built-in defaults < config.toml < GUMD_* environment < command-line flags.

Every value is checked once, at start-up, against its declaration in
gumd.settings; a bad one raises ConfigError with a one-line message naming the
key and what it accepts.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

import platformdirs

from gumd.settings import APP, DECLARED, Settings, allowed, declaration, default_log_dir, toml_literal

__all__ = [
    "ConfigError", "Settings", "UnsafeDataDir", "check_private_dir", "config_file_path", "default_log_dir",
    "ensure_data_dir", "load_settings", "save_setting",
]


class ConfigError(ValueError):
    """A setting has a value gumd cannot use; the message names key and allowed values."""


_NOT_SETTINGS = {"GUMD_CONFIG", "GUMD_TOKEN", "GUMD_AW_PYTHON"}  # config path; `gumd mcp` token; the tests' aw-server
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(key: str, raw: Any, source: str) -> Any:
    """Turn a raw value (TOML value or string) into the setting's type, or raise ConfigError."""
    if key not in DECLARED:
        raise ConfigError(f"unknown setting {key!r} in {source}; known settings: {', '.join(sorted(DECLARED))}")
    kind, declared = DECLARED[key].type, declaration(key)
    try:
        value = _typed(kind, raw)
        if kind == "str" and declared.normalize:
            value = declared.normalize(value)
        if declared.check and not declared.check.test(value):
            raise ValueError
    except (ValueError, TypeError):
        raise ConfigError(f"{key} = {raw!r} (from {source}) is not allowed; expected {allowed(key)}") from None
    return value


def _typed(kind: str, raw: Any) -> Any:
    """`raw` as a value of `kind` ("bool", "int", "float" or "str"); ValueError when it is not one."""
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        if str(raw).strip().lower() in _TRUE | _FALSE:
            return str(raw).strip().lower() in _TRUE
        raise ValueError
    if kind == "int":
        if isinstance(raw, bool) or isinstance(raw, float):
            raise ValueError
        return int(str(raw).strip())
    if kind == "float":
        if isinstance(raw, bool):
            raise ValueError
        return float(str(raw).strip())
    if not isinstance(raw, str):
        raise ValueError
    return raw


def config_file_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where config.toml is read from: $GUMD_CONFIG, else the platform config dir."""
    environ = os.environ if environ is None else environ
    if environ.get("GUMD_CONFIG"):
        return Path(environ["GUMD_CONFIG"]).expanduser()
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Build Settings from defaults, the TOML file, GUMD_* variables and flags, in that order."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    path = config_file or config_file_path(environ)
    if path.exists():
        try:
            table = tomllib.loads(path.read_text())
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{path} is not valid TOML: {e}") from None
        for key, raw in table.items():
            values[key] = _coerce(key, raw, str(path))
    for name, raw in environ.items():
        if name.startswith("GUMD_") and name not in _NOT_SETTINGS:
            key = name[5:].lower()
            values[key] = _coerce(key, raw, f"environment variable {name}")
    for key, raw in (flags or {}).items():
        if raw is not None:
            values[key] = _coerce(key, raw, f"--{key.replace('_', '-')}")
    return Settings(**values)


class UnsafeDataDir(ConfigError):
    """The data dir (or the log dir) is not the user's own, or a file gumd writes there is a symlink."""


# The files gumd opens by name in the data dir and log dir; none may be a symlink (it would write through it).
PRIVATE_FILES = ("gumd.db", "gumd.db-wal", "gumd.db-shm", "gumd.db-journal", "gumd.lock", "gumd.sock", "gumd.log",
                 *(f"gumd.log.{i}" for i in range(1, 4)))


def check_private_dir(path: Path, what: str = "data dir") -> None:
    """Raise UnsafeDataDir unless `path` belongs to this user and holds no symlink where gumd writes a file."""
    owner = path.stat().st_uid
    if owner != os.getuid():
        raise UnsafeDataDir(f"the {what} {path} belongs to uid {owner}, not to you (uid {os.getuid()}): "
                            "pick a directory of your own with --data-dir")
    for name in PRIVATE_FILES:
        if (path / name).is_symlink():
            raise UnsafeDataDir(f"{path / name} is a symlink; gumd will not write through it: remove it "
                                f"(`rm {path / name}`) and start again")


def ensure_data_dir(settings: Settings) -> Path:
    """Create the data dir (and models dir) readable by the user alone; refuse one owned by another user or
    with a symlink where gumd writes a file."""
    path = settings.data_path
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    check_private_dir(path)
    os.chmod(path, 0o700)
    if settings.log_path.parent != path and settings.log_path.parent.exists():
        check_private_dir(settings.log_path.parent, "log dir")
    return path


def save_setting(key: str, value: Any, path: Path) -> None:
    """Set one key in config.toml (checked like any other source), keeping the file's other lines."""
    value = _coerce(key, value, f"the value for {key}")
    lines = path.read_text().splitlines() if path.exists() else []
    line = f"{key} = {toml_literal(value)}"
    for i, old in enumerate(lines):
        if old.split("=", 1)[0].strip() == key:
            lines[i] = line
            break
    else:
        lines.append(line)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)
