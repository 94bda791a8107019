"""Revise: decide, for each candidate, whether it is new, refines, contradicts or duplicates what is held.

Clear cases are decided without the model: no related proposition means new; a
near-identical one (cosine >= 0.95, or the same words) or one that says all the
candidate says and more means duplicate; one the candidate says in full and adds
to is refined by it. The
rest go to the model in one call per batch, as explicit operations; an
operation between statements that name different things (dates aside), or
are of different kinds (a role and a plan), becomes new.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, Field, create_model

from gumd.models.lm import LanguageModel
from gumd.propositions.check import extends
from gumd.propositions.passages import ENGLISH_MONTHS, ENGLISH_WEEKDAYS
from gumd.propositions.prompts import revise_messages
from gumd.propositions.propose import Candidate
from gumd.propositions.retrieve import Retriever
from gumd.propositions.vocabulary import CONTENT_WORD
from gumd.store import NewProposition, Proposition

NEIGHBOURS = 3
SAME_COSINE = 0.95
SAME_WORDS = 0.9

OperationKind = Literal["new", "refine", "contradict", "duplicate"]


@dataclass(frozen=True)
class Operation:
    kind: OperationKind
    candidate: Candidate
    target: Proposition | None = None
    revised: NewProposition | None = None  # for refine: the combined statement


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _same_words(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= SAME_WORDS


_NAME = re.compile(r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w'’-]+")
_CALENDAR = (*ENGLISH_MONTHS, *ENGLISH_WEEKDAYS)
_NOT_NAMES = frozenset("the user user's a an on by at in".split()) | {*_CALENDAR, *(w[:3] for w in _CALENDAR)}
_USER_NAMED = re.compile(r"^The user(?:,| is) (?:[A-ZÀ-ÖØ-Þ][\w'’-]+\s?)+")  # "The user, Thiago Almeida, …"


def _names(text: str) -> set[str]:
    """The capitalised words of a statement other than its frame ("The user", the user's own name) and the
    calendar's: who and what it is about."""
    return {w.lower() for w in _NAME.findall(_USER_NAMED.sub("", text)) if w.lower() not in _NOT_NAMES}


_PERSON_FIRST = re.compile(r"^(?!The user\b)((?:[A-ZÀ-ÖØ-Þ][\w'’.-]*\s?){1,4}?)(?:,|\s+is\b)")  # "Sara Holm, …"


def about_other_things(a: str, b: str) -> bool:
    """Whether two statements name things and share none of them ("Karin Lund is the user's hiring manager" and
    "Johanna Ek is the user's recruiter"; a lab report due Friday 8 May and a meeting on Wednesday 13 May), or
    are about two people ("Kelly Novak, athletic trainer at Fairbrook High School, …" and "Mark Delgado, athletic
    director at Fairbrook High School, …"): they cannot repeat, refine or contradict each other."""
    na, nb = _names(a), _names(b)
    pa, pb = _PERSON_FIRST.match(a), _PERSON_FIRST.match(b)
    two_people = bool(pa and pb) and not set(pa.group(1).split()) & set(pb.group(1).split())
    return bool(na and nb) and not na & nb or two_people


_FRAME = frozenset("user user's users have must will with from that this their them they about works needs".split()) \
    | {w.lower() for w in _CALENDAR}


def _share_nothing(a: str, b: str) -> bool:
    """Whether two statements share no word of four letters or more beyond their frame ("the user has to", "works
    with the user") and the calendar's: "go through the Q3 support review deck by Friday 23 October" and "create
    tickets for the last 14 days by this week" cannot repeat, refine or contradict each other."""
    words = [{w for w in CONTENT_WORD.findall(t.lower()) if w not in _FRAME} for t in (a, b)]
    return not words[0] & words[1]


def _of_other_kinds(a: NewProposition | Proposition, b: NewProposition | Proposition) -> bool:
    """Whether two statements are of different kinds (a role, a person, a dated plan), as their grounding says."""
    ka, kb = ((p.grounding or {}).get("kind") for p in (a, b))
    return bool(ka and kb) and ka != kb


def _same_as(retriever: Retriever, text: str, held: list[Proposition]) -> Proposition | None:
    """The first of the held neighbours that says the same as `text`: the same words, or an embedding cosine of
    SAME_COSINE or more (the best-ranked neighbour is not always the one: a role sentence ranks under a contact
    who shares its employer's name)."""
    same = next((p for p in held if _same_words(text, p.text)), None)
    if same is None and retriever.index is not None:
        vec = retriever.embedder.embed([text])[0]
        vectors = retriever.index.vectors([p.id for p in held])
        same = next((p for p in held if p.id in vectors and float(vec @ vectors[p.id]) >= SAME_COSINE), None)
    return same


def _rejected_before(retriever: Retriever, text: str) -> bool:
    """Whether the user rejected a proposition saying the same thing (the same words)."""
    return any(_same_words(text, p.text) for p in retriever.store.search.propositions(text, limit=3, status="rejected"))


def _decision_model(n_items: int) -> type[BaseModel]:
    decision = create_model(
        "Decision",
        new_statement=(Literal[tuple(range(1, n_items + 1))], ...),  # type: ignore[misc]
        operation=(OperationKind, ...),
        target=(Literal[tuple(range(0, NEIGHBOURS + 1))], ...),  # type: ignore[misc]
    )
    return create_model("Decisions", decisions=(list[decision], Field(min_length=n_items, max_length=n_items)))


def revise(lm: LanguageModel, retriever: Retriever, candidates: list[Candidate], max_tokens: int = 768) -> list[Operation]:
    """One operation per candidate, in candidate order; a candidate the user already rejected is dropped."""
    candidates = [c for c in candidates if not _rejected_before(retriever, c.proposition.text)]
    decided: dict[int, Operation] = {}
    ambiguous: list[tuple[int, list[Proposition]]] = []
    for i, c in enumerate(candidates):
        hits = retriever.search(c.proposition.text, limit=NEIGHBOURS, diversity=0)
        # the statements that may say the same: the best-held neighbours, and the most relevant however weakly held
        # (a task at confidence 4 ranks under three at 6 that share its trial's name)
        near = retriever.search(c.proposition.text, limit=NEIGHBOURS, diversity=0, weigh_confidence=False)
        held = list({h.proposition.id: h.proposition for h in [*hits, *near]}.values())
        if not held:
            decided[i] = Operation("new", c)
            continue
        fuller = next((p for p in held if extends(p.text, c.proposition.text)), None)
        if fuller:
            decided[i] = Operation("duplicate", c, fuller)
            continue
        said = next((p for p in held if extends(c.proposition.text, p.text)), None)
        if said:  # "… is a social worker at Manchester City Council."
            decided[i] = Operation("refine", c, said, c.proposition)
            continue
        same = _same_as(retriever, c.proposition.text, held)
        if same:
            decided[i] = Operation("duplicate", c, same)
        else:
            ambiguous.append((i, [h.proposition for h in hits]))
    if ambiguous:
        answer = lm.complete_json(
            revise_messages([(candidates[i].proposition.text, [p.text for p in ns]) for i, ns in ambiguous]),
            _decision_model(len(ambiguous)),
            max_tokens,
        )
        for d in answer.decisions:
            i, neighbours = ambiguous[d.new_statement - 1]
            if i in decided:
                continue  # the model answered twice for one statement: keep the first
            c = candidates[i]
            if d.operation == "new" or not 1 <= d.target <= len(neighbours):
                decided[i] = Operation("new", c)
                continue
            target = neighbours[d.target - 1]
            if about_other_things(c.proposition.text, target.text) or _share_nothing(c.proposition.text, target.text) \
                    or _of_other_kinds(c.proposition, target):
                decided[i] = Operation("new", c)
                continue
            revised = None
            if d.operation == "refine":
                revised = c.proposition  # the newer, checked sentence becomes the next version
            decided[i] = Operation(d.operation, c, target, revised)
    return [decided.get(i, Operation("new", c)) for i, c in enumerate(candidates)]
