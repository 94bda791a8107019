"""What the user worked on in a window, read from its title without a model: the document, page or folder, the
site or project beside it, the program, and whether the user typed there."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gumd.propositions import check
from gumd.propositions.digest import FILE_NAME, TITLE_SPLIT, WORD, Activity
from gumd.propositions.vocabulary import TITLE_NOISE

# Keys in an observation's input summary ("420 keys, ctrl+s"), as gumd writes it and as imported data may.
_TYPED = re.compile(r"\b\d+\s*(?:keys|teclas|touches|tasten|tasti|キー)", re.IGNORECASE)
_SHELL = re.compile(r"^[\w.-]+@[\w.-]+:\s*(?P<folder>[~/]\S*)$")  # a terminal's title: "alex@thinkpad: ~/src/gumd"
_TAIL = re.compile(r"\s*(?:\(\d+(?:[.,]\d+)?\s*[KMG]i?B\)|\(\d+\)|@\s*\d+(?:\.\d+)?%)\s*$")  # "(28.4 MiB)", "(3)"
_LEAD = re.compile(r"^\s*\(\d+\)\s*")  # an unread count before a page's name: "(3) Feed"


@dataclass(frozen=True)
class Work:
    """The window the user worked in, as one statement, and the title it was read from."""

    sentence: str
    title: str


def worked_on(activity: Activity) -> Work | None:
    """What the activity's first window shows the user working on ("The user is editing invoices-2026.ods in
    LibreOffice Calc."): a document, or a page or folder the user typed in. None for a page only read (news, a
    feed: what someone else wrote, not the user's work) and for a title that names only a program or a generic
    view (an inbox, a new tab)."""
    if not activity.titles:
        return None
    title = activity.titles[0]
    typed = any(_TYPED.search(o.input_summary or "") for o in activity.observations)
    shell = _SHELL.match(title.strip())
    if shell and typed:
        app = f" ({activity.app})" if activity.app else ""
        return Work(f"The user is working in {shell.group('folder')} in a terminal{app}.", title)
    parts = [p.strip() for p in TITLE_SPLIT.split(title) if p.strip()]
    named = [_LEAD.sub("", _TAIL.sub("", p)) for p in parts if not TITLE_NOISE.match(p) and WORD.search(p)]
    if not named or check.is_empty(named[0], activity.app) or not (typed or FILE_NAME.search(named[0])):
        return None
    programs = [p for p in parts if TITLE_NOISE.match(p) and WORD.search(p)]
    beside = f" ({named[1]})" if len(named) > 1 else ""
    program = f" in {programs[-1]}" if programs else ""
    return Work(f"The user is {'editing' if typed else 'viewing'} {named[0]}{beside}{program}.", title)


__all__ = ["Work", "worked_on"]
