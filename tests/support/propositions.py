"""Inputs for the propositions engine's tests: a wedding being planned on screen, a store holding one belief
to revise, and `Scripted`, a language model that answers from a script (the real model runs in
tests/integration/test_engine_model.py)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from gumd.models.lm import Generation, LanguageModel
from gumd.propositions.propose import Candidate
from gumd.store import NewObservation, NewProposition, Store

MAIL = (
    "Inbox - Thunderbird. From: Marta Silva. Subject: Lisbon wedding - flights. Hi Alex, we booked the venue "
    "Quinta da Regaleira for September 14 at 16:00. Could you book TAP flight TP 218 from Boston for both of us? "
    "Budget is 900 EUR per person. Thanks, Marta"
)
SHEET = ("wedding-budget.ods - LibreOffice Calc. Venue 12000 EUR. Flights TP 218 1800 EUR. Guests 120. Catering 9600 "
         "EUR, deposit due June 30")


def add(store: Store, text: str, app: str, title: str, t: float) -> int:
    """Store one observation of `text` (five seconds long, from the test source); returns its id."""
    return store.observations.add(
        NewObservation(started_at=t, ended_at=t + 5, app=app, title=title, text=text, input_summary="40 keys",
                       source="test")
    )


def said(statement: str) -> str:
    """An answer to the propose step: one statement about the user."""
    return json.dumps({"statement": statement, "confidence": 8})


class Scripted(LanguageModel):
    """Answers from a script, one entry per call; an Event entry blocks until set."""

    name = "scripted"

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = 0
        self.prompts = []  # the last message of each call

    def _generate(self, messages, schema, max_tokens, retry=False):
        self.calls += 1
        self.prompts.append(messages[-1]["content"])
        answer = self.answers.pop(0)
        if isinstance(answer, threading.Event):
            answer.wait(10)
            answer = said("")
        return Generation(text=answer, finish_reason="stop")


def trip_store(tmp_path: Path) -> tuple[Store, list[int], int]:
    """A store with three observations and one belief (a trip to Lisbon) resting on the first; returns
    (store, observation ids, the belief's id)."""
    store = Store(tmp_path / "g.db")
    obs = [store.observations.add(NewObservation(t, t + 1, "app", "t", f"o{t}", "", "test")) for t in (1.0, 2.0, 3.0)]
    held = store.propositions.add(NewProposition("The user is planning a trip to Lisbon", "mail", 6, 5), [obs[0]])
    return store, obs, held


def candidate(text: str, obs_id: int, confidence: int = 7) -> Candidate:
    """A candidate proposition from the screen, resting on one observation."""
    return Candidate(NewProposition(text, "screen", confidence, 5), [obs_id])
