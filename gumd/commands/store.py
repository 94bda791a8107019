"""`gumd store encrypt`: turn a plaintext store into an encrypted one (see docs/privacy.md: Encryption at rest)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gumd.config import Settings, config_file_path, save_setting


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="the database: encrypt a plaintext one")
    commands = p.add_subparsers(dest="store_command", required=True, metavar="COMMAND")
    e = commands.add_parser("encrypt", help="encrypt gumd.db with a key kept in the OS keyring (stop gumd first)")
    e.set_defaults(func=encrypt)


def encrypt(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.daemon import AlreadyRunning, DataDirLock
    from gumd.store.encryption import encrypt_store

    if not settings.db_path.exists():
        print(f"gumd: {settings.db_path} does not exist: nothing to encrypt "
              "(with encrypt = true gumd creates it encrypted)", file=sys.stderr)
        return 2
    lock = DataDirLock(settings.lock_path)
    try:
        lock.acquire()
    except AlreadyRunning as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    try:
        counts = encrypt_store(settings)
    finally:
        lock.release()
    done = f"gumd: encrypted {settings.db_path} ({sum(counts.values())} rows in {len(counts)} tables); " \
           "the plaintext was overwritten"
    if settings.encrypt:
        print(f"{done}; encrypt is already on")
    else:
        config = Path(args.config) if args.config else config_file_path()
        save_setting("encrypt", True, config)
        print(f"{done}; set encrypt = true in {config}")
    return 0
