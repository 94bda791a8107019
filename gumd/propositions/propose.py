"""Propose: one activity's passages in, grounded candidate propositions out.

What the screen states outright is read without a model: relations and roles
(relations.py), tasks assigned to the user and pull requests they opened
(assigned.py), the specialised programs and web apps they work in
(tools.py). gumd picks the dated passages of an activity
(`passages.snippets`: a date beside a deadline word or a time, or in a
sentence to the reader), and the model does one small task per passage: it
restates the passage as one statement about the user, or answers nothing.
Each statement is held against its own passage (check.py), and its confidence
computed from the evidence (calibrate.py), the model's own number kept beside
it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

from pydantic import BaseModel, Field

from gumd.models.lm import LanguageModel
from gumd.propositions import check
from gumd.propositions.assigned import assignments, pull_requests, to_dos
from gumd.propositions.calibrate import Calibrator, features
from gumd.propositions.digest import DATE, Activity, above_in_column, is_writing, subject
from gumd.propositions.passages import Snippet, absolute, in_english, misdated, read_out, says_when, snippets
from gumd.propositions.relations import contacts, relations, relations_in, roles
from gumd.propositions.prompts import propose_messages
from gumd.propositions.tools import tools_used
from gumd.propositions.vocabulary import PROGRAMS, TITLE_SPLIT, WORD
from gumd.store.records import NewProposition

log = logging.getLogger(__name__)

Score = Literal[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
DECAY = {"dated": 3, "person": 8, "role": 9, "tool": 7}
MIN_CONFIDENCE = 3  # a candidate the table gives under 0.25 is more likely wrong than not: it is not stored
WRITERS = ("sender", "signature", "chat")  # how a name showed who wrote the passage
MAX_WRITERS = 2
_ABOUT_USER = re.compile(r"\bthe user(?:'s|’s)?\b", re.IGNORECASE)
_VOICE = re.compile(r"(?<![\w'’])(?:I|I['’](?:m|ve|ll|d)|me|my|we|we['’](?:re|ve|ll|d)|our|us|you|"
                    r"you['’](?:re|ve|ll|d)|your)(?![\w'’])")
_DUTY = re.compile(r"\s+(?:must|has to|needs to|should|is due to|is required to)\b")
_APP_SUFFIX = re.compile(r"-(?:desktop|bin|esr|browser|server)$", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"(?<![\w'’])(?:I|I['’](?:m|ve|ll|d)|me|my|mine)(?![\w'’])")
_TO_READER = re.compile(r"\b(?:you|your|yours|let['’]s|let us)\b(?!\s*[:)])",
                        re.IGNORECASE)  # not a chat's "You:" label
_OWN_LINE = re.compile(r"^\W*(?:you|du|tú|tu|vous|você|yo|me|ich|eu)\s*:", re.IGNORECASE | re.MULTILINE)  # the user's
# own chat line ("You: … can your mom drive him?"): its "you" is the other person
# What a restatement has no use for and a line of the screen has: an emoji, an exclamation, an ellipsis, a doubled
# article ("send the the user's wedding invitation").
_SCREEN_MARKS = re.compile(r"[!…\U0001F300-\U0001FAFF\u2600-\u27BF]|\.\.\.|\b(the|a|an) \1\b", re.IGNORECASE)
# A task that is only a message to somebody ("The user has to send the E-post to Karin Holmqvist on Tuesday", "draft
# a message with Gary Pruitt by 5:40 PM"): what the message is about is the task, and the statement does not say it.
_BARE_MESSAGE = re.compile(
    r"^(?i:the user (?:has to|must|needs to|will|should) (?:send|draft|compose|write|read|open|check|answer|reply to|"
    r"save|go to) (?:the |a |an |their |the user's )?(?:new )?(?:e-?mails?|mails?|e-post|messages?|direct messages|"
    r"dms?|chat|correio|correo|courriel|inbox))(?: (?:to|with|for|from) (?:the user|[A-ZÀ-ÖØ-Þ][\w'’.-]*"
    r"(?: (?:and )?[A-ZÀ-ÖØ-Þ][\w'’.-]*)*))*(?: (?:on|by|before|at|until)\b.*)?\.?$")
# What a small model calls the thing to do when its passage names none ("send the Correio report", "attend the
# Lincoln MS Staff - General meeting"), and the words a passage in any language names it by.
_THING_WORDS = {
    "report": r"report|bericht|rapport|informe|relat[óo]rio|relazione|raport|verslag|redovisning|レポート|報告|보고",
    "meeting": r"meet|reuni|réunion|riunione|besprechung|treffen|sitzung|möte|vergadering|overleg|spotkani|call|"
               r"appointment|termin|cita|rendez|afspraak|consult|会議|ミーティング|회의",
    "event": r"event|evento|événement|evenement|veranstaltung|wydarzeni|arrangement|festival|fest|party|concert|"
             r"conference|workshop|seminar|イベント|행사",
}
_THING = re.compile(r"\b(" + "|".join(_THING_WORDS) + r")s?\b", re.IGNORECASE)
_LIST = re.compile(r"(?:[A-ZÀ-ÖØ-Þ][\w'’-]*(?: [A-ZÀ-ÖØ-Þ][\w'’-]*)*,\s+){2,}(?:and |or )?[A-ZÀ-ÖØ-Þ]")


class Statement(BaseModel):
    """The model's answer for one passage: one statement about the user, or an empty one."""

    statement: str = Field(max_length=200)
    confidence: Score


@dataclass(frozen=True)
class Candidate:
    proposition: NewProposition
    observation_ids: list[int]


@dataclass
class Proposal:
    """What proposing one batch gave: the candidates, and how many statements each check dropped."""

    candidates: list[Candidate] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)


def _writers(activity: Activity, snippet: Snippet) -> list[str]:
    """Who wrote a snippet: the writer whose mail header ("Barry Murphy <barry@…>"), or in a chat whose name, the
    screen shows nearest above its line, in its column first (`above_in_column`), when one is (an inbox shows one
    mail after another; its list's names say nothing of who wrote which); else, as in a mail the user is writing
    (its headers name whom it is to), the activity's writers (mail senders, sign-offs, chat speakers), one name
    per first name."""
    writers: dict[str, str] = {}
    for e in activity.entities:
        if e.kind == "person" and e.cue in WRITERS and not any(e.text.split()[0] in w for w in writers):
            writers[e.text] = e.cue
    mail = any(cue != "chat" for cue in writers.values())  # a mail client's list shows names as chats do
    if len(writers) > 1 and not (mail and is_writing(activity)):
        above = next((cells for o in activity.observations if (cells := above_in_column(o.text, snippet.line, mail))),
                     [])
        nearest = next((w for line in above for w in writers if _heads(line, w, mail)), "")
        if nearest:
            return [nearest]
    return list(writers)[:MAX_WRITERS]


def _heads(cell: str, writer: str, mail: bool) -> bool:
    """Whether a cell above a passage is `writer`'s header: a mail's names with an address, or a chat's speaker
    line ("Tom Castellano   5:40 PM"), never a message that only addresses someone ("Megan - saw the note")."""
    first = writer.split()[0]
    if mail:
        return first in cell and "@" in cell
    return cell.startswith(first) and len(WORD.findall(cell)) <= len(writer.split()) + 2


def passage(activity: Activity, snippet: Snippet) -> str:
    """What the model reads for one snippet: the day, the app and what its window is about (`subject`: a small
    model copies a title's program and account names into its statement), the user's name when the screens
    have shown it, who wrote what the screen shows (mail senders, sign-offs, chat speakers), then the snippet's
    lines, their dates read out in English."""
    day = dt.datetime.fromtimestamp(activity.started_at)
    about = subject(activity.titles[0] if activity.titles else "", activity.user)
    head = f"{day:%A %Y-%m-%d}, {activity.app or 'an unknown app'}" + (f", window: {about}" if about else "")
    writers = _writers(activity, snippet)
    return "\n".join([head, *([f"the user: {activity.user}"] if activity.user else []),
                       *([f"written by: {'; '.join(writers)}"] if writers else []),
                       in_english(snippet.text, day.date())])


def sentence_of(statement: str, user: str = "", addressed: bool = False, writer: str = "",
                voice: bool = False) -> str:
    """The model's statement as one tidy sentence ('' when it said nothing), with the user's own name, which a
    small model copies from the passage's head as if it were someone else's, put back as the user: "with Rachel
    Goldberg" (or "meet", "see", "call" Rachel Goldberg) becomes "with" the passage's `writer` when it has one
    other than the user (the small model mixes up the two ends of a message), "for Rachel Goldberg" and "Rachel
    Goldberg and" among others go, "Rachel Goldberg's" becomes "the user's". A
    statement whose subject is the user's name is about the user only when the passage speaks to its reader or
    names the user (`addressed`: "could you come to my office?", "Daniel is coordinating this year"); otherwise
    it stays, to be dropped: a small model puts the user's name on what others wrote of themselves. With `voice`
    (the passage speaks to the user, not as the user), its "your" is the user's, the writer's "I" theirs and
    "both of us" the user and the writer."""
    text = " ".join(statement.split()).strip(" .")
    if user:
        name = re.escape(user)
        text = re.sub(rf"(?<=\s){name}\s+and\s+(?=\w)|\s+and\s+{name}(?![\w'’])", "", text)  # "meet Lena Brandt
        # and Karin": the user among the others
        if writer:
            text = re.sub(rf"(?i:\s+(with|to|from|meet|see|call)\s+){name}(?![\w'’])", rf" \1 {writer}", text)
        text = re.sub(rf"(?i:\s+(?:for|with|to|of|from|by)\s+){name}(?![\w'’])", "", text)
        text = re.sub(rf"(?:(?<=^)|(?<=\s)){name}(?:['’]s\b|(?<=s)['’](?!\w))", "the user's", text)
        if addressed:
            text = re.sub(rf"^{name}(?![\w'’])", "The user", text)
    if voice:  # the passage speaks to the user: its "you" is the user, and its "I" the one other person who wrote it
        text = re.sub(r"(?<![\w'’])[Yy]ours?(?![\w'’])", "the user's", text)
        text = re.sub(r"(?<![\w'’])[Yy]ou(?![\w'’])", "the user", text)
        if writer:
            text = re.sub(r"(?<![\w'’])both of us(?![\w'’])", f"the user and {writer}", text)  # "book … for both
            # of us": the one who wrote and the one who reads
            text = re.sub(r"(?<![\w'’])(?:I|me)(?![\w'’])", writer, text)
            text = re.sub(r"(?<![\w'’])[Mm]y(?![\w'’])", f"{writer}'s", text)
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def without_window(statement: str, window: str) -> str:
    """The statement with the last parts of the window's title, which it copied from the passage's head, cut out
    ("file the Listino Primavera 2027 - Fogli Google - Google Chrome for 12 bottles" becomes "file the Listino
    Primavera 2027 for 12 bottles"); the title's first part, what the window shows, stays, and so does a part
    with a date: "… - submissão no RNEC até 19/03/2027" says what the window is about, not which app shows it."""
    for sep in TITLE_SPLIT.finditer(window):  # the longest tail first
        tail = window[sep.start():]
        if tail in statement and not DATE.search(tail):
            return statement.replace(tail, "", 1)
    return statement


_SENTENCE_END = re.compile(r"(?:(?<=[^\W\d_]{3})|(?<=[\d)]))(?<!Mrs)(?<!Sra)(?<!Dra)(?<!Prof)"  # not "Mrs. Foster"
                           r"[.;?!](?=\s+\W*[A-ZÀ-ÖØ-Þ])|(?<=\w)[;?!](?=\s)")
_CLAUSE_END = re.compile(r",(?=\s)|\s[-–—]\s|\s(?=(?:so|because|since|but|then|and)\s)")  # "… so I can …"


def _addressed(snippet: Snippet, user: str, statement: str) -> bool:
    """Whether a passage speaks to the user: to its reader ("could you …", "let's meet …"), by one of the user's
    names, or, for a statement that the user must do something, as a deadline nobody claims for themselves
    ("Reminder: grades must be posted by Friday", not "I must …")."""
    names = [re.escape(w) for w in user.split() if len(w) >= 3]
    text = snippet.text
    duty = bool(user) and statement.startswith(user) and bool(_DUTY.match(statement, len(user)))
    return bool(_TO_READER.search(text) or duty and snippet.cue == "deadline" and not _FIRST_PERSON.search(text)
                or names and re.search(rf"(?<![\w'’])(?:{'|'.join(names)})(?![\w'’])", text))


def first_part(sentence: str) -> str:
    """A statement cut to its first sentence when it runs on into lines of the screen ("… by Friday, May 15. We
    still need volunteers"), and before the words where it slips into the screen's own voice ("… to Thursday
    2pm, I have the roadmap review today"), as long as what is kept still gives a date and five words; otherwise
    the statement as it is, for the checks to judge."""
    end = _SENTENCE_END.search(sentence)
    kept = sentence[:end.start()] if end else sentence
    voice = _VOICE.search(kept)
    if voice:
        ends = [m.start() for m in _CLAUSE_END.finditer(kept, 0, voice.start())]
        kept = kept[:ends[-1]] if ends else ""
    kept = kept.rstrip(" ,;:-–—.")
    telling = bool(DATE.search(kept)) and len(kept.split()) >= 5
    return f"{kept}." if kept != sentence.rstrip(".") and telling else sentence


def problem(sentence: str, evidence: str, screens: list[str], app: str, user: str = "") -> str | None:
    """Why a statement must not be stored: the checks of check.py, then `not_about_user` (it does not speak of
    the user), `self` (it names the user's own name as someone else: "The user has to meet Lena Brandt and
    Karin", where Lena Brandt is the user), `voice` (it keeps the screen's I, we or you: a line lifted, not
    restated), `garbled` (it keeps the screen's marks: an emoji, an exclamation, an ellipsis, or a doubled "the"),
    `window` (it names the program the passage was read in: a copy of the passage's head, "file the
    Terminplan.xlsx with EXCEL"), `lifted` (it is a line of the passage behind "The user"), `list` (it strings
    three or more names together, as a copied header does), `invented` (it calls what is to be done a report, a
    meeting or an event, and its passage names none), `relation` (it names a relation its passage does not) and
    `empty` (it names nothing an assistant could use, or only a message to send or read)."""
    reason = check.problem(sentence, evidence, screens)
    if reason:
        return reason
    if not _ABOUT_USER.search(sentence):
        return "not_about_user"
    if user and re.search(rf"(?<!^The user, )(?<!^The user is )(?<![\w'’]){re.escape(user)}(?![\w'’])", sentence):
        return "self"
    if _VOICE.search(sentence):
        return "voice"
    if _SCREEN_MARKS.search(sentence):
        return "garbled"
    program = _APP_SUFFIX.sub("", app)  # "signal-desktop": Signal
    if PROGRAMS.search(sentence) or len(program) >= 3 and \
            re.search(rf"(?<![\w.-]){re.escape(program)}(?![\w.-])", sentence, re.IGNORECASE):  # "with Msedge"
        return "window"
    if check.lifted(sentence, evidence):
        return "lifted"
    if _LIST.search(sentence):
        return "list"
    if any(not re.search(rf"(?<![A-Za-zÀ-ÖØ-öø-ÿ])(?:{_THING_WORDS[m.group(1).lower()]})", evidence, re.IGNORECASE)
           for m in _THING.finditer(sentence)):
        return "invented"
    if set(relations_in(sentence)) - set(relations_in(evidence)):  # small models answer "manager" to anyone
        return "relation"
    if _BARE_MESSAGE.match(sentence):
        return "empty"
    rest = _ABOUT_USER.sub(" ", sentence)
    rest = re.sub(r"^\s*(?:is|has|was|will|must|should)\s+", "", rest.strip())
    return "empty" if check.is_empty(rest, app) else None


def _evidence_for(activity: Activity, snippet: Snippet, named: list[str]) -> list[int]:
    """The observations that show the snippet's lines or the entities it names; all the activity's when none
    does."""
    keys = [line.lower() for line in snippet.lines]
    ids = {o.id for o in activity.observations if any(k in " ".join(o.text.lower().split()) for k in keys)}
    ids |= {i for e in activity.entities if e.text in named for i in e.observation_ids}
    return sorted(ids) or activity.observation_ids


def _candidate(kind: str, sentence: str, activity: Activity, source: str, ids: list[int], calibrator: Calibrator,
               model_confidence: int | None, cue: str, shown: str = "") -> Candidate:
    """A candidate for `sentence`, scored by its evidence features; stored as `shown` where that is given (the
    sentence with its relative days made dates: the features are the sentence's own, as the table was fitted)."""
    named = [e.text for e in activity.entities if e.text.lower().lstrip("@") in sentence.lower()]
    feats = features(kind, sentence, named, activity, source, model_confidence, told=cue == "your")
    grounding = {
        "kind": kind,
        "cue": cue,
        "entities": [{"kind": e.kind, "text": e.text, "cue": e.cue, "observation_ids": list(e.observation_ids)}
                     for e in activity.entities if e.text in named],
        "features": feats,
    }
    return Candidate(
        NewProposition(
            text=shown or sentence, reasoning=f"From {activity.app or 'the screen'}: {source}"[:300],
            confidence=calibrator.confidence(feats), decay=DECAY[kind], model_confidence=model_confidence,
            grounding=grounding,
        ),
        ids,
    )


def _showing(activity: Activity, keys: list[str]) -> list[int]:
    keys = [k.lower() for k in keys]
    return list(dict.fromkeys(o.id for o in activity.observations
                              if all(k in f"{o.title}\n{o.text}".lower() for k in keys)))


def propose(lm: LanguageModel, activity: Activity, calibrator: Calibrator, max_tokens: int = 128,
            min_confidence: int = MIN_CONFIDENCE) -> Proposal:
    """The relations, the titles of the people who write and the user's roles the screen states (relations.py),
    the tasks it assigns to the user and the pull requests they opened (assigned.py), the programs and web apps
    they work in (tools.py), then the model's restatement of each of the activity's dated passages, checked
    (`problem`; `undated`: it lost the passage's date and time; `misdated`: a date that none of the passage's
    dates may mean) and scored; a candidate scored
    under `min_confidence` is dropped as `unsure`."""
    result = Proposal()
    found = relations(activity)
    for r in [*found, *contacts(activity, {r.person.lower() for r in found})]:
        ids = _showing(activity, [r.person]) or activity.observation_ids
        result.candidates.append(_candidate("person", r.sentence, activity, r.line, ids, calibrator, None, r.cue))
    for role in roles(activity):
        ids = _showing(activity, [role.user, role.title]) or activity.observation_ids
        result.candidates.append(_candidate("role", role.sentence, activity, role.line, ids, calibrator, None, "your"))
    for task in [*assignments(activity), *to_dos(activity), *pull_requests(activity)]:
        ids = _showing(activity, [task.task]) or activity.observation_ids
        result.candidates.append(_candidate("dated", task.sentence, activity, task.line, ids, calibrator, None,
                                            "assigned"))
    for tool in tools_used(activity):
        ids = _showing(activity, [tool.objects[0]]) or activity.observation_ids
        result.candidates.append(_candidate("tool", tool.sentence, activity, tool.title, ids, calibrator, None,
                                            "window"))
    screens = [*activity.titles, *(o.text for o in activity.observations)]
    day = dt.date.fromtimestamp(activity.started_at)
    window = activity.titles[0] if activity.titles else ""
    for snippet in snippets(activity):
        text = passage(activity, snippet)
        answer = lm.complete_json(propose_messages(text), Statement, max_tokens)
        addressed = _addressed(snippet, activity.user, answer.statement.strip())
        said = without_window(read_out(answer.statement), window)
        others = [w for w in _writers(activity, snippet)
                  if activity.user and w.split()[0] not in activity.user.split()]
        sentence = first_part(sentence_of(said, activity.user, addressed, others[0] if len(others) == 1 else "",
                                          voice=addressed and not _OWN_LINE.search(snippet.text)))
        if not sentence:
            continue
        english = in_english(snippet.text, day)
        reason = problem(sentence, text, screens, activity.app, activity.user) or \
            ("undated" if not says_when(sentence) else None) or \
            ("misdated" if misdated(sentence, english, day) else None)
        if reason:
            result.dropped[reason] += 1
            continue
        named = [e.text for e in activity.entities if e.text.lower().lstrip("@") in sentence.lower()]
        result.candidates.append(_candidate("dated", sentence, activity, snippet.text,
                                            _evidence_for(activity, snippet, named), calibrator,
                                            answer.confidence, snippet.cue,
                                            absolute(sentence, english, day)))
    unsure = [c for c in result.candidates if c.proposition.confidence < min_confidence]
    result.candidates = [c for c in result.candidates if c.proposition.confidence >= min_confidence]
    if unsure:
        result.dropped["unsure"] += len(unsure)
    return result


def merge(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates saying the same sentence become one, with the evidence of all (and the best confidence); so does
    one that another says in full and adds to ("… is a social worker." and "… is a social worker at MCC Children's
    Services."), under the fuller sentence."""
    texts = [c.proposition.text.lower().rstrip(". ") for c in candidates]
    by_text: dict[str, Candidate] = {}
    for c in candidates:
        own = c.proposition.text.lower().rstrip(". ")
        key = max((t for t in texts if check.extends(t, own)), key=len, default=own)
        old = by_text.get(key)
        if old is None:
            by_text[key] = c
            continue
        fuller = [p for p in (old.proposition, c.proposition) if p.text.lower().rstrip(". ") == key]
        best = max(fuller or (old.proposition, c.proposition), key=lambda p: p.confidence)
        best = replace(best, confidence=max(old.proposition.confidence, c.proposition.confidence))
        by_text[key] = Candidate(best, sorted(set(old.observation_ids) | set(c.observation_ids)))
    return list(by_text.values())


__all__ = ["Candidate", "Proposal", "Score", "Statement", "first_part", "merge", "passage", "problem", "propose",
           "sentence_of", "without_window"]
