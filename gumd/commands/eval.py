"""`gumd eval nap --format F FILE...`: measure predictors on recorded streams; one subcommand per evaluation."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gumd.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="measure gumd's predictors on recorded data")
    targets = p.add_subparsers(dest="evaluation", required=True, metavar="WHAT")
    for add in EVALUATIONS:
        add(targets)


def _register_nap(targets: argparse._SubParsersAction) -> None:
    from gumd.nap.evaluate import READERS

    p = targets.add_parser("nap", help="next-action prediction, prequential top-1/top-5/MRR")
    p.add_argument("--format", required=True, choices=sorted(READERS), help="how to read FILE")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--json", action="store_true", help="one JSON object per predictor, one per line")
    p.add_argument("--in-context", type=int, default=0, metavar="N",
                   help="with --format gumd: also run the in-context predictor (the model) on the last N actions")
    p.set_defaults(func=nap)


EVALUATIONS = (_register_nap,)


def nap(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.nap.baselines import standard_predictors
    from gumd.nap.evaluate import READERS, StreamFormatError, evaluate, evaluate_in_context

    if args.in_context and args.format != "gumd":
        print("gumd: --in-context needs --format gumd (recorded actions with screen text)", file=sys.stderr)
        return 2
    try:
        streams = [READERS[args.format](path) for path in args.files]
    except (OSError, StreamFormatError) as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 2
    scores = evaluate(streams, standard_predictors)
    if args.in_context:
        from gumd.models import ModelNotFound, load_language_model

        try:
            model = load_language_model(settings)
        except ModelNotFound as e:
            print(f"gumd: {e}", file=sys.stderr)
            return 1
        scores += evaluate_in_context(args.files, model, args.in_context)
    for s in scores:
        row = {"predictor": s.predictor, "top1": round(s.top1, 4), "top5": round(s.top5, 4),
               "mrr": round(s.mrr, 4), "n": s.n, "files": len(args.files)}
        if args.json:
            print(json.dumps(row))
        else:
            print(f"{s.predictor:<16} top-1 {s.top1:6.1%}  top-5 {s.top5:6.1%}  MRR {s.mrr:.3f}  n {s.n}")
    return 0
