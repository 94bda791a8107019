"""What the screen names that the statistical side cannot: a document never opened, a command never run.

The statistical predictors only rank actions they have seen; the in-context step is consulted for these
(`Predictor.predict_next`), where reading the screen is the only way to name the next action.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EXTENSIONS = ("pdf|docx?|odt|xlsx?|ods|pptx?|odp|csv|md|txt|tex|rst|py|ipynb|js|ts|rs|go|java|c|h|cpp|html?|"
               "json|ya?ml|toml|sql|sh|png|jpe?g|svg")
_DOCUMENT = re.compile(rf"(?<![\w.-])(?:[\w.~-]+/)*([A-Za-z0-9][\w.-]{{0,60}}\.(?:{_EXTENSIONS}))(?![\w-])", re.I)
_QUOTED_COMMAND = re.compile(r"`([a-z][\w./-]*(?: [^`\n]{1,60})?)`")
_SHOWN_COMMAND = re.compile(r"^\s*\$\s+([a-z][\w./-]*(?: [^\n]{1,60})?)$", re.M)
NAMED = 4  # at most this many, the last ones on screen (nearest to where the user is working)


@dataclass(frozen=True)
class Named:
    """An action the screen names: `kind` is "open" (a document) or "command"."""

    kind: str
    target: str


def screen_names(screen_text: str) -> list[Named]:
    """Documents and commands the screen names, in the order they appear, each once."""
    found: list[tuple[int, Named]] = []
    for m in _DOCUMENT.finditer(screen_text):
        found.append((m.start(), Named("open", m.group(1))))
    for pattern in (_QUOTED_COMMAND, _SHOWN_COMMAND):
        for m in pattern.finditer(screen_text):
            found.append((m.start(), Named("command", " ".join(m.group(1).split()))))
    seen: dict[Named, None] = {}
    for _, named in sorted(found, key=lambda f: f[0]):
        seen.setdefault(named, None)
    return list(seen)


def unnamed_by_history(screen_text: str, known_targets: set[str]) -> list[Named]:
    """The screen's documents and commands that no recorded action has as its target (nor inside its target,
    as a window title holds a document's name): the last NAMED of them."""
    def known(n: Named) -> bool:
        return n.target in known_targets or (n.kind == "open" and any(n.target in t for t in known_targets))

    return [n for n in screen_names(screen_text) if not known(n)][-NAMED:]
