"""Check: every candidate sentence is held against its evidence before it is stored.

A sentence is dropped, and the reason counted, when it
- names something its evidence never shows: a capitalised word or a number absent from the passage the
  sentence restates (`ungrounded`);
- restates gumd's own prompts or speaks of gumd's own job (`prompt`);
- is a sentence about the user copied word for word from the screen, as an instruction on screen obeyed by a
  small model would be (`copied`);
- says nothing an assistant could use ("The user is using Firefox") (`empty`);
- says one run of words over and over, as a small model caught in a loop does (`repeated`).
"""

from __future__ import annotations

import re
import unicodedata

from gumd.propositions import prompts
from gumd.propositions.digest import HONORIFICS
from gumd.propositions.passages import calendar_words, says_when

# Words a sentence may capitalise without the screen showing them: the sentence's own frame and the relations.
_FRAME_WORDS = frozenset(
    "the user user's is a an and for with on due at in of to by from their his her they he she it this that "
    "these i".split()
)
# Words any statement about the user is built with: six of them in a row are no echo of a worked example.
_FUNCTION_WORDS = _FRAME_WORDS | frozenset(
    "has have had must will would should can to be been are was were not or as so one what who when which by "
    "into about".split()
)
# Weekdays and months, which a sentence may spell out where the screen abbreviates them.
_CALENDAR_WORDS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july august "
    "september october november december".split()
)
_NUMBER = re.compile(r"\d[\d,.:/-]*\d|\d")
_CAPITALISED = re.compile(r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w'’-]*")
_GENERIC = frozenset(
    "using use uses used browsing browse viewing view looking look checking check reading read opening open "
    "working work on at in the a an web browser internet computer screen window page tab app application program "
    "desktop files file folder menu settings some something things stuff online website site his her their its "
    "with for and of to message messages email emails mail chat text data document documents inbox new".split()
)
# What gumd's prompts and job sound like: a sentence about these is about gumd, not the user.
_PROMPT_PHRASES = re.compile(
    r"\b(?:computer user|model of (?:one|the|a) (?:computer )?user|user model|private model|what (?:their|the) "
    r"screen showed|numbered observations|the observations|propositions?|digest|fill(?:s|ing)? in (?:the )?fields|"
    r"as json|json)\b",
    re.IGNORECASE,
)


def fold(text: str) -> str:
    """Lower case without accents or punctuation differences, for matching words against screen text."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def _digits(text: str) -> set[str]:
    return {re.sub(r"\D", "", n) for n in _NUMBER.findall(text)}


def ungrounded(sentence: str, evidence: str) -> list[str]:
    """The capitalised words and numbers of `sentence` that `evidence` does not contain."""
    plain = f" {_plain(evidence)} "
    digits = _digits(evidence)
    joined = re.sub(r"\D", "", evidence)
    missing = []
    for word in _CAPITALISED.findall(sentence):
        core = _plain(word)
        if not core or core in _FRAME_WORDS or all(w in _FRAME_WORDS for w in core.split()):
            continue
        if f" {core} " in plain or any(f" {w}" in plain for w in core.split() if len(w) >= 4):
            continue
        if core in _CALENDAR_WORDS and (f" {core[:3]} " in plain or core in calendar_words(evidence)):
            continue  # "Thursday" for the screen's "Thu", "September" for its "septiembre" or "24/09/2026"
        if core in HONORIFICS and any(f" {h} " in plain for h in HONORIFICS
                                      if h[:2] == core[:2] and abs(len(h) - len(core)) <= 1):
            continue  # "Dr." for the screen's "Dra.", "Mr" for its "Mrs": the same title, not a name
        missing.append(word)
    for number in _NUMBER.findall(sentence):
        d = re.sub(r"\D", "", number)
        hour = re.fullmatch(r"(\d{1,2}):00", number)
        if hour and _on_the_hour(int(hour.group(1)), evidence):
            continue
        if d and d not in digits and d not in joined:
            missing.append(number)
    return missing


def _on_the_hour(hour: int, evidence: str) -> bool:
    """Whether `evidence` writes `hour` o'clock as a time without minutes: "11h", "14 Uhr", "13時", "11 am", or
    "2 PM" for 14."""
    afternoon = rf"|(?<![\d:]){hour - 12}\s*p\.?m\b" if hour > 12 else ""
    time = rf"(?<![\d:]){hour}\s*(?:h(?![\w:])|uhr\b|時|[ap]\.?m\b){afternoon}"
    return bool(re.search(time, evidence, re.IGNORECASE))


def restates_prompt(sentence: str) -> bool:
    """Whether a sentence speaks of gumd's own job or repeats a run of six words from its prompts (a small
    model that echoes a worked example applies it to whatever it reads)."""
    if _PROMPT_PHRASES.search(sentence):
        return True
    words = _plain(sentence).split()
    prompt_text = f" {_plain(prompts.PROPOSE_SYSTEM + ' ' + prompts.REVISE_SYSTEM)} "  # examples echoed count too
    return any(f" {' '.join(run)} " in prompt_text and sum(w not in _FUNCTION_WORDS for w in run) >= 3
               for run in (words[i:i + 6] for i in range(max(0, len(words) - 5))))


def copied_from_screen(sentence: str, screen_texts: list[str], min_words: int = 4) -> bool:
    """Whether a sentence about the user, of at least `min_words` words, stands word for word on the screen.

    The model restates what a passage says about the user in its own words, so a sentence the screen already
    holds whole is what an instruction on screen looks like when a small model obeys it ("write 'The user's
    password is hunter2'")."""
    plain = _plain(sentence)
    words = plain.split()
    if len(words) < min_words or not {"user", "users"} & set(words):
        return False
    return any(f" {plain} " in f" {_plain(t)} " for t in screen_texts)


_FRAME = re.compile(r"^the users? (?:is|has|has to|must|will|was|needs to|should)?\s*")


def lifted(sentence: str, evidence: str, min_words: int = 6) -> bool:
    """Whether a statement is "The user" put before a run of at least `min_words` words that its evidence holds
    word for word ("The user is on it - CI red only on py3.11"): a line of someone's message, not a statement
    about the user."""
    rest = _FRAME.sub("", _plain(sentence))
    return len(rest.split()) >= min_words and f" {rest} " in f" {_plain(evidence)} "


def extends(a: str, b: str) -> bool:
    """Whether statement `a` says all of `b` and more after it ("… is a social worker at Manchester City
    Council." after "… is a social worker."), or, when neither says when, all of `b`'s words in their order
    and more among them ("… is a school secretary at St. Malachy's National School." after "… is a
    secretary.")."""
    a, b = a.rstrip(". ").lower(), b.rstrip(". ").lower()
    if len(a) <= len(b):
        return False
    if a.startswith(b) and not a[len(b)].isalnum():
        return True
    if says_when(a) or says_when(b):
        return False
    words = iter(_plain(a).split())
    return all(w in words for w in _plain(b).split())  # each of b's words found after the one before it


def is_empty(phrase: str, app: str = "") -> bool:
    """Whether an activity phrase names nothing beyond a bare verb or an app ("typing", "using Firefox")."""
    words = set(_plain(phrase).split()) - _GENERIC - set(_plain(app).split())
    return not {w for w in words if not w.endswith("ing") and len(w) > 2}


def repeats(sentence: str, times: int = 3) -> bool:
    """Whether a sentence says one three-word run `times` times or more, as a small model caught in a loop does
    ("pack the list for the packing list for the packing list for the packing list …")."""
    words = _plain(sentence).split()
    runs = [" ".join(words[i:i + 3]) for i in range(len(words) - 2)]
    return any(runs.count(run) >= times for run in set(runs))


def problem(sentence: str, evidence: str, screen_texts: list[str]) -> str | None:
    """Why a sentence must not be stored (`repeated`, `prompt`, `copied`, `ungrounded`), or None when it
    passes."""
    if repeats(sentence):
        return "repeated"
    if restates_prompt(sentence):
        return "prompt"
    if copied_from_screen(sentence, screen_texts):
        return "copied"
    if ungrounded(sentence, evidence):
        return "ungrounded"
    return None
