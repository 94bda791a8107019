"""Passages: the few lines of an activity worth a model's reading, without a model."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gumd.propositions.digest import DATE, DEADLINE_CUE, WORD, Activity

MAX_SNIPPETS = 3  # per activity: each is one short model call
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\b\.?)?|\b\d{1,2}\s*[ap]\.?m\b\.?", re.IGNORECASE)


@dataclass(frozen=True)
class Snippet:
    """A few neighbouring lines of one activity that may say something about the user, and why they were chosen:
    `deadline` (a date with a deadline word), `event` (a date with a time), `date`, or `work` (the first lines
    of a window that shows none of those)."""

    lines: tuple[str, ...]
    cue: str

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _line_cue(line: str) -> tuple[int, str]:
    """How much a line may say about the user's plans (0: nothing), and why."""
    if DATE.search(line):
        if DEADLINE_CUE.search(line):
            return 3, "deadline"
        return (2, "event") if _TIME.search(line) else (1, "date")
    return 0, ""


def snippets(activity: Activity, limit: int = MAX_SNIPPETS, reach: int = 1) -> list[Snippet]:
    """The activity's most telling passages, in screen order: each line that carries a date, with `reach` lines
    before and after (lines of fewer than two words, such as a folder list's, are skipped), a date beside a
    deadline word first, then one beside a time; two passages never share their middle line. An activity that
    shows no date gives its first lines instead, or only its window title when every line is the app's chrome
    (what the user worked on in that window)."""
    lines = [line for line in activity.lines if len(WORD.findall(line)) >= 2 or DATE.search(line)]
    ranked = sorted(((*_line_cue(line), i) for i, line in enumerate(lines)), key=lambda x: (-x[0], x[2]))
    taken: list[tuple[int, str]] = []
    for score, cue, i in ranked:
        if score == 0 or len(taken) >= limit:
            break
        if all(abs(i - j) > reach for j, _ in taken):
            taken.append((i, cue))
    chosen = [Snippet(tuple(lines[max(0, i - reach): i + reach + 1]), cue) for i, cue in sorted(taken)]
    if not chosen and (lines or activity.titles):
        chosen.append(Snippet(tuple(lines[:3]), "work"))
    return chosen
