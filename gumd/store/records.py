"""The records gumd keeps: observations, propositions, and what links them."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class NewObservation:
    """What transcription hands to the store: one moment of screen text with its context."""

    started_at: float
    ended_at: float
    app: str
    title: str
    text: str
    input_summary: str
    source: str  # "screen", "replay" or "import"


@dataclass(frozen=True)
class Observation(NewObservation):
    id: int = 0
    status: str = "pending"  # reading (a vision model is to read it) | pending | processing | done | failed
    batch_id: int | None = None
    created_at: float = 0.0


@dataclass(frozen=True)
class NewProposition:
    """A belief about the user as the model states it, before it is stored."""

    text: str
    reasoning: str
    confidence: int  # 1..10
    decay: int  # 1..10; 10 = stays true for months
    model_confidence: int | None = None  # the model's own 1..10, kept beside the computed confidence
    grounding: dict | None = None  # kind, the entities the sentence names (with their observations), features


@dataclass(frozen=True)
class Proposition(NewProposition):
    id: int = 0
    revision_group: int = 0
    version: int = 1
    status: str = "active"  # active | superseded | rejected
    origin: str = "model"  # model | statistics | user
    verdict: str | None = None  # the user's word: confirmed | rejected | None
    created_at: float = 0.0
    updated_at: float = 0.0
    evidence_count: int = 0
    score: float | None = None
    evidence: list[Observation] = field(default_factory=list)
