"""Redaction recall and false positives over ~500 generated screen texts, held at what was measured.

The floors and ceilings are the measured figures (bench/redaction.py) less a small margin, so a pattern
change that loses recall or starts eating innocent text fails here; raise them when redaction improves.
"""

from __future__ import annotations

from bench.redaction import measure
from tests.support.redaction_corpus import corpus

# measured with seed 10 (see docs/benchmarks.md, "Redaction recall"): caught / total per kind
RECALL_FLOOR = {
    "card_number": 1.0, "iban": 1.0, "aws_key": 1.0, "github_token": 1.0, "slack_token": 1.0, "stripe_key": 1.0,
    "jwt": 1.0, "private_key": 1.0, "password": 1.0, "otp": 1.0, "aws_secret": 1.0,
}
OVERALL_RECALL_FLOOR = 0.99
FALSE_POSITIVE_CEILING = 0.05  # share of look-alikes changed, all kinds together
NEVER_TOUCHED = ("git_sha", "uuid", "date", "version", "price", "tracking", "http_status", "postal_code", "serial",
                 "password_prompt")


def test_corpus_is_large_and_deterministic():
    secrets, innocents = corpus()
    assert len(secrets) >= 200 and len(innocents) >= 200
    assert corpus() == (secrets, innocents)
    assert len({s.layout for s in secrets}) >= 5


def test_redaction_recall_and_false_positives_stay_at_the_measured_level():
    recall, fp = measure(*corpus())
    low = {k: f"{c}/{n}" for k, (c, n) in recall.items() if c / n < RECALL_FLOOR[k]}
    assert not low, f"recall fell below the floor for {low}"
    assert sum(c for c, _ in recall.values()) / sum(n for _, n in recall.values()) >= OVERALL_RECALL_FLOOR
    assert sum(f for f, _ in fp.values()) / sum(n for _, n in fp.values()) <= FALSE_POSITIVE_CEILING
    assert {k: fp[k][0] for k in NEVER_TOUCHED} == dict.fromkeys(NEVER_TOUCHED, 0)
