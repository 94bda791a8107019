"""The `gumd` command: a thin layer over the library. Each command group lives in gumd/commands/."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from gumd.config import ConfigError, Settings, UnsafeDataDir, load_settings

# Modules in gumd.commands; each defines register(subparsers) and sets func(args, settings) -> int.
COMMAND_MODULES = (
    "daemon", "query", "replay", "capture", "eval", "predict", "models", "token", "audit", "mcp", "service", "doctor",
    "tray", "dashboard", "store", "config",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gumd", description="On-device general user model daemon.")
    parser.add_argument("--data-dir", help="data directory (DB, socket, logs); env GUMD_DATA_DIR")
    parser.add_argument("--config", help="config.toml to read instead of the platform default; env GUMD_CONFIG")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING or ERROR")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override any setting (repeatable)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"gumd.commands.{name}").register(sub)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings with this invocation's flags on top of file and environment."""
    flags: dict[str, object] = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--set {item!r}: expected KEY=VALUE")
        flags[key.strip().replace("-", "_")] = value
    # Command flags that stand for settings use dest="set_<key>" (e.g. `gumd run --model`).
    flags.update({k[4:]: v for k, v in vars(args).items() if k.startswith("set_") and v is not None})
    flags["data_dir"] = args.data_dir
    flags["log_level"] = args.log_level
    return load_settings(flags, config_file=Path(args.config) if args.config else None)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ConfigError as e:
        print(f"gumd: config error: {e}", file=sys.stderr)
        return 2
    try:
        return args.func(args, settings)
    except KeyboardInterrupt:
        return 130
    except UnsafeDataDir as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 2
    except Exception as e:
        from gumd.store.database import StoreOpenError  # imported here: most commands never open the store

        if not isinstance(e, StoreOpenError):
            raise
        print(f"gumd: {e}", file=sys.stderr)
        return e.exit_code


if __name__ == "__main__":
    sys.exit(main())
