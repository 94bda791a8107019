"""Assigned tasks: rows of a task list, tracker or rota that give the user's own name as a cell beside a task and
a date ("☐ Draft exhibit index   Tanya Brooks   06/25/2026 12:00 PM"), the open items of a to-do list that name
their date, and pull requests the user opened, as a code host's window title names their author; read without a
model."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gumd.propositions.digest import DATE, FULL_NAME, WORD, Activity, cells
from gumd.propositions.passages import CUT_OFF, DAY_MONTH, TIME, english_reading, is_past

_DONE = re.compile(r"[☑✓✔]|\b(?:done|completed?|closed|resolved|merged)\b", re.IGNORECASE)
_BULLET = re.compile(r"^[\s☐□▢○◯•·*>-]+")
_LABEL = re.compile(r"(?i:\b(?:by|von|par|por|da|door|av|przez)|:)\s*$")  # a field's label: "Initiated by", "Owner:"


@dataclass(frozen=True)
class Assignment:
    """A task the screen assigns to the user, its due date as written, and the row that says so."""

    task: str
    due: str
    line: str

    @property
    def sentence(self) -> str:
        return f'The user has the task "{self.task}", due {self.due}.'


def _is_date(cell: str) -> bool:
    """A cell that is a calendar date ("06/25/2026", "Fri 8 May"), not a chat's "Today at 14:30"."""
    m = DATE.search(cell)
    return bool(m and re.search(r"\d", m.group(0)) and len(WORD.findall(DATE.sub("", cell))) <= 1)


def assignments(activity: Activity) -> list[Assignment]:
    """The open tasks in the activity's rows whose assignee cell is the user's name, one per task; a cell cut off
    with an ellipsis is a preview of a message, not a task."""
    if not activity.user:
        return []
    user = activity.user.lower()
    found: dict[str, Assignment] = {}
    for o in activity.observations:
        for line in o.text.splitlines():
            row = cells(line)
            if not any(c.lower() == user for c in row) or _DONE.search(line):
                continue
            dates = [c for c in row if _is_date(c)]
            times = [c for c in row if TIME.fullmatch(c)]
            tasks = [_BULLET.sub("", c) for c in row if c.lower() != user and c not in dates
                     and len(WORD.findall(c)) >= 2 and not re.fullmatch(FULL_NAME, c) and not CUT_OFF.search(c)
                     and not _LABEL.search(c)]
            if dates and tasks:
                due = " ".join([dates[0], *times[:1]])
                found.setdefault(tasks[0].lower(), Assignment(tasks[0], due, " ".join(line.split())))
    return list(found.values())


_BOX = re.compile(r"[☐□▢⬜]")  # an unticked box
_TO_DO = re.compile(rf"^{_BOX.pattern}\s*(?P<item>\S.*)$")  # … that heads its cell


@dataclass(frozen=True)
class ToDo:
    """An open item of a to-do list on the user's screen, the date it names as English reads it, and its line."""

    task: str
    due: str
    line: str

    @property
    def sentence(self) -> str:
        return f'The user has "{self.task}" on their to-do list, due {self.due}.'


def to_dos(activity: Activity) -> list[ToDo]:
    """The unticked items of the activity's to-do lists that name a coming date ("☐ Pagar monotributo julio (vence
    mar 20/7)"; or in figures alone, the last the item names, where they read one way only: "☐ Lamus – dosłać do
    Allianz protokół (26.03)"), one per item; a calendar app's list of calendars ticks boxes too, but names no date,
    and a task list's row whose date is a cell of its own is `assignments`' to read."""
    day = dt.date.fromtimestamp(activity.started_at)
    found: dict[str, ToDo] = {}
    for o in activity.observations:
        for line in o.text.splitlines():
            row = cells(line)
            for n, cell in enumerate(row):
                item = m.group("item") if (m := _TO_DO.match(cell)) else \
                    row[n + 1] if _BOX.fullmatch(cell) and n + 1 < len(row) else ""  # "☐  Jaargesprek …": its cell
                written = next((d.group(0) for d in DATE.finditer(item) if re.search(r"\d", d.group(0))), "")
                date = written or ([""] + DAY_MONTH.findall(item))[-1]
                due = english_reading(date, day) if date else ""
                if (due or written) and not is_past(date, day) and len(WORD.findall(DATE.sub("", item))) >= 2 \
                        and not CUT_OFF.search(item):
                    found.setdefault(item.lower(), ToDo(item, due or written, " ".join(line.split())))
    return list(found.values())


# GitHub's title of a pull request's page: "Fix race in scheduler by alex-rivera · Pull Request #1423 · gumd-dev/gumd"
_PULL_REQUEST = re.compile(
    r"^(?P<task>.+?) by (?P<author>[\w-]+) · Pull Request #(?P<number>\d+) · (?P<repo>[\w.-]+/[\w.-]+)")


@dataclass(frozen=True)
class PullRequest:
    """A pull request the user opened (`task`: its title), and the window title that says so."""

    task: str
    number: str
    repo: str
    line: str

    @property
    def sentence(self) -> str:
        return f'The user is working on pull request #{self.number}, "{self.task}", in {self.repo}.'


def is_handle_of(handle: str, user: str) -> bool:
    """Whether an account handle spells the user's name: whole ("alex-rivera", "alexrivera"), or the given name with
    the family name's initial ("kofi-m"), or the reverse ("arivera")."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", user)]
    handle = re.sub(r"[\W_\d]+", "", handle.lower())
    if len(words) < 2 or not handle:
        return False
    return handle in ("".join(words), words[0] + words[-1][0], words[0][0] + words[-1])


def pull_requests(activity: Activity) -> list[PullRequest]:
    """The pull requests the activity's window titles show the user as author of, one per number."""
    found: dict[str, PullRequest] = {}
    for title in activity.titles:
        m = _PULL_REQUEST.match(title)
        if m and activity.user and is_handle_of(m.group("author"), activity.user):
            found.setdefault(m.group("number"), PullRequest(m.group("task"), m.group("number"), m.group("repo"), title))
    return list(found.values())
