"""Passages: the few lines of an activity worth a model's reading, without a model."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from gumd.propositions.digest import DATE, DEADLINE_CUE, MONTHS, WEEKDAYS, WORD, Activity, cells
from gumd.propositions.sites import is_news

MAX_SNIPPETS = 6  # per activity: each is one short model call
ROW_CELL_CHARS = 30  # a passage's middle line this short is shown as the whole row it was cut from …
ROW_WORDS = 24  # … when that row is no longer than this
WRAPPED_CHARS = 40  # a line at least this long that ends mid-sentence goes on in the line under it …
WRAPPED_LINES = 2  # … for at most this many lines
PLAN_WORDS = 6  # a coming date without a deadline word or a time counts in a sentence this long ("We confirmed …")
TIME = re.compile(r"\b\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\b\.?)?|\b\d{1,2}\s*[ap]\.?m\b\.?"
                  r"|\b(?:[01]?\d|2[0-3])h(?:[0-5]\d)?\b|\b\d{1,2}\s?Uhr\b|\d{1,2}時",
                  re.IGNORECASE)  # 9:30, 4 PM, 11h30, 14 Uhr, 13時


@dataclass(frozen=True)
class Snippet:
    """A few neighbouring lines of one activity that may say something about the user, why they were chosen:
    `deadline` (a date with a deadline word) or `event` (a date with a time), and the activity's line they were
    chosen for."""

    lines: tuple[str, ...]
    cue: str
    line: str

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


_MONTH_NUMBERS = {
    **dict.fromkeys(("jan", "ene"), 1), **dict.fromkeys(("feb", "fév", "fev"), 2), **dict.fromkeys(("mar", "mär", "mae"), 3),
    **dict.fromkeys(("apr", "abr", "avr"), 4), **dict.fromkeys(("may", "mai"), 5), "jun": 6, "juin": 6, "jul": 7,
    "juil": 7, **dict.fromkeys(("aug", "ago", "aoû", "aou"), 8), **dict.fromkeys(("sep", "set"), 9),
    **dict.fromkeys(("oct", "okt", "out", "ott"), 10), "nov": 11, **dict.fromkeys(("dec", "dez", "dic", "déc"), 12),
    "gen": 1, "maa": 3, **dict.fromkeys(("mag", "mei"), 5), "giu": 6, "lug": 7,  # Italian, Dutch
    "maj": 5, "sty": 1, "lut": 2, "kwi": 4, "cze": 6, "lip": 7, "sie": 8, "wrz": 9, "paź": 10, "paz": 10,
    "lis": 11, "gru": 12,  # Swedish, Polish
    "agu": 8, "des": 12,  # Indonesian ("desember")
    "січ": 1, "лют": 2, "бер": 3, "кві": 4, "тра": 5, "чер": 6, "лип": 7, "сер": 8, "вер": 9, "жов": 10, "лис": 11,
    "гру": 12,  # Ukrainian
    "янв": 1, "фев": 2, "мар": 3, "апр": 4, "мая": 5, "июн": 6, "июл": 7, "авг": 8, "сен": 9, "окт": 10, "ноя": 11,
    "дек": 12,  # Russian
}
_WEEKDAY_NUMBERS = {  # by the first three letters of a weekday in English, German, Spanish, French, Italian,
    # Portuguese, Dutch, Swedish, Polish or Indonesian
    "seg": 0, "maa": 0, "ter": 1, "din": 1, "qua": 2, "woe": 2, "gio": 3, "qui": 3, "sex": 4, "vri": 4, "zat": 5,
    "zon": 6,
    "mon": 0, "lun": 0, "tue": 1, "die": 1, "mar": 1, "wed": 2, "mit": 2, "mié": 2, "mie": 2, "mer": 2, "thu": 3,
    "don": 3, "jue": 3, "jeu": 3, "fri": 4, "fre": 4, "vie": 4, "ven": 4, "sat": 5, "sam": 5, "sáb": 5, "sab": 5,
    "sun": 6, "son": 6, "dom": 6, "dim": 6,
    "mån": 0, "tis": 1, "ons": 2, "tor": 3, "lör": 5, "sön": 6,  # Swedish
    "pon": 0, "wto": 1, "śro": 2, "czw": 3, "pią": 4, "sob": 5, "nie": 6,  # Polish
    "sen": 0, "sel": 1, "rab": 2, "kam": 3, "jum": 4, "min": 6,  # Indonesian
    "пон": 0, "вів": 1, "сер": 2, "чет": 3, "п'я": 4, "п’я": 4, "суб": 5, "нед": 6, "вто": 1, "сре": 2, "пят": 4,
    "вос": 6, "пн": 0, "вт": 1, "ср": 2, "чт": 3, "пт": 4, "сб": 5, "нд": 6, "вс": 6,  # Ukrainian, Russian
}
ENGLISH_MONTHS = ("january february march april may june july august september october november "
                   "december").split()
ENGLISH_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_MONTH = re.compile(rf"\b(?:{MONTHS})\b", re.IGNORECASE)
_WEEKDAY = re.compile(rf"\b(?:{WEEKDAYS})\b", re.IGNORECASE)
_NOON = re.compile(r"\b(?:noon|midday|midnight)\b", re.IGNORECASE)
DAY_MONTH = re.compile(r"(?<![\d.,:/])\d{1,2}[./]\d{1,2}\.?(?![\d/])")  # "30.06.", "4.3.", "3/2"
_IN_NAME = re.compile(r"[._-]?[\w-]*\.[a-z0-9]{2,4}\b", re.IGNORECASE)  # a date in a file name: 2026-06-18.png
RECENT_DAYS = 90
CUT_OFF = re.compile(r"(?:…|\.\.\.)\W*$")  # a message's first words in a list ("Hi Gord, Heads up that a …")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


def _readings(date: str, day: dt.date) -> list[dt.date]:
    """The days a date as a screen writes it may mean, seen on `day` ([] when it cannot tell: a bare weekday, a
    month without its day). A date without its year is read as at most RECENT_DAYS back: past dates a screen
    shows are recent ones (sent, paid, turned in), and a later one is a plan for the coming months; a weekday with
    a day of the month alone ("Friday the 16th") is the next such day, or one of the past week."""
    word = date.lower()
    if "today" in word or "tonight" in word:
        return [day]
    if "tomorrow" in word:
        return [day + dt.timedelta(days=1)]
    year = _YEAR.search(date)
    numbers = [int(n) for n in re.findall(r"\d+", date) if len(n) <= 2]
    month_word = None if DAY_MONTH.search(date) else _MONTH.search(date)  # "mar 20/7": martes 20 July
    month = month_word and (_MONTH_NUMBERS.get(month_word.group(0).lower()[:4])
                            or _MONTH_NUMBERS.get(month_word.group(0).lower()[:3]))
    weekday = _WEEKDAY_NUMBERS.get(word[:3]) if re.match(r"[^\W\d_]{3}", word) and not month else None
    if weekday is not None and len(numbers) == 1 and not year:  # "Friday the 16th": the nearest such day
        near = (day + dt.timedelta(days=k) for k in [*range(63), *range(-1, -8, -1)])
        return [d for d in near if d.day == numbers[0] and d.weekday() == weekday][:1]
    if re.match(r"\d{4}\s*[-/年]", date) or "月" in date:  # year, month, day in that order
        pairs = [(numbers[0], numbers[1])] if len(numbers) >= 2 else []
    elif month:
        pairs = [(month, numbers[0])] if numbers else []
    else:  # 06/25/2026 or 25/06/2026: either reading
        pairs = [(a, b) for a, b in (numbers[:2], numbers[1::-1]) if 1 <= a <= 12] if len(numbers) >= 2 else []
    years = [int(year.group(0))] if year else [day.year - 1, day.year, day.year + 1]
    found = []
    for m, d in pairs:
        for y in years:
            try:
                when = dt.date(y, m, d)
            except ValueError:
                continue
            if year or -RECENT_DAYS <= (when - day).days < 365 - RECENT_DAYS:
                found.append(when)
    return found


_TODAY = re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening)|eod|end of (?:the )?day|heute|hoy|esta "
                    r"(?:mañana|tarde|noche)|aujourd['’]hui|ce soir|oggi|stasera|hoje|esta noite|vandaag|vanavond|idag|"
                    r"ikväll|dzi[śs](?:iaj)?)\b|今日|今晩|今夜|本日|오늘", re.IGNORECASE)


def _says_the_day(evidence: str, day: dt.date) -> bool:
    """Whether lines seen on `day` name that day: by a date, a day and month ("08.03."), a word for today, or
    its weekday alone."""
    dates = [*DATE.finditer(evidence), *DAY_MONTH.finditer(DATE.sub(" ", evidence))]
    return bool(_TODAY.search(evidence)) or any(day in _readings(m.group(0), day) for m in dates) \
        or any(_WEEKDAY_NUMBERS.get(m.group(0).lower()[:3]) == day.weekday() for m in _WEEKDAY.finditer(evidence))


def misdated(statement: str, evidence: str, day: dt.date) -> list[str]:
    """The dates of `statement` that no date of `evidence` may mean, both seen on `day` ("by 8 March" from lines
    that say "01.03.2027" and "12.03.2027"); a date on the weekday of a bare weekday in `evidence` ("Friday") may
    be any such day. Lines with a day and month that DATE does not read ("bis 30.06.", "Donnerstag 4.3.") are
    not judged, except for `day` itself: the day the passage was seen, which its head gives and a small model
    copies as the date of what the lines say, is misdated unless they name it too."""
    said = _says_the_day(evidence, day)
    copied = [] if said else [m.group(0) for m in DATE.finditer(statement) if day in _readings(m.group(0), day)]
    if DAY_MONTH.search(DATE.sub(" ", evidence)):
        return copied
    shown = {r for m in DATE.finditer(evidence) for r in _readings(m.group(0), day)} | ({day} if said else set())
    weekdays = {_WEEKDAY_NUMBERS.get(m.group(0).lower()[:3]) for m in _WEEKDAY.finditer(evidence)}
    return [m.group(0) for m in DATE.finditer(statement)
            if (readings := _readings(m.group(0), day)) and not shown.intersection(readings)
            and not any(r.weekday() in weekdays for r in readings)]


def says_when(text: str) -> bool:
    """Whether `text` gives a date, a weekday or a time ("by Friday 8 May", "before Friday", "today", "at 16:00",
    "by noon")."""
    return bool(DATE.search(text) or _WEEKDAY.search(text) or TIME.search(text) or _NOON.search(text))


def calendar_words(text: str) -> set[str]:
    """The English names of the months and weekdays that the dates in `text` mean, in whatever language or
    format they are written ("jueves, 24 de septiembre" and "24/09/2026": thursday, september)."""
    found = set()
    for m in DATE.finditer(text):
        date = m.group(0)
        weekday = re.match(r"[^\W\d_]{3}", date)
        if weekday and weekday.group(0).lower() in _WEEKDAY_NUMBERS and not _MONTH.match(date):
            found.add(ENGLISH_WEEKDAYS[_WEEKDAY_NUMBERS[weekday.group(0).lower()]])
        year = _YEAR.search(date)
        readings = _readings(date, dt.date(int(year.group(0)), 6, 15) if year else dt.date(2000, 6, 15))
        found |= {ENGLISH_MONTHS[r.month - 1] for r in readings}
        found |= {ENGLISH_WEEKDAYS[r.weekday()] for r in readings if year}
    return found


_ENGLISH = {*ENGLISH_MONTHS, *ENGLISH_WEEKDAYS, "of", "st", "nd", "rd", "th", "today", "tomorrow", "tonight"}


def in_english(text: str, day: dt.date) -> str:
    """`text` with each date written in figures, in short or in another language followed by its English reading
    ("quinta-feira, 21 de maio de 2026" gets "(Thursday 21 May 2026)", "06/25/2026" gets "(Thursday 25 June
    2026)", "Wed July 8" gets "(Wednesday 8 July)"), when it has exactly one and that agrees with the weekday
    written: a small model translating a date on its own gets the weekday wrong."""
    def gloss(m: re.Match) -> str:
        reading = english_reading(m.group(0), day)
        return f"{m.group(0)} ({reading})" if reading else m.group(0)
    return DATE.sub(gloss, text)


def english_reading(date: str, day: dt.date) -> str:
    """A date as a screen writes it, in English ("vence mar 20/7": "Tuesday 20 July"; the year only where the
    screen writes one), when it has exactly one reading near `day` and that agrees with the weekday written; ''
    for a date written in English words or one that can't be read so."""
    words = re.findall(r"[^\W\d_]+", date.lower())
    readings = [] if words and all(w in _ENGLISH for w in words) else _readings(date, day)
    weekday = _WEEKDAY_NUMBERS.get(words[0][:3]) if re.match(r"[^\W\d_]", date) \
        and (not _MONTH.match(date) or DAY_MONTH.search(date)) else None  # "mar 20/7": martes, by its figures;
    # "28 Mar": no weekday
    readings = [r for r in readings if weekday is None or r.weekday() == weekday]  # "mån 10/5": 10 May, a Monday
    if len(readings) != 1:
        return ""
    year = f" {readings[0].year}" if _YEAR.search(date) else ""
    return f"{readings[0]:%A} {readings[0].day} {readings[0]:%B}{year}"


_READING = re.compile(rf"(?:{DATE.pattern})\s*\((?P<reading>(?:{'|'.join(ENGLISH_WEEKDAYS)}) \d{{1,2}} "
                      rf"(?:{'|'.join(ENGLISH_MONTHS)})(?: \d{{4}})?)\)", re.IGNORECASE)


def read_out(statement: str) -> str:
    """A statement that copied a date together with the English reading `in_english` put after it, with the
    reading alone ("before 28/09/2026 (Monday 28 September 2026)": "before Monday 28 September 2026")."""
    return _READING.sub(lambda m: m.group("reading"), statement)


_RELATIVE_DAY = re.compile(r"\b(?P<on>(?:by|until|till|before|on|for|from|after|due)\s+)?"
                           r"(?P<word>today|tonight|tomorrow)\b(?!['’]s)", re.IGNORECASE)
_BARE_WEEKDAY = re.compile(r"(?<!\w)(?P<word>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tues?|Wed|"
                           r"Thu(?:rs?)?|Fri|Sat)\b(?!['’]?s\b)"
                           r"(?!,?\s+\d{1,2}(?![:.h\d]|\s*[ap]\.?m\b))")  # "Friday 15, 2027": a date gumd cannot read
_RECURRING = re.compile(r"\b(?:next|last|every|each|weekly(?: on)?)\s+$", re.IGNORECASE)  # "every Monday": no one day
_SAME_WEEKDAY = re.compile(rf"(?P<date>\b(?P<weekday>{'|'.join(ENGLISH_WEEKDAYS)}) \d{{1,2}} "
                           rf"(?:{'|'.join(ENGLISH_MONTHS)})) \((?P=weekday)\)", re.IGNORECASE)  # "… (Wednesday)"


def _day(when: dt.date) -> str:
    return f"{when:%A} {when.day} {when:%B}"


def absolute(statement: str, evidence: str, day: dt.date) -> str:
    """A statement read on `day` with the days it names relative to that day given as dates, since it is read
    days later. "today", "tomorrow" and "tonight", in a statement naming no date: right after "by", "on",
    "until" … the date itself ("by tomorrow": "by Wednesday 3 March"), otherwise the date beside the word ("by
    noon tomorrow (Wednesday 3 March)"). A weekday that is no part of a date
    ("by Friday": "by Friday 5 March"): the coming date on that weekday `evidence` (the passage, its dates in
    English) names, else the next such day from `day` on; a weekday a date in the statement falls on ("Saturday
    morning (May 22)"), "next Friday", "every Monday" and "Mondays" stay."""
    def readable(text: str) -> list[re.Match]:
        return [m for m in DATE.finditer(text) if not _RELATIVE_DAY.fullmatch(m.group(0))
                and _readings(m.group(0), day)]

    if not readable(statement):
        def relative(m: re.Match) -> str:
            word = m.group("word")
            when = _day(day + dt.timedelta(days=word.lower() == "tomorrow"))
            if not m.group("on"):
                return f"{word} ({when})"
            return m.group("on") + (f"the evening of {when}" if word.lower() == "tonight" else when)
        statement = _RELATIVE_DAY.sub(relative, statement)
    dates = readable(statement)
    coming = [r for m in readable(evidence) for r in _readings(m.group(0), day) if r >= day]

    def weekday(m: re.Match) -> str:
        number = _WEEKDAY_NUMBERS[m.group("word").lower()[:3]]
        if any(d.start() <= m.start() < d.end() or any(r.weekday() == number for r in _readings(d.group(0), day))
               for d in dates) or _RECURRING.search(statement, 0, m.start()):
            return m.group(0)
        on_it = sorted(d for d in coming if d.weekday() == number)
        return _day(on_it[0] if on_it else day + dt.timedelta(days=(number - day.weekday()) % 7))
    return _SAME_WEEKDAY.sub(lambda m: m.group("date"), _BARE_WEEKDAY.sub(weekday, statement))


def is_past(date: str, day: dt.date) -> bool:
    """Whether a date as a screen writes it surely lies before `day`: every reading of it does (a date without
    its year is past when it lies up to RECENT_DAYS back, so "Mar 6" seen on 9 March is)."""
    readings = _readings(date, day)
    return bool(readings) and all(r < day for r in readings)


_AD = re.compile(r"^\W*(?:ads?\s*[·:|•—–-]|(?:sponsored|promoted|anzeige|publicidad|patrocinado|sponsoris[ée]"
                 r"|pubblicità)\b)|\b(?:apply|register|enrol+|sign up|shop|buy|learn more|subscribe|get started|"
                 r"join now|download)\b[^\n]{0,24}[›»]\s*$", re.IGNORECASE)  # an advert's line, marked as one or
# ending on its call to action ("… paid CDL training. Apply today ›"), is nobody's plan
_READER_OR_US = re.compile(r"\b(?:you|your|we|our|us|vous|votre|nous|du|dich|dir|ihr|wir|você|vocês|nós|usted|"
                        r"ustedes|nosotros|vosotros|tu|ti|te|tuo|tua|voi|noi|vostro|nostro|jij|jouw|jullie|wij|onze|"
                        r"dig|din|ditt|vi|oss|vår|vårt)\b"
                        r"(?!\s*[:)])", re.IGNORECASE)  # not a chat's "You:" label
_URL = re.compile(r"\S+://\S+")
_AGO = re.compile(r"\b(?:\d+\s*\w+\s+ago|ago|at|às|um|à|a las)\b", re.IGNORECASE)


# A message's header line: when it was written or answered ("On 13/04/2027 10:48, Gerry Walsh wrote:", "You replied
# on Wed 2/17/2027 12:09 PM", "Sent: Monday, March 1").
_HEADER = re.compile(r"\b(?:wrote|schrieb|a écrit|escribió|escreveu|ha scritto|skrev|schreef|napisał|kirjoitti)"
                     r"\s*:?\s*$|^\W*(?:you (?:replied|forwarded)|(?:replied|forwarded) on\b|"
                     r"(?:sent|date|datum|gesendet|envoyé|enviado|inviato|skickat|verzonden|wysłano)\s*:)",
                     re.IGNORECASE)
_WEEKDAY_AT = re.compile(rf"^\W*(?:{WEEKDAYS})\.?,?\s+(?:{TIME.pattern})[\s.,]*$", re.IGNORECASE)


# Weekdays as mail lists shorten them ("lun 15/02/2027 8:41", "mån 2027-03-08", "Di 09.03."), in the languages of
# WEEKDAYS and Swedish, Dutch and Polish.
_SHORT_WEEKDAY = re.compile(r"\b(?:mo|di|mi|do|fr|sa|so|lun|mar|mer|mié|jeu|jue|gio|ven|vie|sam|sáb|sab|dim|dom|"
                            r"seg|ter|qua|qui|sex|mån|tis|ons|tors|fre|lör|sön|ma|wo|vr|za|zo|pon|wt|śr|czw|pt|sob|"
                            r"niedz)\b\.?", re.IGNORECASE)


def _is_stamp(line: str, dates: list[str], day: dt.date, leads: bool = False) -> bool:
    """Whether a line is only a timestamp of today or earlier ("15/06/2026, 08:57", "Today at 14:22"), a message's
    header ("On 13/04/2027 10:48, Gerry Walsh wrote:") or a weekday and a time alone after other cells of its row
    ("Mon 5:40 PM", as a mail list dates the week's mail; one that `leads` its row is an agenda's: "Tue 10:00
    Dentist"): when a mail came or a message was sent, not a plan."""
    if _WEEKDAY_AT.match(line):
        return not leads
    rest = _SHORT_WEEKDAY.sub(" ", _AGO.sub(" ", TIME.sub(" ", DATE.sub(" ", line))))
    readings = [r for d in dates for r in _readings(d, day)]
    return (not WORD.search(rest) or bool(_HEADER.search(line))) and any(r <= day for r in readings)


_STAMP = re.compile(r"(?<=[^\W\d_][?!.,)]|[^\W\d_]\s|\d\s|[?!.)]\s)\s*\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?\s*$",
                    re.IGNORECASE)
_TIME_WORD = re.compile(r"(?:\b(?:at|from|to|until|till|by|um|às|as|à|a las|de|ab|bis|dès)|[@–-])\s*$", re.IGNORECASE)
_DATE_COMMA = re.compile(rf"(?:{DATE.pattern}),\s*$", re.IGNORECASE)


def without_stamp(line: str) -> str:
    """A chat line without the time it was sent, which chat apps print at its end ("can you come? 21:02"); a
    time the text gives ("the fitting is at 15:00", "Sat 18 Jul, 21:50") stays, and so does one after a short entry
    ("Standup 09:30")."""
    m = _STAMP.search(line)
    before = line[:m.start()] if m else ""
    if not m or _TIME_WORD.search(before) or _DATE_COMMA.search(before) or len(WORD.findall(before)) < 4:
        return line
    return line[:m.start()].rstrip()


def _line_cue(line: str, day: dt.date, leads: bool = False, title: bool = False) -> tuple[int, str]:
    """How much a line may say about the user's plans, and why (0: nothing, as for a line whose dates are all
    past, a timestamp, an advert, or a date with neither a deadline word nor a time: a list's dates, a page's
    header, a calendar's range, which a small model read as plans far more often than not); such a date counts
    for a little (1, `plan`) in a sentence of PLAN_WORDS words or more that speaks to its reader or of "we" ("We
    confirmed Quinta da Regaleira for Saturday September 12!!"), not of another's plans ("I'm out all next week"),
    and in a `title` that is all a window showed (imported history: "Confirmation: Interim Monitoring Visit #5 -
    Site 104 - 17 March 2027"), whose date is what the window was about. `leads`: the line is the first cell of
    a wider row (`_is_stamp`)."""
    dates = [m.group(0) for m in DATE.finditer(line) if not _IN_NAME.match(line, m.end())]
    if not dates or _AD.search(line) or all(is_past(d, day) for d in dates) or _is_stamp(line, dates, day, leads):
        return 0, ""
    if DEADLINE_CUE.search(line):
        return 3, "deadline"
    if TIME.search(line):
        return 2, "event"
    sentence = len(WORD.findall(DATE.sub(" ", _URL.sub(" ", line)))) >= PLAN_WORDS
    return (1, "plan") if title or sentence and _READER_OR_US.search(line) else (0, "")


def snippets(activity: Activity, limit: int = MAX_SNIPPETS, reach: int = 1) -> list[Snippet]:
    """The activity's most telling passages, in screen order: each line with a date beside a deadline word or a
    time, or a coming date in a sentence to the reader or in an imported window's title (`_line_cue`), with
    `reach` lines before and after (lines of fewer than two words, such as a folder list's, are skipped),
    deadlines first; two passages never share their middle line or a line wrapped onto it. A sentence that wraps
    onto the line under it in its column is read as one line ("Could we meet Thursday, March 12" / "at 3:45 pm
    in my classroom?"). A short middle line (a table's "Due by July 1, 2026", which says what is due only beside its
    "v2.0") is shown as the whole row it was cut from, when that row is not long. A passage's neighbours leave
    out what its middle line already shows, what another passage reads as its own (the model would answer for
    that line, the more pressing one, twice) and any line with a date of its own (the model gave the middle
    line's task the neighbour's date) or a list's preview of another message, cut off ("Facilitair: sleutels
    zaal..."). A news page has none: its dates are others' business."""
    if activity.titles and is_news(activity.titles[0]):
        return []
    source = [line for line in activity.lines if len(WORD.findall(line)) >= 2 or DATE.search(line)]
    lines = [without_stamp(line) for line in source]
    wraps = [_wrapped_onto(activity, line) for line in source]
    joined = [" ".join([line, *map(without_stamp, w)]) for line, w in zip(lines, wraps)]
    day = dt.date.fromtimestamp(activity.started_at)
    leads = [activity.rows.get(line, "").startswith(line) for line in source]
    titled = all(o.source == "import" for o in activity.observations)  # the titles are all there is
    ranked = sorted(((*_line_cue(line, day, leads[i], titled), i) for i, line in enumerate(joined)),
                    key=lambda x: (-x[0], x[2]))
    taken: list[tuple[int, str]] = []
    shown: set[str] = set()  # the lines the passages taken so far read as their middle line
    for score, cue, i in ranked:
        if score == 0 or len(taken) >= limit:
            break
        middle = {source[i], *wraps[i]}
        if not middle & shown:
            taken.append((i, cue))
            shown |= middle
    found = []
    for i, cue in sorted(taken):
        row = activity.rows.get(source[i], "")
        middle = without_stamp(row) if row and len(lines[i]) <= ROW_CELL_CHARS and len(row.split()) <= ROW_WORDS \
            else joined[i]
        in_middle = {*(cells(row) if middle != joined[i] else ()), *wraps[i]}
        around = range(max(0, i - reach), i + reach + 1)
        found.append(Snippet(tuple(middle if j == i else lines[j] for j in around
                                   if j < len(lines) and (j == i or source[j] not in in_middle | shown
                                                          and not DATE.search(lines[j])
                                                          and not CUT_OFF.search(lines[j]))), cue,
                             source[i]))
    return found


_RUNS_ON = re.compile(r"[\w,'’&/–—-]\s*$")  # a line ending on a full stop, a bracket or an emoji is done
_GOES_ON = re.compile(r"[a-zà-öø-ÿ]")
_ENDS_OPEN = re.compile(r"\b(?:by|on|at|to|for|of|and|or|the|a|an|until|before|with|in|from|is|are|bis|am|um|zum|"
                        r"hasta|antes del?|para|el|la|de|del|até|avant|pour|le)\s*$", re.IGNORECASE)


def _wrapped_onto(activity: Activity, line: str) -> list[str]:
    """The lines under `line` in its column that a sentence wraps onto, at most WRAPPED_LINES: a line of running
    text, as long as WRAPPED_CHARS, goes on in the line under it when it ends on a word or a comma and the next
    starts in lower case, or when it ends on a word no sentence ends on ("… in Noah's folder by" / "Friday, May
    15.")."""
    found: list[str] = []
    while len(found) < WRAPPED_LINES:
        under = activity.below.get(line) or [""]
        running = len(line) >= WRAPPED_CHARS and _RUNS_ON.search(line)
        if not (under[0] and running and (_GOES_ON.match(under[0]) or _ENDS_OPEN.search(line))):
            break
        line = under[0]
        found.append(line)
    return found
