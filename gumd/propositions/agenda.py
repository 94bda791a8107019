"""The user's own calendar: the events of a day, week or month view, each under the day whose column it stands
in, read without a model ("Thu 10" heads a column; "9:30 Pruitt - site / inspection, 1427 S / Kingston St,
Aurora" under it is an event on Thursday 10 June 2027).

A view counts when its window's title names a calendar, not another person's, and a line of it heads three
columns or more with a weekday and a day ("Mon 7", "Tue 10/20", "Mån 19/4", "Sun Jun 6") that agree with each
other. An event is the cells of one column from a line that starts one (after a gap, with a time or a mark such
as ⚠) to the next. What a calendar shows of other people is left out: the events under a band with their name
("── Tom Hughes ──") and their bars across days ("▬▬ Javier - Alimentaria Barcelona ▬▬"), a cell that starts with a name and a colon ("Dana: Mueller MOB bid rev."), and the lines
of the margin ("Priya Raman: Mon 6/14 - Fri 6/25 PTO"). An event on three days or more is a routine (a daily
stand-up), not news of the week.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gumd.propositions.digest import DATE, FULL_NAME, NAME_WORD, WORD, Activity, placed_cells
from gumd.propositions.passages import TIME, WEEKDAY_NUMBERS, dates_meant

MIN_COLUMNS = 3  # weekday cells that make a line a calendar's header
HEAD_DAYS = 45  # a header's bare day of the month is looked for this many days either side of the screen's
COLUMN_SLACK = 2  # a cell may start this many characters left of its column's header
ROUTINE_DAYS = 3  # an event seen on this many days of one view is a routine

_CALENDAR = re.compile(r"calendar|kalender|calendario|calendrier|calendário|kalendarz|agenda|カレンダー|캘린더|日历",
                       re.IGNORECASE)
_HEAD = re.compile(r"^(?P<weekday>[^\W\d_]{2,4})\.?,?\s+(?P<date>\d{1,2}(?:[/.]\d{1,2})?\.?|[^\W\d_]{3,9}\.?\s+\d{1,2})$")
_SPAN = rf"(?:\d{{1,2}}\s*[-–]\s*)?(?:{TIME.pattern})(?:\s*[-–]\s*(?:{TIME.pattern}))?"  # 9:30, 3 – 3:30pm
_TIME_ONLY = re.compile(rf"^{_SPAN}$", re.IGNORECASE)
_LEADING_TIME = re.compile(rf"^{_SPAN}\s+", re.IGNORECASE)
_ROW_LABEL = re.compile(r"^(?:\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?|\d{1,2}h)$", re.IGNORECASE)
_MARK = re.compile(r"^[⚠⚑⏰✔✓★•▸▶!⬤]+\s*")
_LEGEND = re.compile(r"^[☑☐▾]")  # a list of calendars under the grid: the grid has ended
_OVERLAY = re.compile(r"[┌│└╭╰]")  # an event's details opened over the grid
_SOMEONE = re.compile(rf"^{FULL_NAME}:")  # "Priya Raman: Mon 6/14 - Fri 6/25 PTO", a line of another's calendar
_BAND = re.compile(r"[─━—=▬═]{2,}")  # "── Tom Hughes ──": from here on, the column is another person's
_END_MARKS = re.compile(r"[\s⟳🔁✔✓⚠⚑⏰🐝🎂🌴✈]+$")


@dataclass(frozen=True)
class Event:
    """One event of the user's calendar: what it says, its day, the time the view puts it at, and its cells."""

    what: str
    day: dt.date
    time: str
    line: str

    @property
    def sentence(self) -> str:
        at = f" at {self.time}" if self.time else ""
        return f'The user\'s calendar has "{self.what}" on {self.day:%A} {self.day.day} {self.day:%B %Y}{at}.'


def _head_day(cell: str, seen: dt.date) -> dt.date | None:
    """The day a column's header means ("Thu 10" seen on Wednesday 9 June 2027: Thursday 10 June 2027), when its
    weekday agrees with exactly one reading of its date; a bare day of the month is the nearest such day on that
    weekday ("mar 12", Italian for Tuesday, is no 12 March)."""
    m = _HEAD.match(cell)
    weekday = m and WEEKDAY_NUMBERS.get(m.group("weekday").lower()[:3])
    if weekday is None:
        return None
    if m.group("date").rstrip(".").isdigit():
        near = (seen + dt.timedelta(days=k) for k in range(-HEAD_DAYS, HEAD_DAYS + 1))
        days = {d for d in near if d.day == int(m.group("date").rstrip(".")) and d.weekday() == weekday}
    else:
        days = {d for d in dates_meant(cell, seen) if d.weekday() == weekday}
    return min(days, key=lambda d: abs(d - seen)) if days else None


def _header(placed: list[tuple[int, str]], seen: dt.date) -> list[tuple[int, dt.date]]:
    """The columns a line heads, at their start, when it heads MIN_COLUMNS or more on consecutive days or weeks."""
    columns = [(at, day) for at, cell in placed if (day := _head_day(cell, seen))]
    if len(columns) < MIN_COLUMNS or any(b[1] <= a[1] for a, b in zip(columns, columns[1:])):
        return []
    return columns


def _split_at(placed: list[tuple[int, str]], starts: list[int]) -> list[tuple[int, str]]:
    """Cells of the grid that run over a later column's start with a word starting right there, or with a time or
    a mark starting about there ("10:00 Upload Sintel 12:00 SCADENZA", where OCR left one space between two days'
    events), cut in two; a bar across days stays whole."""
    cut = []
    for at, cell in placed:
        for start in (s for s in starts if at >= starts[0] - COLUMN_SLACK and s > at + COLUMN_SLACK
                      and not _BAND.search(cell)):
            k = next((k for k in (start - at, start - at - 1, start - at + 1) if 0 < k < len(cell) and cell[k - 1] == " "
                      and (k == start - at or _LEADING_TIME.match(cell[k:] + " ") or _MARK.match(cell[k:]))), None)
            if k is not None:
                cut.append((at, cell[:k - 1]))
                at, cell = at + k, cell[k:]
        cut.append((at, cell))
    return cut


def _joined(parts: list[str]) -> str:
    """An event's cells as one text; a word broken at a line's end ("Child-" / "ren's") is mended."""
    text = ""
    for part in parts:
        if re.search(r"[^\W\d_]-$", text) and part[:1].islower():
            text = text[:-1] + part
        else:
            text = f"{text} {part}".strip()
    return _END_MARKS.sub("", text)


@dataclass
class _Open:
    """An event being read down its column: its cells, its time and where that came from (`row`: the row's label;
    `lead`: its first cell, "9:30 Pruitt - site"; `trail`: a later line, "P&P reading group" / "11:00 DSB 1.17"),
    and whether it is another person's."""

    parts: list[str]
    time: str = ""
    source: str = "row"
    mine: bool = True


def _events(text: str, seen: dt.date, people: frozenset[str] = frozenset(), own: frozenset[str] = frozenset()
            ) -> list[Event]:
    """The events of one screen's calendar grid, in the order read; `people`: the given names of others, whose
    events a cell such as "Dana: Mueller MOB bid rev." marks, and whose rows a name in the margin starts; `own`:
    the user's names, whose rows start so."""
    found: list[Event] = []
    columns: list[tuple[int, dt.date]] = []
    reading: dict[int, _Open] = {}
    others: set[int] = set()
    row_time = ""

    def close(col: int) -> None:
        event = reading.pop(col)
        what = _joined(event.parts)
        if event.mine and WORD.search(what):
            found.append(Event(what, columns[col][1], event.time, " / ".join(event.parts)))

    for line in text.splitlines():
        placed = placed_cells(line)
        head = _header(placed, seen)
        if head or columns and (_OVERLAY.search(line) or any(
                _LEGEND.match(c) for at, c in placed if at >= columns[0][0] - COLUMN_SLACK)):
            for col in list(reading):
                close(col)
            columns, others, row_time = head, set(), ""
            continue
        if not columns or placed and _SOMEONE.match(placed[0][1]):
            continue
        starts = [at for at, _ in columns]
        labelled, used = False, set()
        for at, cell in _split_at(placed, starts):
            lead = _LEADING_TIME.match(cell + " ")
            if at < starts[0] and (_ROW_LABEL.match(cell) or lead):
                row_time, labelled = (lead.group(0).strip() if lead else cell), True
                if not lead or _TIME_ONLY.match(cell):
                    continue
            elif at < starts[0] - COLUMN_SLACK:
                name = cell.split()[0] if re.fullmatch(FULL_NAME, cell) else ""
                whose = set(range(len(columns))) if name in people else set() if name in own else others
                if whose != others:  # a view with a row of days per person: whose rows these are
                    for i in list(reading):
                        close(i)
                    others = whose
                continue
            col = max([i for i, s in enumerate(starts) if s <= at + COLUMN_SLACK] or [0])
            if _BAND.search(cell):  # a bar across days: someone's name alone heads their events under it
                section = re.fullmatch(FULL_NAME, _BAND.sub(" ", cell).strip(" ▸▶→")) is not None
                for i in {col, *(i for i, s in enumerate(starts) if at - COLUMN_SLACK <= s < at + len(cell))}:
                    if i in reading:
                        close(i)
                    if section:
                        others.add(i)
                continue
            if col in others or DATE.fullmatch(cell):  # the clock's date in the task bar under the grid
                continue
            used.add(col)
            marked, cell = bool(_MARK.match(cell)), _MARK.sub("", cell)
            lead = _LEADING_TIME.match(cell + " ")
            event = reading.get(col)
            if event and (marked or lead and event.source != "row" or event.source == "trail" and not lead
                          or labelled and event.source == "row"):
                close(col)
                event = None
            if event is None:
                event = reading[col] = _Open([], row_time)
                if lead:
                    event.time, event.source = lead.group(0).strip(), "lead"
                    cell = cell[lead.end():].strip()
                owner = re.match(rf"({NAME_WORD}):\s", cell)
                event.mine = not (owner and owner.group(1) in people)
            elif lead:
                event.time, event.source = lead.group(0).strip(), "trail"
                cell = cell[lead.end():].strip()
            if cell:
                event.parts.append(cell)
        for col in list(reading):
            if col not in used:
                close(col)
    for col in list(reading):
        close(col)
    return found


def events(activity: Activity) -> list[Event]:
    """The coming events of the user's own calendar that the activity's screens show (from the day of the screen
    on: what is past is done), one per text and day; none from a window that names no calendar or names another
    person's."""
    found: dict[tuple[str, dt.date], Event] = {}
    first_seen = dt.date.max
    for o in activity.observations:
        if not _CALENDAR.search(o.title):
            continue
        owner = re.search(rf"(?i:{_CALENDAR.pattern})\s*[-–—:|]\s*(?P<name>{NAME_WORD}(?:\s+{NAME_WORD})+)", o.title)
        if owner and activity.user and owner.group("name") != activity.user:
            continue
        people = frozenset(m.group(0).split()[0] for m in re.finditer(FULL_NAME, o.text)
                           if " " in m.group(0) and m.group(0).split()[0] not in activity.user.split())
        today = dt.date.fromtimestamp(o.started_at)
        first_seen = min(first_seen, today)
        for event in _events(o.text, today, people, frozenset(activity.user.split())):
            found.setdefault((event.what.lower(), event.day), event)
    days: dict[str, set[dt.date]] = {}
    for what, day in found:
        days.setdefault(what, set()).add(day)
    return [e for (what, day), e in found.items() if len(days[what]) < ROUTINE_DAYS and day >= first_seen]
