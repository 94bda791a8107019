"""Settings: built-in defaults < config.toml < GUMD_* environment < command-line flags.

Every value is checked once, at start-up; a bad one raises ConfigError with a
one-line message naming the key and what it accepts.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import platformdirs

APP = "gumd"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
OCR_ENGINES = ("tesseract",)
MODEL_JSON_MODES = ("json_schema", "json_object")


class ConfigError(ValueError):
    """A setting has a value gumd cannot use; the message names key and allowed values."""


def _default_data_dir() -> str:
    return platformdirs.user_data_dir(APP)


def default_log_dir() -> Path:
    """The platform's log dir for gumd (~/.local/state/gumd/log, ~/Library/Logs/gumd, ...)."""
    return Path(platformdirs.user_log_dir(APP))


def _default_threads() -> int:
    """Physical cores when the OS tells, else logical cores; llama.cpp gains nothing from SMT."""
    logical = os.cpu_count() or 1
    try:
        cores = set()
        with open("/proc/cpuinfo") as f:
            phys = core = None
            for line in f:
                if line.startswith("physical id"):
                    phys = line.split(":")[1].strip()
                elif line.startswith("core id"):
                    core = line.split(":")[1].strip()
                    cores.add((phys, core))
        return max(1, len(cores)) if cores else logical
    except OSError:
        return logical


@dataclass(frozen=True)
class Settings:
    """Every setting gumd reads, with its default; see README for what each does."""

    data_dir: str = field(default_factory=_default_data_dir)
    model: str = "qwen2.5-coder-0.5b"
    model_threads: int = field(default_factory=_default_threads)
    model_context: int = 4096
    model_gpu_layers: int = 0
    model_max_tokens: int = 768
    ocr: str = "tesseract"
    capture: bool = True
    capture_settle_keys_s: float = 0.7
    capture_settle_click_s: float = 0.3
    capture_settle_scroll_s: float = 0.5
    capture_min_interval_s: float = 2.0
    capture_heartbeat_s: float = 30.0
    capture_idle_s: float = 120.0
    capture_duplicate_cells: int = 4
    capture_incremental_ocr: bool = True
    capture_cpu_budget: float = 0.025
    capture_cpu_window_s: float = 300.0
    exclude_defaults: bool = True
    keep_screenshots: bool = False
    keep_screenshots_mb: int = 500
    window_poll_s: float = 0.5
    batch_interval_s: float = 60.0
    batch_max_observations: int = 8
    batch_max_chars: int = 6000
    batch_window_s: float = 3600.0
    batch_max_attempts: int = 3
    batch_retry_backoff_s: float = 60.0
    api_tcp_port: int = 0
    log_level: str = "INFO"
    model_url: str = ""  # an OpenAI-compatible server (…/v1); when set, `model` is the name the server knows
    model_api_key: str = field(default="", repr=False)  # for model_url; set it as GUMD_MODEL_API_KEY
    model_timeout_s: float = 300.0
    model_json_mode: str = "json_schema"
    model_prompt_cache_mb: int = 256
    model_prompt_lookup: int = 0  # draft tokens proposed from the prompt per step (prompt-lookup decoding); 0: off
    model_idle_unload_s: float = 900.0
    model_nice: int = 10
    embedder: str = "minilm"  # "minilm" (packaged, run by ONNX Runtime) or a path to a GGUF embedding model
    embed_batch_size: int = 64
    hub_url: str = "https://huggingface.co"
    battery_batch_interval_s: float = 900.0
    log_dir: str = ""  # empty: the platform log dir, or the data dir when data_dir is not the default
    encrypt: bool = False  # SQLCipher, with a random key kept in the OS keyring (README: Encryption at rest)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()

    @property
    def db_path(self) -> Path:
        return self.data_path / "gumd.db"

    @property
    def socket_path(self) -> Path:
        return self.data_path / "gumd.sock"

    @property
    def lock_path(self) -> Path:
        return self.data_path / "gumd.lock"

    @property
    def log_path(self) -> Path:
        """The rotating log: in log_dir when set; else in the platform log dir for the default data dir,
        and inside the data dir for any other (tests and second instances keep their logs apart)."""
        if self.log_dir:
            base = Path(self.log_dir).expanduser()
        elif self.data_path == Path(_default_data_dir()).expanduser():
            base = default_log_dir()
        else:
            base = self.data_path
        return base / "gumd.log"

    @property
    def frames_dir(self) -> Path:
        return self.data_path / "frames"

    @property
    def models_dir(self) -> Path:
        return self.data_path / "models"


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}

# Per-key checks beyond the type: (predicate, description of allowed values).
_RULES: dict[str, tuple[Any, str]] = {
    "model_threads": (lambda v: v >= 1, "an integer >= 1"),
    "model_context": (lambda v: 512 <= v <= 131072, "an integer from 512 to 131072"),
    "model_gpu_layers": (lambda v: v >= -1, "an integer >= -1 (-1 offloads every layer)"),
    "model_max_tokens": (lambda v: 16 <= v <= 8192, "an integer from 16 to 8192"),
    "ocr": (lambda v: v in OCR_ENGINES, "one of: " + ", ".join(OCR_ENGINES)),
    "log_level": (lambda v: v in LOG_LEVELS, "one of: " + ", ".join(LOG_LEVELS)),
    "capture_settle_keys_s": (lambda v: 0.05 <= v <= 60, "seconds from 0.05 to 60"),
    "capture_settle_click_s": (lambda v: 0.05 <= v <= 60, "seconds from 0.05 to 60"),
    "capture_settle_scroll_s": (lambda v: 0.05 <= v <= 60, "seconds from 0.05 to 60"),
    "capture_min_interval_s": (lambda v: 0 <= v <= 3600, "seconds from 0 to 3600"),
    "capture_heartbeat_s": (lambda v: 1 <= v <= 3600, "seconds from 1 to 3600"),
    "capture_idle_s": (lambda v: 5 <= v <= 86400, "seconds from 5 to 86400"),
    "capture_cpu_budget": (lambda v: 0 <= v <= 1, "a share of one core from 0 (no budget) to 1, e.g. 0.025"),
    "capture_cpu_window_s": (lambda v: 5 <= v <= 3600, "seconds from 5 to 3600"),
    "capture_duplicate_cells": (lambda v: 0 <= v <= 10000, "an integer from 0 to 10000 (8x8-pixel cells)"),
    "keep_screenshots_mb": (lambda v: 1 <= v <= 1_000_000, "megabytes from 1 to 1000000"),
    "window_poll_s": (lambda v: 0.05 <= v <= 60, "seconds from 0.05 to 60"),
    "batch_interval_s": (lambda v: 0.1 <= v <= 86400, "seconds from 0.1 to 86400"),
    "batch_max_observations": (lambda v: 1 <= v <= 200, "an integer from 1 to 200"),
    "batch_max_chars": (lambda v: 500 <= v <= 200000, "an integer from 500 to 200000"),
    "batch_window_s": (lambda v: 60 <= v <= 86400, "seconds from 60 to 86400"),
    "batch_max_attempts": (lambda v: 1 <= v <= 20, "an integer from 1 to 20"),
    "batch_retry_backoff_s": (lambda v: 0 <= v <= 86400, "seconds from 0 to 86400"),
    "model": (lambda v: bool(v.strip()), "a preset name (gumd models list) or a path to a .gguf file"),
    "data_dir": (lambda v: bool(v.strip()), "a directory path"),
    "model_url": (lambda v: v == "" or v.startswith(("http://", "https://")), "empty or an http(s):// URL"),
    "model_timeout_s": (lambda v: 1 <= v <= 3600, "seconds from 1 to 3600"),
    "model_json_mode": (lambda v: v in MODEL_JSON_MODES, "one of: " + ", ".join(MODEL_JSON_MODES)),
    "model_prompt_cache_mb": (lambda v: 0 <= v <= 65536, "megabytes from 0 (off) to 65536"),
    "model_prompt_lookup": (lambda v: 0 <= v <= 32, "draft tokens from 0 (off) to 32"),
    "model_idle_unload_s": (lambda v: 0 <= v <= 604800, "seconds from 0 (never unload) to 604800"),
    "model_nice": (lambda v: 0 <= v <= 19, "an integer from 0 (normal priority) to 19 (lowest)"),
    "embedder": (lambda v: v == "minilm" or v.endswith(".gguf"), "minilm or a path to a .gguf embedding model"),
    "embed_batch_size": (lambda v: 1 <= v <= 4096, "an integer from 1 to 4096"),
    "hub_url": (lambda v: v.startswith(("http://", "https://")), "an http(s):// URL"),
    "battery_batch_interval_s": (lambda v: 0 <= v <= 86400, "seconds from 0 (wait for mains power) to 86400"),
    "api_tcp_port": (lambda v: v == 0 or 1024 <= v <= 65535, "0 (off) or a port from 1024 to 65535"),
}

_NOT_SETTINGS = {"GUMD_CONFIG", "GUMD_TOKEN", "GUMD_AW_PYTHON"}  # config path; `gumd mcp` token; the tests' aw-server
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(key: str, raw: Any, source: str) -> Any:
    """Turn a raw value (TOML value or string) into the field's type, or raise ConfigError."""
    if key not in _FIELDS:
        raise ConfigError(f"unknown setting {key!r} in {source}; known settings: {', '.join(sorted(_FIELDS))}")
    kind = _FIELDS[key].type
    rule, allowed = _RULES.get(key, (lambda v: True, ""))
    allowed = allowed or {"bool": "true or false", "int": "an integer", "float": "a number"}.get(kind, "a string")
    try:
        if kind == "bool":
            if isinstance(raw, bool):
                value: Any = raw
            elif str(raw).strip().lower() in _TRUE | _FALSE:
                value = str(raw).strip().lower() in _TRUE
            else:
                raise ValueError
        elif kind == "int":
            if isinstance(raw, bool) or isinstance(raw, float):
                raise ValueError
            value = int(str(raw).strip())
        elif kind == "float":
            if isinstance(raw, bool):
                raise ValueError
            value = float(str(raw).strip())
        else:
            if not isinstance(raw, str):
                raise ValueError
            value = raw.strip().upper() if key == "log_level" else raw
        if not rule(value):
            raise ValueError
    except (ValueError, TypeError):
        raise ConfigError(f"{key} = {raw!r} (from {source}) is not allowed; expected {allowed}") from None
    return value


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
    if isinstance(value, bool):
        literal = "true" if value else "false"
    elif isinstance(value, (int, float)):
        literal = repr(value)
    else:
        literal = json.dumps(value)  # a JSON string is a valid TOML basic string
    lines = path.read_text().splitlines() if path.exists() else []
    line = f"{key} = {literal}"
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
