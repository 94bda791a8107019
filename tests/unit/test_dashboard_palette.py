"""The dashboard's colours: every text/background pair in its stylesheet meets WCAG AA contrast."""

import re

from tests.support.environment import REPO


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_palette_meets_wcag_aa_contrast():
    css = (REPO / "gumd/api/dashboard/static/dashboard.css").read_text()
    colour = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    text_pairs = [("ink", "bg"), ("ink", "surface"), ("muted", "surface"), ("muted", "bg"), ("accent", "surface"),
                  ("accent", "accent-bg"), ("danger", "surface"), ("danger", "danger-bg"), ("ok", "ok-bg"),
                  ("ok", "surface"), ("warn", "warn-bg"), ("warn", "surface")]
    low = {f"{a} on {b}": round(contrast(colour[a], colour[b]), 2) for a, b in text_pairs
           if contrast(colour[a], colour[b]) < 4.5}
    assert low == {}
    assert contrast("#ffffff", colour["accent"]) >= 4.5  # primary buttons, current tab
    assert contrast(colour["field"], colour["surface"]) >= 3  # borders of inputs and buttons (non-text)
