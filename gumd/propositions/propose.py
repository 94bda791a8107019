"""Propose: one activity's digest in, grounded candidate propositions out.

The model does a small, well-posed task: it fills fields (what the user was
doing, for which project or person, by when; who the people on screen are to
the user; the user's occupation), and every name field is an enum of the
entities the digest found, so the grammar lets it choose but never invent.
gumd composes the sentences, checks each against the activity's evidence
(check.py) and computes its confidence from the evidence (calibrate.py),
keeping the model's own number beside it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from gumd.models.lm import LanguageModel
from gumd.propositions import check
from gumd.propositions.calibrate import Calibrator, features
from gumd.propositions.digest import Activity, relations_near
from gumd.propositions.prompts import RELATIONS, propose_messages
from gumd.store.records import NewProposition

log = logging.getLogger(__name__)

Score = Literal[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
MAX_PEOPLE = 3
SELF_CUES = frozenset({"greeting", "recipient"})  # how the user's own name shows: "Hi Alex", "To: Alex Rivera"
DECAY = {"task": 3, "person": 8, "self": 10, "occupation": 9}


@dataclass(frozen=True)
class Candidate:
    proposition: NewProposition
    observation_ids: list[int]


@dataclass
class Proposal:
    """What proposing one batch gave: the candidates, and how many sentences each check dropped."""

    candidates: list[Candidate] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)


def _choice(options: list[str]) -> Any:
    return Literal[tuple(["", *dict.fromkeys(options)])]  # type: ignore[misc]


def answer_model(activity: Activity) -> type[BaseModel]:
    """The fields for one activity, name fields limited to the entities its digest found."""
    people = activity.named("person") + activity.named("name")
    topics = activity.named("thing") + activity.named("name")
    fields: dict[str, Any] = {
        "doing": (str, Field(max_length=90)),
        "topic": (_choice(topics), ...),
        "for_whom": (_choice(activity.named("person")), ...),
        "date": (_choice(activity.named("date")), ...),
        "date_is": (Literal["", "due", "on"], ...),
    }
    if people:
        person = create_model(
            "Person", name=(Literal[tuple(dict.fromkeys(people))], ...),  # type: ignore[misc]
            relation=(Literal[RELATIONS], ...),
        )
        fields["people"] = (list[person], Field(max_length=MAX_PEOPLE))
    fields["occupation"] = (str, Field(max_length=40))
    fields["workplace"] = (_choice(topics), ...)
    fields["confidence"] = (Score, ...)
    return create_model("Activity", **fields)


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _mentions(text: str, name: str) -> bool:
    return bool(name) and name.lower().lstrip("@") in text.lower()


def _doing(phrase: str) -> str:
    phrase = " ".join(phrase.split()).strip(" .")
    phrase = re.sub(r"^(?:the user(?:'s)?\s+)?(?:is\s+|was\s+)?", "", phrase, flags=re.IGNORECASE)
    return phrase[:1].lower() + phrase[1:] if phrase[:2] != phrase[:2].upper() else phrase


def compose(activity: Activity, answer: BaseModel) -> list[tuple[str, str, list[str]]]:
    """(kind, sentence, entities it names) for each thing the filled fields say."""
    out = []
    doing = _doing(answer.doing)
    if doing and check.starts_with_activity(doing) and not check.is_empty(doing, activity.app):
        sentence, named = f"The user is {doing}", []
        for name in (answer.topic, answer.for_whom):
            if name:
                named.append(name)
        if answer.topic and not _mentions(sentence, answer.topic):
            sentence += f" ({answer.topic})"
        if answer.for_whom and not _mentions(sentence, answer.for_whom):
            sentence += f" for {answer.for_whom}"
        if answer.date and not _mentions(sentence, answer.date):
            sentence += {"due": f", due {answer.date}", "on": f" on {answer.date}"}.get(answer.date_is,
                                                                                        f" ({answer.date})")
            named.append(answer.date)
        out.append(("task", sentence + ".", named))
    cues = {e.text: e.cue for e in activity.entities}
    for p in getattr(answer, "people", []) or []:
        if p.relation == "unknown" or p.relation == "self" and cues.get(p.name) not in SELF_CUES:
            continue
        if p.relation == "self":
            out.append(("self", f"The user's name is {p.name.lstrip('@')}.", [p.name]))
            continue
        stated = relations_near(activity, p.name)
        if not stated:  # a relation nothing on screen states is a guess: small models answer "manager" to anyone
            continue
        relation = p.relation if p.relation in stated else stated[0]  # else the screen's nearest word
        out.append(("person", f"{p.name} is the user's {relation}.", [p.name]))
    things = {t.lower() for t in activity.named("thing") + activity.named("name")}
    occupation = " ".join(answer.occupation.split()).strip(" .")
    occupation = re.sub(r"^(?:the user is\s+)?(?:an?\s+)?", "", occupation, flags=re.IGNORECASE)
    if (occupation and check.is_occupation(occupation) and occupation.lower() not in things
            and check.grounded_phrase(occupation, activity.evidence_text())):
        at = f" at {answer.workplace}" if answer.workplace and not _mentions(occupation, answer.workplace) else ""
        out.append(("occupation", f"The user is {_article(occupation)} {occupation}{at}.",
                    [answer.workplace] if at else []))
    return out


def _evidence_for(activity: Activity, named: list[str]) -> list[int]:
    """The observations that show the named entities; all the activity's when it names none."""
    ids = {i for e in activity.entities if e.text in named for i in e.observation_ids}
    return sorted(ids) or activity.observation_ids


def propose(lm: LanguageModel, activity: Activity, calibrator: Calibrator, max_tokens: int = 384) -> Proposal:
    """Ask the model to fill in one activity's fields; compose, check and score the sentences."""
    result = Proposal()
    if not activity.lines and not activity.entities:
        return result
    answer = lm.complete_json(propose_messages(activity.render()), answer_model(activity), max_tokens)
    evidence = activity.evidence_text()
    screens = [*activity.titles, *(o.text for o in activity.observations)]
    for kind, sentence, named in compose(activity, answer):
        reason = check.problem(sentence, evidence, screens)
        if reason:
            result.dropped[reason] += 1
            continue
        feats = features(kind, sentence, named, activity, answer.confidence)
        grounding = {
            "kind": kind,
            "entities": [{"kind": e.kind, "text": e.text, "cue": e.cue, "observation_ids": list(e.observation_ids)}
                         for e in activity.entities if e.text in named],
            "features": feats,
        }
        result.candidates.append(Candidate(
            NewProposition(
                text=sentence, reasoning=f"From {activity.app or 'the screen'}: {'; '.join(activity.titles[:2])}"[:300],
                confidence=calibrator.confidence(feats), decay=DECAY[kind], model_confidence=answer.confidence,
                grounding=grounding,
            ),
            _evidence_for(activity, named),
        ))
    return result


def merge(candidates: list[Candidate]) -> list[Candidate]:
    """Candidates saying the same sentence become one, with the evidence of all (and the best confidence)."""
    by_text: dict[str, Candidate] = {}
    for c in candidates:
        key = c.proposition.text.lower()
        old = by_text.get(key)
        if old is None:
            by_text[key] = c
        else:
            best = max(old.proposition, c.proposition, key=lambda p: p.confidence)
            by_text[key] = Candidate(best, sorted(set(old.observation_ids) | set(c.observation_ids)))
    return list(by_text.values())


__all__ = ["Candidate", "Proposal", "Score", "answer_model", "compose", "merge", "propose"]
