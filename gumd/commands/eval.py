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
                   help="with --format gumd: also run the in-context predictor (the model) on the last N actions; "
                        "both it and the statistics' replay report how similar their top caption was to the real one")
    p.set_defaults(func=nap)


def _register_propositions(targets: argparse._SubParsersAction) -> None:
    p = targets.add_parser("propositions", help="the GUM loop on scenarios: fact recall, precision, calibration")
    p.add_argument("scenarios", nargs="+", type=Path, metavar="SCENARIO", help="JSONL of observations and facts")
    p.add_argument("--model", dest="set_model", metavar="MODEL", help="preset name or path to a .gguf file")
    p.add_argument("--judge", metavar="MODEL",
                   help="a model (preset or .gguf) that judges matches instead of embeddings")
    p.add_argument("--match-cosine", type=float, default=0.6, help="embedding similarity that counts as a match")
    p.add_argument("--answers", type=Path, metavar="FILE",
                   help="replay the model's answers recorded in FILE and record the new ones there: a run again "
                        "gives the same answers without model time (its model seconds are the recorded ones)")
    p.add_argument("--floor", type=int, choices=range(1, 11), metavar="1-10",
                   help="store candidates from this confidence up (default: gumd's own floor; "
                        "1 for the runs a confidence table is fitted on)")
    p.add_argument("--json", action="store_true",
                   help="print every proposition with its confidence, evidence and the fact it matched, as JSON")
    p.set_defaults(func=propositions)


EVALUATIONS = (_register_nap, _register_propositions)


def nap(args: argparse.Namespace, settings: Settings) -> int:
    from gumd.nap.baselines import standard_predictors
    from gumd.nap.evaluate import (
        READERS,
        StreamFormatError,
        evaluate,
        evaluate_in_context,
    )

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
        from gumd.models import ModelNotFound, load_next_action_model

        try:
            model = load_next_action_model(settings)
        except ModelNotFound as e:
            print(f"gumd: {e}", file=sys.stderr)
            return 1
        scores += evaluate_in_context(args.files, model, args.in_context)
    for s in scores:
        row = {"predictor": s.predictor, "top1": round(s.top1, 4), "top5": round(s.top5, 4),
               "mrr": round(s.mrr, 4), "n": s.n, "files": len(args.files)}
        described = s.similarity is not None  # in-context replay: how close the top caption was to the real one
        if described:
            row["similarity"] = round(s.similarity, 4)
        if args.json:
            print(json.dumps(row))
        else:
            print(f"{s.predictor:<16} top-1 {s.top1:6.1%}  top-5 {s.top5:6.1%}  MRR {s.mrr:.3f}  n {s.n}"
                  + (f"  description similarity {s.similarity:.3f}" if described else ""))
    return 0


def propositions(args: argparse.Namespace, settings: Settings) -> int:
    import dataclasses

    from gumd.models import ModelError, load_embedder, load_language_model
    from gumd.models.recorded import RecordedModel
    from gumd.propositions.evaluate import ScenarioError, as_json, evaluate, load_scenario, summarize
    from gumd.propositions.propose import MIN_CONFIDENCE

    try:
        scenarios = [load_scenario(path) for path in args.scenarios]
    except (OSError, ScenarioError) as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 2
    try:
        model = load_language_model(settings)
        if args.answers:
            model = RecordedModel(model, args.answers)
        embedder = load_embedder(settings)
        judge = load_language_model(dataclasses.replace(settings, model=args.judge)) if args.judge else None
    except ModelError as e:
        print(f"gumd: {e}", file=sys.stderr)
        return 1
    except OSError as e:  # --answers names a folder or a file that cannot be read
        print(f"gumd: {e}", file=sys.stderr)
        return 2
    progress = lambda msg: print("  " + msg, file=sys.stderr, flush=True)  # noqa: E731
    scores = []
    for n, sc in enumerate(scenarios, 1):
        progress(f"[{n}/{len(scenarios)}] {sc.name} ({sc.split or 'no split'}, {len(sc.observations)} observations)")
        scores.append(evaluate(sc, lambda: model, embedder, args.match_cosine, judge, progress,
                               args.floor or MIN_CONFIDENCE))
    if args.answers:
        progress(f"answers: {model.replayed} replayed from {args.answers}, {model.recorded} recorded there")
    if args.json:
        print(as_json(scores))
        return 0
    how = f"judge {args.judge}" if args.judge else "fact hints (every group), cosine >= " + str(args.match_cosine)
    print(f"model {settings.model}; matches by {how}")
    print(f"{'scenario':<18} {'split':<6} {'obs':>4} {'facts':>5} {'props':>5} {'recall':>7} {'precision':>9} "
          f"{'false':>5} {'model s':>8}")
    for s in scores:
        print(f"{s.scenario:<18} {s.split:<6} {s.observations:>4} {s.facts:>5} {s.propositions:>5} {s.recall:>7.0%} "
              f"{s.precision:>9.0%} {s.false_beliefs:>5} {s.model_seconds:>8.0f}")
    splits = sorted({s.split for s in scores})
    for split in splits:
        m = summarize([s for s in scores if s.split == split])
        print(f"\n{split or 'all'}: {m.scenarios} scenarios, {m.facts} facts, {m.propositions} propositions: "
              f"recall {m.recall:.0%}, precision {m.precision:.0%}, ECE {m.ece:.2f}, false beliefs {m.false_beliefs}, "
              f"dropped {m.dropped or 'none'}")
        print("  facts found by kind: " + ", ".join(f"{kind} {n}/{total}" for kind, (n, total) in m.kinds.items()))
        print(f"  model {m.model_seconds_per_observation:.1f} s/observation "
              f"({m.prompt_tokens_per_observation:.0f} tokens in, {m.completion_tokens_per_observation:.0f} out): "
              f"{m.model_share_at_120_per_hour:.0%} of an hour at 120 observations/hour")
        print("  confidence  n  accuracy  mean confidence")
        for name, b in m.bins.items():
            print(f"  {name:>10} {b['n']:>3}  {b['accuracy']:>8.0%}  {b['confidence']:>15.2f}")
    return 0
