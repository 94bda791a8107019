"""Redaction recall and false-positive rate over the generated corpus (tests/support/redaction_corpus.py).

    python bench/redaction.py [--seed 10] [--per-kind 25] [--misses]

Recall per secret kind: the share of samples whose secret is gone after redact(). False-positive rate per
look-alike kind: the share of innocent samples redact() changed. The baseline row is a redactor that
removes nothing (recall 0, FP 0), measured on the same corpus. --misses prints each distinct miss.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gumd.privacy import redact  # noqa: E402
from tests.support.redaction_corpus import Sample, corpus, leaked  # noqa: E402


def measure(secrets: list[Sample], innocents: list[Sample], redactor=lambda t: redact(t).text):
    """({kind: (caught, total)}, {kind: (changed, total)}) for this redactor."""
    caught, total, changed, seen = Counter(), Counter(), Counter(), Counter()
    for s in secrets:
        total[s.kind] += 1
        caught[s.kind] += not leaked(s, redactor(s.text))
    for s in innocents:
        seen[s.kind] += 1
        changed[s.kind] += redactor(s.text) != s.text
    return ({k: (caught[k], total[k]) for k in total}, {k: (changed[k], seen[k]) for k in seen})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--per-kind", type=int, default=25)
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    secrets, innocents = corpus(args.seed, args.per_kind)
    start = time.perf_counter()
    recall, fp = measure(secrets, innocents)
    seconds = time.perf_counter() - start
    base_recall, base_fp = measure(secrets, innocents, redactor=lambda t: t)
    print(f"machine: {platform.machine()} {platform.python_implementation()} {platform.python_version()}; "
          f"corpus seed {args.seed}: {len(secrets)} secret texts, {len(innocents)} look-alikes; "
          f"redact() over all of them: {seconds * 1000:.0f} ms")
    print(f"\n{'secret kind':<16}{'recall':>12}{'baseline':>10}")
    for kind, (c, n) in recall.items():
        print(f"{kind:<16}{c:>5}/{n:<3}{c / n:>4.0%}{base_recall[kind][0] / n:>10.0%}")
    c, n = sum(c for c, _ in recall.values()), sum(n for _, n in recall.values())
    print(f"{'all':<16}{c:>5}/{n:<3}{c / n:>4.0%}")
    print(f"\n{'look-alike kind':<16}{'false pos.':>12}{'baseline':>10}")
    for kind, (f, n) in fp.items():
        print(f"{kind:<16}{f:>5}/{n:<3}{f / n:>4.0%}{base_fp[kind][0] / n:>10.0%}")
    f, n = sum(f for f, _ in fp.values()), sum(n for _, n in fp.values())
    print(f"{'all':<16}{f:>5}/{n:<3}{f / n:>4.0%}")
    if args.misses:
        shown = set()
        for s in secrets:
            if leaked(s, redact(s.text).text) and (s.kind, s.layout) not in shown:
                shown.add((s.kind, s.layout))
                print(f"\nMISS {s.kind} ({s.layout}): {s.text!r}")


if __name__ == "__main__":
    main()
