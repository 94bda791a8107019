"""`gumd run`: the daemon in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from gumd.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="watch the screen, build the user model, serve the API")
    p.add_argument("--model", dest="set_model", metavar="MODEL", help="preset name or path to a .gguf file")
    p.add_argument("--no-capture", dest="set_capture", action="store_const", const=False,
                   help="serve and process without watching the screen")
    p.add_argument("--batch-interval", dest="set_batch_interval_s", metavar="SECONDS", help="seconds between processing runs")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.daemon import AlreadyRunning, Daemon
    from gumd.models import ModelNotFound
    from gumd.observers.window import DisplayUnavailable
    from gumd.store.database import StoreOpenError

    try:
        code = Daemon(settings).run()
    except (AlreadyRunning, DisplayUnavailable, ModelNotFound) as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    except StoreOpenError as e:  # encryption settings, keyring or key: one line, in the log and on stderr
        logging.getLogger("gumd").error("cannot open the database: %s", e)
        return e.exit_code
    # Everything is stored and closed. A model call may still be running in a daemon thread; letting
    # the interpreter tear down around native code (llama.cpp, torch) can crash, so leave at once.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
