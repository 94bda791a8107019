"""Digest: a batch of observations in, one compact activity per focus session out, without a model.

Per activity (consecutive screens of one window) gumd keeps only the lines that are new (lines an app shows in
every window - menus, toolbars, status bars - and lines already read earlier in the activity are dropped), and
finds the entities the screen states: people (mail headers, sign-offs, @mentions, honorifics, the signed-in
account, a chat window's title), things (documents, projects, pages and sites from window titles, file names),
dates (with whether a deadline word stands next to them), amounts, and the name the screens address the user by.
Imported history (importers/activitywatch.py: a session's windows and their minutes in focus, no screen text) is
read window by window, what each title says it is about (`subject`) as all its screen showed.
"""

from __future__ import annotations

import re
from collections import Counter, OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from gumd.propositions.sites import BROWSER, COMMON_SITES, MORE_PAGES, PROFILE, Sites, site_of
from gumd.propositions.vocabulary import (COMMON_WORDS, FIRM_ENDS, MENU_WORDS, ORGANISATION_WORDS, TITLE_NOISE,
                                         TITLE_SPLIT, UI_LABELS, WORD)
from gumd.store.records import Observation

SITE_INPUTS = 40  # keys and clicks on one page of a web app that make it worked in, like a second page
ACTIVITY_GAP_S = 600.0  # a longer pause starts a new activity, even in the same window
MAX_ENTITIES = 16  # per kind and activity
CHROME_MEMORY = 4000  # lines remembered per app across batches
MIN_IMPORTED_MINUTES = 5.0  # an imported window in focus this long in a session was worked in, as one clicked is
_IMPORTED = re.compile(r"^(?P<app>.+?) '(?P<title>.*)' (?P<minutes>\d+(?:\.\d+)?) min$")  # one window of an
# imported session, as importers/activitywatch.py writes it

MONTHS = (
    "jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|"
    "nov|november|dec|december|januar|februar|märz|maerz|mai|juni|juli|oktober|dezember|enero|febrero|marzo|abril|"
    "mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|janvier|février|fevrier|mars|avril|"
    "juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|janeiro|fevereiro|março|marco|maio|junho|"
    "julho|setembro|outubro|novembro|dezembro|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|"
    "dicembre|gen|mag|giu|lug|ott|januari|februari|maart|mei|augustus|maj|augusti|stycznia|lutego|marca|kwietnia|"
    "maja|czerwca|lipca|sierpnia|września|wrzesnia|października|pazdziernika|listopada|grudnia|"
    "maret|agustus|agu|desember|"  # Indonesian ("juni" is Dutch's, "des" French for "of the")
    "січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня|січ|лют|бер|квіт|трав|"
    "черв|лип|серп|вер|жовт|лист|груд|"  # Ukrainian, as dates write them ("15 березня", "10 бер.")
    "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря|янв|фев|апр|авг|сент|окт|"
    "нояб|дек"  # Russian
)
WEEKDAYS = (
    "mon|monday|tue|tues|tuesday|wed|wednesday|thu|thur|thurs|thursday|fri|friday|sat|saturday|sun|sunday|"
    "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lunes|martes|miércoles|miercoles|jueves|viernes|"
    "sábado|sabado|domingo|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunedì|lunedi|martedì|martedi|"
    "mercoledì|mercoledi|giovedì|giovedi|venerdì|venerdi|sabato|domenica|segunda-feira|terça-feira|terca-feira|"
    "quarta-feira|quinta-feira|sexta-feira|segunda|terça|terca|quarta|quinta|sexta|sáb|"
    "maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag|"
    "mån|tis|tors|fre|lör|sön|poniedziałek|poniedziałku|wtorek|wtorku|środa|środy|czwartek|czwartku|piątek|"
    "piątku|sobota|soboty|niedziela|niedzieli|senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|"
    "понеділ[окка]+|вівтор[окка]+|серед[аиу]|четвер[га]*|п['’]ятниц[яію]|субот[аиу]|неділ[яію]|"  # Ukrainian, and
    "понедельник[а]?|вторник[а]?|сред[аыу]|четверг[а]?|пятниц[аыу]|суббот[аыу]|воскресень[ея]"  # Russian
)
# Weekdays only before a date ("qua 24/03", "mar 20/7", "Jum 13/8"): words or months too ("ons", "ter", "mar").
_SHORT_WEEKDAYS = "seg|ter|qua|qui|sex|ons|lun|mar|mié|jue|vie|mer|jeu|ven|sen|sel|rab|kam|jum|пн|вт|ср|чт|пт|сб|нд|вс"
# Weekdays that follow a date's figures ("19.02 Cuma", "11/19 금"): Turkish, Korean.
_WEEKDAYS_AFTER = ("pazartesi|salı|sali|çarşamba|carsamba|perşembe|persembe|cuma|cumartesi|pazar|pzt|çar|cmt|"
                   "[월화수목금토일]")
_ON = r"on|by|until|till|before|from|due|le|il|el|am|vom|bis|entro|até|tot|den|senast|före|innan|vóór"  # a bare day/month after these
DATE = re.compile(
    rf"(?<![\d.,:/])\b(?:(?:{WEEKDAYS}|{_SHORT_WEEKDAYS})\.?,?\s+)?(?:"
    rf"\d{{1,2}}(?:st|nd|rd|th|\.)?\s+(?:de\s+|of\s+)?(?:{MONTHS})\.?(?:\s+(?:de\s+)?\d{{4}})?"
    rf"|(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?![/.]\d)"  # not "mar 20/7" (martes)
    rf"|\d{{4}}[-/]\d{{1,2}}[-/]\d{{1,2}}"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}"
    rf"|\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}}"
    rf")\b"
    rf"|\b(?:(?:{WEEKDAYS}|{_SHORT_WEEKDAYS})\.?,?|{_ON})\s+\d{{1,2}}/\d{{1,2}}\b(?![/\d])"  # "Sat 27/03", "on 11/17"
    rf"|\b(?:{WEEKDAYS})\b(?=[^\n]{{0,12}}\b(?:\d{{1,2}}[:.]\d{{2}}|\d{{0,2}}\s*[ap]m)\b)"
    rf"|\b(?:{WEEKDAYS}),?\s+the\s+\d{{1,2}}(?:st|nd|rd|th)\b"  # "this Friday the 16th"
    rf"|\b(?:today|tomorrow|tonight|next week|this week|end of (?:day|week|month)|eod|eow)\b(?!['’]s)"
    rf"|(?<![\d/])(?:\d{{4}}\s*年\s*)?\d{{1,2}}\s*月\s*\d{{1,2}}\s*日"  # 10月9日, 2026年10月17日
    rf"|(?<![\d/])\d{{1,2}}/\d{{1,2}}(?=\s*[(（][月火水木金土日월화수목금토일][)）])"  # 10/10(土), 3/3(수)
    rf"|(?<![\d/.,:])\d{{1,2}}[./]\d{{1,2}}\.?(?=\s+(?:{_WEEKDAYS_AFTER})\b)",  # "19.02 Cuma", "11/19 금"
    re.IGNORECASE,
)
DEADLINE_CUE = re.compile(
    r"\b(?:due|deadline|(?<!created )(?<!posted )(?<!shared )(?<!written )(?<!sent )(?<!edited )by|until|before|"
    r"submit\w*|expire\w*|closes?|no later than|frist|bis|fällig|plazo|antes|límite|limite|vence|avant|échéance|"
    r"prazo|até|entrega|entro|scade|scadenza|uiterlijk|spätestens|hasta|senast|före|innan|najpóźniej|до|термін|"
    r"дедлайн|срок|не пізніше|не позднее)\b"
    r"|(?<!\w)vóór(?!\w)"
    r"|まで|締め?切り?|期限|納期|截止|마감|까지",  # CJK words stand inside others
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?:[$€£¥₹]|R\$|USD|EUR|GBP|CHF)\s?\d[\d,.']*\d?(?:\s?[kK]\b)?"
    r"|\b\d[\d,.']*\s?(?:EUR|USD|GBP|CHF|€|£|kr|zł|Kč|euros?|dollars?|pesos|reais)\b",
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EXTENDED = [*range(0x100, 0x180), *range(0x1e00, 0x1f00)]  # Ł, Ş, Č …; Vietnamese and Yoruba's Ạ, Ố, Ẹ …
CAPITALS = "A-ZÀ-ÖØ-Þ" + "".join(c for c in map(chr, _EXTENDED) if c.isupper())
_LOWER = "a-zà-öø-ÿ" + "".join(c for c in map(chr, _EXTENDED) if c.islower()) + "'’-"
NAME_WORD = rf"(?:[OD]['’]|Mc)?[{CAPITALS}][{_LOWER}]+(?:(?<=-)[{CAPITALS}][{_LOWER}]+)*"  # O'Sullivan, D'Angelo,
# McCarthy, Ayşe, Owusu-Ansah
FULL_NAME = rf"{NAME_WORD}(?:\s+(?:de |da |van |von |del |di |le |la )?{NAME_WORD}){{0,2}}"
_HEADER_FIELD = r"(?P<field>from|to|cc|de|von|an|para|à|a|envoyé par|remitente)"
_HEADER = re.compile(rf"^\s*{_HEADER_FIELD}\s*:\s*(?P<rest>.+)$", re.IGNORECASE)
_HEADER_ALONE = re.compile(rf"^\s*{_HEADER_FIELD}\s*:?\s*$", re.IGNORECASE)  # the value is in the next cell
HONORIFICS = frozenset("mr mrs ms mx dr prof frau herr sr sra srta mme dra coach capt".split())
_HONORIFIC = re.compile(
    rf"\b(?:(?:Dr|Prof|Mr|Mrs|Ms|Mx|Frau|Herr|Sra|Srta|Mme|Dra|Coach)\.?|(?:M|Sr)\.)"  # "M Gmail", "Sr Data …": no
    rf"\s+(?:{NAME_WORD}\.?\s+)?{NAME_WORD}"
)
_SIGN_OFF_WORDS = (r"thanks|thank you|best|cheers|love|regards|kind regards|best regards|warmly|xo|hugs|saludos|"
                   r"un abrazo|abrazos|grüße|gruß|viele grüße|liebe grüße|lg|bisous|cordialement|amitiés|abraços|"
                   r"beijos|atenciosamente|obrigad[oa]|gracias|merci|danke")
_SIGN_OFF = re.compile(rf"\b(?:{_SIGN_OFF_WORDS})\s*[,!.]?\s*[-–—]?\s*(?P<name>{FULL_NAME})\s*$", re.IGNORECASE)
_SIGN_OFF_ALONE = re.compile(rf"^\W*(?i:{_SIGN_OFF_WORDS})\s*[,!.]?$")  # "Best regards," with the name on the
# next line
_CHAT_SPEAKER = re.compile(  # "Marta Silva: see you" or "Marta 21:02: see you"; a lone "Goal:" is a label
    rf"^\s*(?P<name>{NAME_WORD}\s+{NAME_WORD}|{NAME_WORD}(?=\s*\(?\d{{1,2}}[:.]\d{{2}}))"
    rf"\s*(?:\(?\d{{1,2}}[:.]\d{{2}}\s*(?:[AaPp][Mm])?\)?)?\s*[:：]\s+\S"
)
_POST_HEADER = re.compile(  # a post's author above it, with their title: "Carol Nguyen (Science Dept. Chair)"
    rf"^\s*(?P<name>{NAME_WORD}\s+{NAME_WORD})\s*\([^()]{{2,40}}\)\s*(?:\d{{1,2}}[:.]\d{{2}}\s*(?:[AaPp][Mm])?)?\s*$"
)
# A message's header as chat apps lay it out in cells: the author's name, maybe a short title, then the time
# ("Piotr Jankowski  10:12", "Priya Nair  Engineering Manager  9:58 AM").
_AUTHOR_CELL = re.compile(rf"^(?P<name>{NAME_WORD}\s+{NAME_WORD})$")
_TIME_CELL = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s*[AaPp][Mm])?$")
_GROUP_MEMBER = re.compile(rf"^~\s?(?P<name>{FULL_NAME})$")  # a WhatsApp group's member the user has not saved, above
# their message: "~ Xime Calderón"
_SHORT_TITLE = re.compile(r"^[^\W\d_][^\d:@]{1,40}$")
GREETING_WORDS = (r"hi|hello|hey|dear|hola|olá|ola|oi|bonjour|salut|coucou|hallo|liebe[rs]?|querid[oa]|"
                  r"estimad[oa]|cher|chère|caro|cara|ciao|hej|hei|hoi|moin|servus|cześć|buen día|buenos días|bom dia|"
                  r"buongiorno|buonasera|bonsoir|buenas tardes|boa tarde|goedemorgen|goedemiddag|guten tag")
_GREETING = re.compile(
    rf"(?:^|[.!?]\s+|\s)(?i:{GREETING_WORDS})\s+(?P<name>{NAME_WORD})\s*(?=[,!:;.]|$)"  # a name has its capital:
)  # "Hi po!" greets nobody
# How apps show the signed-in user, in a line: "Alex Rivera (you)", "👤 Sam" ending a line (an account), or a
# drop-down chip "Tanya Brooks · Paralegal ▾", which counts only for a first name the screens also show for a person
# another way (fonts, workspaces and app menus look the same); or in a web mail's or calendar's title: "Mail - Jonah
# Mbeki - Outlook", "Calendar - …", "Posta - …"; or the user's own address (below).
_ACCOUNT_LINE = (
    (re.compile(rf"(?P<name>{FULL_NAME})\s*\((?i:you|me|yo|du|vous|você|tu|eu)\)"), "account"),
    (re.compile(rf"\b(?i:(?:logged|signed) in as|angemeldet als|connecté en tant que|conectado como|connesso come|"
                rf"zalogowany jako|ingelogd als|inloggad som|logado como)\s+(?P<name>{FULL_NAME})"), "account"),
    (re.compile(rf"(?<![\w.])(?P<name>{NAME_WORD}(?:\s+{NAME_WORD}){{1,3}})(?:\s*·\s*[^▾·]{{2,40}})?\s*▾\s*$"),
     "chip"),
    (re.compile(rf"(?<![\w.])(?P<name>{FULL_NAME})\s+(?:[{CAPITALS}][\w&'’-]*\s+)?(?i:{FIRM_ENDS})\b"
                rf"[^▾]{{0,40}}▾\s*$"), "chip"),  # a business of the user's own name: "Annalisa De Luca Hair Studio ▾"
)
# A drop-down chip that puts the family name first, as rosters and HR systems do: "KOWALSKI, DANIELLE ▾".
_CHIP_FAMILY_FIRST = re.compile(rf"(?<![\w.,])(?P<family>{NAME_WORD}|[{CAPITALS}]{{2,}}),\s+"
                                rf"(?P<given>{NAME_WORD}|[{CAPITALS}]{{2,}})\s*▾\s*$")
# A directory's display name, as NHSmail and company address books write it, family name first in capitals and the
# organisation after: "OKAFOR, Sandra (ASHGROVE MEDICAL PRACTICE - P84099)", "QURESHI, Imran (Dr) (…)".
_DIRECTORY_NAME = re.compile(rf"(?P<family>[{CAPITALS}][{CAPITALS}'’-]+(?: [{CAPITALS}][{CAPITALS}'’-]+)?),\s+"
                             rf"(?P<given>{NAME_WORD})(?:\s+\((?i:dr|mr|mrs|ms|miss|prof)\.?\))?\s+\([^()]{{3,80}}\)")
# "👤 Sam" as a screen line's last cell ("… Explore Premium   👤 Sam"), not a toolbar's button ("👤 Address Book")
_ACCOUNT_CORNER = re.compile(rf"👤\s*(?P<name>{NAME_WORD}(?:\s+{NAME_WORD})?)[ \t]*$", re.MULTILINE)
_ACCOUNT_TITLE = re.compile(  # the view's name may hold a hyphen: "E-post - Malin Bergqvist - Outlook"
    rf"^(?:[^-–—|]|(?<=\w)-(?=\w)){{2,40}}\s[-–—]\s+(?P<name>{FULL_NAME})\s+[-–—]\s+(?i:outlook|gmail|mail)\b")
# A chat program's window titled after the person chatted or called with, after the view's name: "Chat | Marta
# Quintela | Microsoft Teams", "Chamada: ATLAS-HF queries - Julien Marchetti (CRA, Medvance) | Microsoft Teams".
_CHAT_PROGRAM = re.compile(r"^(?i:microsoft teams|teams|slack|mattermost|element|rocket\.chat|google chat)$")
_CHAT_VIEW = re.compile(r"^(?i:chat|czat|chats|conversa|conversación|conversation|gesprek|samtal|call|chamada|llamada|"
                        r"appel|anruf|chiamata|oproep|połączenie|rozmowa|videochamada|samtale)\b")
_CHAT_NAME = rf"(?P<name>{NAME_WORD}(?:\s+{NAME_WORD}){{1,3}})"
_DIRECT_MESSAGE = re.compile(rf"{_CHAT_NAME}\s+\((?i:dm)\)")  # Slack's "Priya Nair (DM) - Acme - Slack"
_CHAT_TITLE_NAME = re.compile(rf"{_CHAT_NAME}(?:\s+\([^()]{{2,60}}\))?")
# A mail client shows the user's own address as "Me <lena.brandt@posteo.de>"; the address may spell their name.
# Its window title shows the account ("Inbox - dreyes@austinisd.org - …"): "Daniel Reyes <dreyes@…>" is the user.
_OWN_ADDRESS = re.compile(r"(?<![\w<])(?i:me|yo|moi|eu|ich|io)\s*<(?P<local>[a-z]+(?:[._-][a-z]+)+)@[\w.-]+>")
_NAMED_ADDRESS = re.compile(rf"(?P<name>{FULL_NAME})\s*<(?P<address>{_EMAIL.pattern})>")
_MENTION = re.compile(r"(?<![\w.])@(?P<name>[A-Za-z][\w.-]{1,30}[A-Za-z0-9])")
FILE_NAME = re.compile(
    r"\b[\w-]+(?:[ .][\w-]+)?\.(?:pdf|docx?|odt|ods|xlsx?|csv|pptx?|odp|md|txt|tex|bib|py|js|ts|rs|go|java|ipynb|"
    r"sql|psd|kra|xcf|svg|png|jpe?g|mp3|wav|mov|mp4|epub|arw|cr[23]|nef|dng|raf|orf|pln|dwg|dxf|skp|blend|fcstd|"
    r"kdenlive|prproj|flp|mscz|sla|indd)\b",
    re.IGNORECASE,
)
_PROPER_NAME = re.compile(rf"(?<![\w@.])(?:{FULL_NAME})(?![\w@])")
_ISSUE = re.compile(r"(?:\b[\w.-]+/[\w.-]+)?#\d{1,6}\b")

@dataclass(frozen=True)
class Entity:
    """A name, date or amount as the screen states it, and where."""

    kind: str  # person | thing | name (a capitalised name of unknown kind) | date | amount
    text: str
    observation_ids: tuple[int, ...]
    cue: str = ""  # how it was found: sender, recipient, copied (Cc:), signature, chat, mention, honorific, title,
    # file, deadline


@dataclass
class Activity:
    """Consecutive screens of one window: what was new on them and the entities they state."""

    app: str
    titles: list[str]
    observations: list[Observation]
    lines: list[str] = field(default_factory=list)
    rows: dict[str, str] = field(default_factory=dict)  # a new line that is one cell of a wider row -> that row
    below: dict[str, list[str]] = field(default_factory=dict)  # a new line -> the cells under it, in its column
    entities: list[Entity] = field(default_factory=list)
    user: str = ""  # the user's own name, as far as the screens have shown it so far
    likely_user: str = ""  # the name the screens have addressed the user by most so far, before the votes settle it
    # as the user's (`user`); the user's once they have
    site: str = ""  # the web app the user worked in here, when they have worked on two pages of it or more …
    site_pages: list[str] = field(default_factory=list)  # … and its pages here
    organisation: str = ""  # whose mail the user reads, as a work mailbox's title names it so far

    @property
    def observation_ids(self) -> list[int]:
        return list(dict.fromkeys(o.id for o in self.observations))  # an imported session's windows share its id

    @property
    def started_at(self) -> float:
        return self.observations[0].started_at

    @property
    def ended_at(self) -> float:
        return max(o.ended_at for o in self.observations)

    def named(self, kind: str) -> list[str]:
        return [e.text for e in self.entities if e.kind == kind]


class Digester:
    """Turns batches into activities; remembers, per app, which windows showed each line (to spot chrome)."""

    def __init__(self, memory: int = CHROME_MEMORY):
        self.memory = memory
        self._seen: dict[str, OrderedDict[str, set[str]]] = {}  # app -> line key -> windows it appeared in
        self._user_votes: Counter[str] = Counter()  # first name -> screens that addressed the user by it
        self._chip_votes: Counter[str] = Counter()  # first name -> screens that showed it on a drop-down chip
        self._people: set[str] = set()  # first names the screens showed for a person other than on a chip
        self._full_names: dict[str, str] = {}  # first name -> the longest name seen with it
        self._user = ""  # the first name taken for the user's so far
        self.organisation = ""  # the organisation a work mailbox's title names ("… - Paysetu Technologies Mail")
        self.sites = Sites()

    @property
    def user(self) -> str:
        """The name the screens address the user by most: one that leads by two, and stays the user's while no
        other has as many votes ('' before); a drop-down chip's name counts only when the screens also show that
        first name for a person another way."""
        return self._full_names.get(self._user, "")

    @property
    def likely_user(self) -> str:
        """The user's name once settled; before, the name the screens have addressed the user by most, when one
        leads ('' when none does)."""
        (top, n), *rest = self._user_votes.most_common(2) or [("", 0)]
        return self.user or (self._full_names.get(top, "") if n and (not rest or n > rest[0][1]) else "")

    def _count_user(self) -> None:
        votes = self._user_votes + Counter({k: n for k, n in self._chip_votes.items() if k in self._people})
        (top, n), *rest = votes.most_common(2) or [("", 0)]
        if not (self._user and all(votes[self._user] > v for k, v in votes.items() if k != self._user)):
            self._user = top if n >= 2 and (not rest or n >= rest[0][1] + 2) else ""

    def digest(self, observations: list[Observation]) -> list[Activity]:
        """The batch's activities, each with its new lines and entities. A line shown in two different
        windows of one app (in this batch or an earlier one) is the app's chrome; a reply's quote of the message
        it answers ("> Hi Dad,") is not a second showing."""
        activities = split_activities([w for o in observations for w in windows_of(o)])
        keyed = [(a, a.titles[0] if a.titles else "", [x for o in a.observations for x in _lines(o.text)])
                 for a in activities]
        for a, window, lines in keyed:
            seen = self._seen.setdefault(a.app, OrderedDict())
            for key in {_line_key(x) for x in lines if not x.startswith(">")}:
                windows = seen.setdefault(key, set())
                if len(windows) < 2:
                    windows.add(window)
                seen.move_to_end(key)
            while len(seen) > self.memory:
                seen.popitem(last=False)
        for a, window, lines in keyed:
            seen = self._seen[a.app]
            chrome = {k for k in map(_line_key, lines) if seen.get(k, set()) - {window}}
            a.lines, a.rows, a.below = _new_lines(a, chrome)
            a.entities = extract_entities(a)
            for name, weight, cue in names_of_user(a):
                first = name.split()[0].lower()
                (self._chip_votes if cue == "chip" else self._user_votes)[first] += weight
                if len(name) > len(self._full_names.get(first, "")):
                    self._full_names[first] = name
            self._people |= {_given(e.text).split()[0].lower() for e in a.entities
                             if e.kind == "person" and e.cue != "chip" and _given(e.text)}
            for e in a.entities:
                first = e.text.split()[0].lower()
                known = self._full_names.get(first, "")
                if known and len(e.text) > len(known) and len(e.text.split()) <= 4 and person_ok(e.text) and \
                        (e.kind == "person" or e.kind == "name" and " " not in known):  # "Misaki Sato Photography"
                    self._full_names[first] = e.text  # is a business, "Thiago Almeida" completes "Thiago"
        self._count_user()
        for a in activities:
            for title in a.titles:
                if m := _WORK_MAILBOX.search(title):  # after the mailbox's address
                    self.organisation = m.group("org")
        for a in activities:
            a.user = self.user
            a.likely_user = self.likely_user
            a.organisation = self.organisation
            sites = [found for title in a.titles if (found := site_of(title))] if interacted(a) else []
            for site, pages in (self.sites.ordered(*found) for found in sites):
                if self.sites.worked_on(site, pages) >= 2 or inputs(a) >= SITE_INPUTS:
                    a.site = site
                    a.site_pages.append(" - ".join(pages))
        return activities


_COMPOSE = re.compile(r"^\s*(?:write|compose|new message|reply|draft|redactar|verfassen|écrire|escrever|opstellen|"
                      r"skriv|napisz|scrivi|componi)\b\s*:?|"
                      r"[?&#]compose=|^[^\w\n]*(?:send|envoyer|enviar|senden|invia|skicka|wyślij|verzenden|versturen)"
                      r"(?:\s*▾|\s{2,}|\s*$)",  # a mail being written: its compose URL, or its Send button
                      re.IGNORECASE | re.MULTILINE)


_SCROLLS = re.compile(r"scroll|défil|rolag|desplaz|przewini|スクロール|스크롤|bildlauf|прокрут", re.IGNORECASE)


_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff]")  # Edge's own title has one: "Microsoft\u200b Edge"


def windows_of(o: Observation) -> list[Observation]:
    """An imported session as one observation per window it lists, in the session's order, each in focus for its
    minutes, what its title says it is about (`subject`) all its screen showed (the session's own line of dates and
    times is the importer's, not the screen's); any other observation as it is, its title without zero-width
    characters."""
    if o.source != "import":
        return [replace(o, title=_ZERO_WIDTH.sub("", o.title))] if _ZERO_WIDTH.search(o.title) else [o]
    windows, t = [], o.started_at
    for line in o.text.splitlines():
        if m := _IMPORTED.match(line.strip()):
            seconds = float(m["minutes"]) * 60
            windows.append(replace(o, started_at=t, ended_at=t + seconds, app=m["app"], title=m["title"],
                                   text=subject(m["title"]) or m["title"]))
            t += seconds
    return windows or [o]


# An organisation's own web mail, after the account in a mailbox's title: "kavya.hegde@paysetu.in - Paysetu
# Technologies Mail - Google Chrome" (Google Workspace names the mail after the organisation).
_WORK_MAILBOX = re.compile(rf"@[\w.-]+\s+[-–—]\s+(?P<org>[{CAPITALS}][\w .&'’-]{{1,60}}?) Mail\s+[-–—]")


# What heads a mail's subject in a title: a reply, a forward, a draft ("Verfassen: WG: Ihr Bauantrag …").
_MAIL_PREFIX = re.compile(r"^(?:(?:re|aw|wg|fw|fwd|tr|sv|vs|odp|rv|r|write|draft|compose|verfassen|rédaction|"
                          r"redacción|scrivi|escrever|nachricht verfassen)\s*(?::\s*|$))+", re.IGNORECASE)


def subject(title: str, user: str = "") -> str:
    """What a window's title says the window is about: its parts without the program, generic views, accounts,
    the user's own name and a mail's Re:/Fwd:/draft marks ("Mail - Megan Solberg - Outlook - Google Chrome": '';
    "Verfassen: WG: Ihr Bauantrag BA-2026/1187 - Thunderbird": "Ihr Bauantrag BA-2026/1187")."""
    parts = [_MAIL_PREFIX.sub("", MORE_PAGES.sub("", p.strip())) for p in TITLE_SPLIT.split(title)]
    return " - ".join(p for p in parts if p and WORD.search(p) and p != user and not any(
        noise.match(p) for noise in (TITLE_NOISE, BROWSER, PROFILE, COMMON_SITES)))


def interacted(activity: Activity) -> bool:
    """Whether the user worked in the activity's window: clicked or typed there (input counts other than scrolls:
    "12 keys, 3 clicks", "키 58회", not "6 scrolls"), or, in imported history, which has no input counts, had it
    in focus for MIN_IMPORTED_MINUTES."""
    imported = sum(o.ended_at - o.started_at for o in activity.observations if o.source == "import")
    return imported >= 60 * MIN_IMPORTED_MINUTES or any(
        re.search(r"\d", part) and not _SCROLLS.search(part) or "+" in part
        for o in activity.observations for part in (o.input_summary or "").split(","))


def inputs(activity: Activity) -> int:
    """How many keys and clicks the activity's input counts sum to (scrolls left out)."""
    return sum(int(m.group(0)) for o in activity.observations for part in (o.input_summary or "").split(",")
               if not _SCROLLS.search(part) for m in [re.search(r"\d+", part)] if m)


def is_writing(activity: Activity) -> bool:
    """Whether the activity shows the user writing a mail or message (a compose or reply window)."""
    return any(_COMPOSE.search(o.title) or _COMPOSE.search(o.text) for o in activity.observations)


def names_of_user(activity: Activity) -> list[tuple[str, int, str]]:
    """The names an activity shows for the user, each with its weight as a vote and its cue: the name in the
    user's own mail address ("Me <lena.brandt@…>", 3), the signed-in account or a drop-down chip (2), the
    recipient and the greeted person of a mail the user reads, the sender and the signature of one the user
    writes (1 each). Where the window's title names the mailbox's address, only that address says whose a
    header is: another sender is a quoted mail's ("From: Beatriz Arnaiz" under the reply), another recipient a
    list's. Honorifics are left out ("Dr Emily Tran ▾": Emily Tran)."""
    writing = is_writing(activity)
    cues = ["signature" if writing else "greeting"]
    if not any(_EMAIL.search(title) for title in activity.titles):
        cues.append("sender" if writing else "recipient")
    weights = {"own address": 3, "account": 2, "chip": 2}
    return [(_given(e.text), weights.get(e.cue, 1), e.cue) for e in activity.entities
            if e.kind == "person" and (e.cue in cues or e.cue in weights) and _given(e.text)]


def _given(name: str) -> str:
    """A name from its given name on, without a leading honorific ("Dr Emily Tran": Emily Tran); '' when what
    is left cannot start with a given name (a two-letter word, a UI label, a word in lower case: "Hola papá")."""
    words = name.split()
    while words and words[0].lower().strip(".") in HONORIFICS:
        words = words[1:]
    first = words[0].strip(".") if words else ""
    return " ".join(words) if len(first) >= 3 and not first[0].islower() and person_ok(first) else ""


def split_activities(observations: list[Observation]) -> list[Activity]:
    """Consecutive observations of one app whose titles overlap, without a long pause, form one activity."""
    out: list[Activity] = []
    for o in sorted(observations, key=lambda o: (o.started_at, o.id)):
        last = out[-1] if out else None
        if (
            last is not None
            and last.app == o.app
            and o.started_at - last.ended_at <= ACTIVITY_GAP_S
            and _same_window(last.titles[-1], o.title)
        ):
            last.observations.append(o)
            if o.title and o.title not in last.titles:
                last.titles.append(o.title)
        else:
            out.append(Activity(app=o.app, titles=[o.title] if o.title else [], observations=[o]))
    return out


def _same_window(a: str, b: str) -> bool:
    wa, wb = set(WORD.findall(a.lower())), set(WORD.findall(b.lower()))
    if not wa or not wb:
        return True
    return len(wa & wb) / len(wa | wb) >= 0.5


ROW_JOIN = "   "  # how a row's cells are put back together for a reader
BELOW_ROWS = 3  # rows under a cell kept as what stands below it …
COLUMN_SLACK = 4  # … starting this many characters left or right of it at most (OCR columns drift; a chat
# message's second line hangs under its text, not its speaker)
_CELL = re.compile(r"\S+(?:\s\S+)*")  # words with single spaces between: one cell


def cells(line: str) -> list[str]:
    """One screen line's cells: cut where OCR left a wide gap (two spaces or more: another column)."""
    return [cell for _, cell in _placed_cells(line)]


def _placed_cells(line: str) -> list[tuple[int, str]]:
    """One screen line's cells, each with the column it starts at."""
    return [(m.start(), " ".join(m.group(0).split())) for m in _CELL.finditer(line.replace("\t", "  "))]


def _lines(text: str) -> list[str]:
    """The text's cells, line after line."""
    return [cell for line in text.splitlines() for cell in cells(line)]


def _line_key(line: str) -> str:
    return " ".join(WORD.findall(line.lower())) or line.lower()


# A chat's presence line under the contact's name: when they were last online, in the languages chat apps write it.
_PRESENCE = re.compile(r"^\W*(?:last seen|últ\. vez|última vez (?:hoy|ayer|hoje|ontem)|visto por últ|visto pela últ|"
                       r"zuletzt online|vue? (?:aujourd|hier)|"
                       r"ultimo accesso|laatst gezien|senast sedd|ostatnio widzian|terakhir dilihat|son görülme|"
                       r"был[аи]? в сети|був[ла]? в мережі|naposledy)", re.IGNORECASE)


def is_chrome(line: str) -> bool:
    """A line no reader needs: a menu bar or toolbar, a chat's presence line ("last seen today at 13:17"), or one
    with fewer than two real words."""
    if _PRESENCE.match(line):
        return True
    words = WORD.findall(line.lower())
    if len(words) < 2 and not (DATE.search(line) or _AMOUNT.search(line) or _EMAIL.search(line)):
        return len(words) == 0 or len(line) < 4
    menu = sum(w in MENU_WORDS for w in words)
    return len(words) >= 3 and menu / len(words) >= 0.6


def grid_cells(text: str) -> Iterator[tuple[str, list[str], list[str]]]:
    """Each cell of a screen's text, with the cells of its row and the cells that start in its column on the next
    BELOW_ROWS rows (a profile card's "Data Analyst at Zalando" under "Lena Brandt", beside another column)."""
    grid = [_placed_cells(row) for row in text.splitlines()]
    for r, placed in enumerate(grid):
        row_cells = [cell for _, cell in placed]
        for column, cell in placed:
            yield cell, row_cells, [c for later in grid[r + 1: r + 1 + BELOW_ROWS] for at, c in later
                                    if abs(at - column) <= COLUMN_SLACK]


def above_in_column(text: str, cell: str, others: bool = False) -> list[str]:
    """The cells of a screen's text above the first `cell` that start in its column (COLUMN_SLACK), nearest first
    (a chat message hangs under its speaker's name); with `others`, then the rest of each row above (a mail's body
    starts left of its header's names)."""
    grid = [_placed_cells(row) for row in text.splitlines()]
    for r, placed in enumerate(grid):
        at = next((column for column, c in placed if c == cell), None)
        if at is not None:
            rows = list(reversed(grid[:r]))
            return [c for row in rows for column, c in row if abs(column - at) <= COLUMN_SLACK] + \
                [c for row in rows for column, c in row if others and abs(column - at) > COLUMN_SLACK]
    return []


def _new_lines(activity: Activity, chrome: set[str]) -> tuple[list[str], dict[str, str], dict[str, list[str]]]:
    """The activity's new cells; for each cell cut from a wider row, that row without its chrome cells; for each
    cell, the cells under it in its column (`grid_cells`)."""
    kept, rows, below, seen = [], {}, {}, set()
    for o in activity.observations:
        for line, row_cells, under in grid_cells(o.text):
            key = _line_key(line)
            if key in seen or key in chrome or is_chrome(line):
                continue
            seen.add(key)
            kept.append(line)
            others = [c for c in row_cells if _line_key(c) not in chrome]
            if len(others) > 1:
                rows[line] = ROW_JOIN.join(others)
            below[line] = under
    return kept, rows, below


_OWN_CUES = ("own address", "account")  # cues that mark a name as the user's own


def _add(found: dict[tuple[str, str], Entity], kind: str, text: str, obs_id: int, cue: str) -> None:
    text = " ".join(text.strip(" \t,;:.()[]<>\"'«»|").split())
    if len(text) < 2 or len(text) > 80:
        return
    key = (kind, text.lower())
    old = found.get(key)
    if old is None:
        found[key] = Entity(kind, text, (obs_id,), cue)
    else:  # the first cue stays, unless this one marks the user's own name ("Alex Rivera (you)") and it did not
        mine = cue in _OWN_CUES and old.cue not in _OWN_CUES
        if mine or obs_id not in old.observation_ids:
            ids = old.observation_ids if obs_id in old.observation_ids else (*old.observation_ids, obs_id)
            found[key] = Entity(kind, old.text, ids, cue if mine else old.cue or cue)


_SURNAMES = frozenset("price page may read love".split())  # screen words that are family names too: "Devon Price"


def person_ok(name: str) -> bool:
    """Whether a capitalised run may be a person's name: none of its words labels UI, is a common word or ends an
    organisation's name, but for a family name that is also such a word ("Gareth Price")."""
    words = [w.lower().strip(".") for w in name.split()]
    return bool(words) and not any(w in UI_LABELS or w in COMMON_WORDS or w in MENU_WORDS or w in ORGANISATION_WORDS
                                   for w in words[:1] + [w for w in words[1:] if w not in _SURNAMES])


def _header_people(rest: str) -> list[tuple[str, str]]:
    """(name, email) pairs from a From:/To: header value."""
    people = []
    for part in re.split(r"[,;]\s*(?=[^,;]*(?:@|<))", rest):
        email = _EMAIL.search(part)
        name = _EMAIL.sub("", part).strip(" <>\"'()")
        name_match = re.match(FULL_NAME, name)
        if name_match:
            people.append((name_match.group(0), email.group(0) if email else ""))
        elif email:  # a name the address spells in two parts ("marta.silva@…"); "info@…", "jpark@…" spell none
            words = [w.capitalize() for w in re.split(r"[._-]+", email.group(0).split("@")[0]) if w.isalpha()]
            people.append((" ".join(words) if len(words) >= 2 else "", email.group(0)))
    return people


# What an address adds to a name, not a name's part: "jferreyra.ux@", "mgarcia.arq@", "kim.design@".
_ADDRESS_TAGS = frozenset("ux ui dev design designs art arts photo foto studio law legal hr pm info work office admin "
                          "mail arq arch eng tax cpa md rn dds phd pro biz shop music films media".split())


def _add_own_address(found: dict[tuple[str, str], Entity], local: str, obs_id: int) -> None:
    """The name the user's own address spells from its first two parts ("megan.kowalski@…", "misaki.sato.photo@…"),
    when it spells one."""
    parts = re.split(r"[._-]", local)[:2]
    name = " ".join(w.capitalize() for w in parts)
    if len(parts) == 2 and all(w.isalpha() for w in parts) and len(name) >= 7 and person_ok(name) \
            and parts[1].lower() not in _ADDRESS_TAGS:
        _add(found, "person", name, obs_id, "own address")


def _heads_message(after: list[str]) -> bool:
    """Whether the cells after a name are a chat message's time, or a short title and then the time."""
    return bool(after) and bool(_TIME_CELL.match(after[0]) or len(after) == 2 and _SHORT_TITLE.match(after[0])
                                and len(after[0].split()) <= 4 and _TIME_CELL.match(after[1]))


def extract_entities(activity: Activity) -> list[Entity]:
    """People, things, dates and amounts stated on the activity's screens and in its titles."""
    found: dict[tuple[str, str], Entity] = {}
    kept = set(activity.lines)
    for o in activity.observations:
        m = _ACCOUNT_TITLE.search(o.title)
        if m and person_ok(m.group("name")):
            _add(found, "person", m.group("name"), o.id, "account")
        parts = [part.strip() for part in TITLE_SPLIT.split(o.title)]
        for part in parts:
            if part and not TITLE_NOISE.match(part) and WORD.search(part):
                _add(found, "thing", part, o.id, "title")
        if len(parts) > 2 and _CHAT_PROGRAM.match(parts[-1]):
            m = _CHAT_TITLE_NAME.fullmatch(parts[-2]) if _CHAT_VIEW.match(parts[0]) else \
                _DIRECT_MESSAGE.fullmatch(parts[0])
            if m and person_ok(m.group("name")):
                _add(found, "person", m.group("name"), o.id, "chat")
        for m in _ACCOUNT_CORNER.finditer(o.text):
            if person_ok(m.group("name")):
                _add(found, "person", m.group("name"), o.id, "account")
        cells = _lines(o.text)
        row_of = [n for n, line in enumerate(o.text.splitlines()) for _ in _placed_cells(line)]
        accounts = [a.lower() for a in _EMAIL.findall(o.title)]  # a mail client's title: the account it shows
        for account in accounts:
            _add_own_address(found, account.split("@")[0], o.id)
        for n, line in enumerate(cells):
            header = _HEADER.match(line)
            if header is None and n + 1 < len(cells) and _HEADER_ALONE.match(line) and "@" in cells[n + 1]:
                header = _HEADER.match(f"{line.rstrip(': ')}: {cells[n + 1]}")
            for pattern, cue in _ACCOUNT_LINE:
                m = pattern.search(line)
                if m and person_ok(m.group("name")):
                    _add(found, "person", m.group("name"), o.id, cue)
            if m := _CHIP_FAMILY_FIRST.search(line):
                name = " ".join(w.capitalize() if w.isupper() else w for w in (m.group("given"), m.group("family")))
                if person_ok(name):  # a comma between two names: no font's, workspace's or menu's chip
                    _add(found, "person", name, o.id, "account")
            if (m := _DIRECTORY_NAME.fullmatch(line)) and person_ok(name := f"{m['given']} {m['family'].title()}"):
                _add(found, "person", name, o.id, "sender")  # whose mail a list or a message shows
            for m in _NAMED_ADDRESS.finditer(line):  # outside a To:/Cc: header, "Name <address>" heads a message
                own = m.group("address").lower() in accounts
                if (own or header is None) and person_ok(m.group("name")):
                    _add(found, "person", m.group("name"), o.id, "own address" if own else "sender")
            own = _OWN_ADDRESS.search(line)
            if own:
                _add_own_address(found, own.group("local"), o.id)
            if header:
                field = header.group("field").lower()
                cue = "sender" if field in ("from", "de", "von", "remitente", "envoyé par") else \
                    "copied" if field == "cc" else "recipient"  # a mail is to its To:, not to whom it copies
                for name, address in _header_people(header.group("rest")):
                    if name and person_ok(name.split()[0]):
                        _add(found, "person", name, o.id, "own address" if address.lower() in accounts else cue)
            author = _AUTHOR_CELL.match(line)  # read even where the name is also a list's chrome (a chat app's
            # side bar lists the people of its messages)
            row = [c for c, r in zip(cells[n:n + 3], row_of[n:n + 3]) if r == row_of[n]]  # a header is one row
            if author and person_ok(author.group("name")) and _heads_message(row[1:]) \
                    and not (n and row_of[n - 1] == row_of[n] and _AUTHOR_CELL.match(cells[n - 1])
                             and _heads_message(row[:2])):  # a title
                _add(found, "person", author.group("name"), o.id, "chat")
            if (member := _GROUP_MEMBER.match(line)) and person_ok(member.group("name")):
                _add(found, "person", member.group("name"), o.id, "chat")
            if line not in kept:
                continue
            if n and _SIGN_OFF_ALONE.match(cells[n - 1]) and re.fullmatch(FULL_NAME, line) and person_ok(line):
                _add(found, "person", line, o.id, "signature")
            for pattern, cue in ((_SIGN_OFF, "signature"), (_CHAT_SPEAKER, "chat"), (_POST_HEADER, "chat"),
                                 (_GREETING, "greeting")):
                m = pattern.search(line)
                if m and person_ok(m.group("name").split()[0]):
                    _add(found, "person", m.group("name"), o.id, cue)
            for m in _HONORIFIC.finditer(line):
                _add(found, "person", m.group(0), o.id, "honorific")
            for m in _MENTION.finditer(line):
                _add(found, "person", "@" + m.group("name"), o.id, "mention")
            for m in FILE_NAME.finditer(line):
                _add(found, "thing", m.group(0), o.id, "file")
            for m in _ISSUE.finditer(line):
                _add(found, "thing", m.group(0), o.id, "issue")
            for m in DATE.finditer(line):
                _add(found, "date", m.group(0), o.id, "deadline" if DEADLINE_CUE.search(line) else "")
            for m in _AMOUNT.finditer(line):
                _add(found, "amount", m.group(0), o.id, "")
            for m in _PROPER_NAME.finditer(line):
                name = m.group(0)
                if " " in name and person_ok(name) and not DATE.search(name):
                    _add(found, "name", name, o.id, "")
    texts = [(o.id, f"{o.title}\n{o.text}".lower()) for o in activity.observations]
    entities = [Entity(e.kind, e.text, tuple(i for i, t in texts if e.text.lower() in t) or e.observation_ids, e.cue)
                for e in found.values()]
    out: list[Entity] = []
    people = {e.text.lower() for e in entities if e.kind == "person"}
    for kind in ("person", "thing", "name", "date", "amount"):
        of_kind = [e for e in entities if e.kind == kind and not (kind == "name" and e.text.lower() in people)]
        of_kind.sort(key=lambda e: (-len(e.observation_ids), e.cue == ""), reverse=False)
        out.extend(of_kind[:MAX_ENTITIES])
    return out
