"""`gumd predict`: what you will probably do next, from the recorded actions and the current screen."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from gumd.config import Settings, ensure_data_dir


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("predict", help="predict your next action")
    p.add_argument("--screen-text", help="screen text to use instead of the newest observation's")
    p.add_argument("--no-model", action="store_true", help="statistical candidates only (instant)")
    p.add_argument("--min-confidence", type=float, default=0.0, metavar="P",
                   help="show only actions whose calibrated confidence is at least P (0..1)")
    p.add_argument("--model", dest="set_nap_model", metavar="MODEL",
                   help="preset name or path to a .gguf file (the `nap_model` setting)")
    p.add_argument("--json", action="store_true", help="print the prediction as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.models import ModelNotFound, load_next_action_model
    from gumd.nap.predict import Predictor
    from gumd.store.encryption import open_store

    ensure_data_dir(settings)
    store = open_store(settings)
    try:
        model = None
        if not args.no_model:
            try:
                model = load_next_action_model(settings)
            except ModelNotFound as e:
                print(f"gumd: {e}", file=sys.stderr)
                return 1
        screen = args.screen_text
        if screen is None:
            newest = store.observations.newest(limit=1)
            screen = newest[0].text if newest else ""
        prediction = Predictor(store, model).predict_next(screen_text=screen)
    finally:
        store.close()
    shown = [a for a in prediction.actions if a.confidence >= args.min_confidence]
    if args.json:
        print(json.dumps(dataclasses.asdict(prediction) | {"actions": [dataclasses.asdict(a) for a in shown]}, indent=2))
        return 0
    if not prediction.actions:
        print("no prediction yet: gumd has recorded no actions")
        return 0
    if not shown:
        print(f"no prediction with confidence >= {args.min_confidence:.2f}")
    for i, a in enumerate(shown, 1):
        print(f"{i}. {a.caption}  ({a.confidence:.0%})")
    if prediction.reasoning:
        print(f"   because ({prediction.source}): {prediction.reasoning}")
    return 0
