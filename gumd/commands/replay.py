"""`gumd replay DIR`: saved screenshots through the same pipeline as the live screen."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from gumd.config import Settings, ensure_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="feed a folder of screenshots (+ events.jsonl) through the pipeline")
    p.add_argument("folder", type=Path)
    p.add_argument("--no-process", action="store_true", help="store observations only; leave them pending")
    p.add_argument("--speed", type=float, default=0.0, metavar="X",
                   help="pace events by their times, X times faster than recorded (default: as fast as possible)")
    p.add_argument("--model", dest="set_model", metavar="MODEL", help="preset name or path to a .gguf file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.capture.guard import WindowGuard
    from gumd.capture.handoff import Handoff
    from gumd.capture.pipeline import Pipeline
    from gumd.capture.writes import HeldWrites
    from gumd.daemon import AlreadyRunning, DataDirLock, SharedModel, setup_logging
    from gumd.models import ModelNotFound, load_embedder, load_ocr
    from gumd.propositions.engine import Engine
    from gumd.propositions.retrieve import Retriever
    from gumd.replay import ReplayError, replay
    from gumd.store.encryption import open_store
    from gumd.transcribe import Transcriber
    from gumd.usecases.rules import privacy_rules

    ensure_data_dir(settings)
    setup_logging(settings)
    lock = DataDirLock(settings.lock_path)
    try:
        lock.acquire()
        process = not args.no_process
    except AlreadyRunning:
        print("gumd: a daemon is running for this data dir; it will process the replayed observations",
              file=sys.stderr)
        process = False
    store = open_store(settings)
    try:
        exclusions, patterns = privacy_rules(store, settings.exclude_defaults)  # the user's own rules apply to replays too
        transcriber = Transcriber(load_ocr(settings.ocr, nice=settings.model_nice), extra_patterns=patterns)
        pipeline = Pipeline(Handoff(transcriber, source="replay"), HeldWrites(store), guard=WindowGuard(exclusions))
        try:
            result = replay(args.folder, pipeline, speed=args.speed)
        except ReplayError as e:
            print(f"gumd: {e}", file=sys.stderr)
            return 2
        print(f"replayed {result.frames} frames ({result.duplicates} identical skipped, "
              f"{pipeline.guard.excluded} excluded) -> {len(result.observations)} observations")
        if not process:
            return 0
        engine = Engine.from_settings(store, SharedModel(settings), Retriever(store, load_embedder(settings)), settings)
        made = failed = 0
        while (outcome := engine.run_once()) is not None:
            made += len(outcome.propositions)
            failed += bool(outcome.error)
            ops = ", ".join(f"{n} {kind}" for kind, n in sorted(outcome.operations.items())) or "no propositions"
            note = f"{outcome.status}: {outcome.error}" if outcome.error else ops
            print(f"batch {outcome.batch_id}: {outcome.observations} observations, {note} ({outcome.seconds:.1f} s)",
                  flush=True)
        print(f"done: {made} propositions, {failed} failed batches")
        return 1 if failed and not made else 0
    except ModelNotFound as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()
        lock.release()
