"""What the API sends and accepts: pydantic models shared by the route modules and the OpenAPI schema."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gumd.store import Observation, Proposition
from gumd.store.access import AuditEntry
from gumd.usecases.context import ContextBundle

MAX_PAGE = 200
MAX_QUERY = 500
MAX_TEXT = 2000
MAX_MINUTES = 60 * 24 * 365 * 10


class ErrorOut(BaseModel):
    code: str = Field(description="stable, machine-readable")
    message: str = Field(description="what went wrong and what to do about it")


class ObservationOut(BaseModel):
    id: int
    started_at: float
    ended_at: float
    app: str
    title: str
    text: str
    input_summary: str
    source: str
    status: str

    @classmethod
    def of(cls, o: Observation) -> "ObservationOut":
        return cls(**{k: getattr(o, k) for k in cls.model_fields})


class PropositionOut(BaseModel):
    id: int
    text: str
    reasoning: str
    confidence: int = Field(description="1-10, computed from the evidence and calibrated (about confidence/10 of "
                                        "such propositions are right); 10 when the user confirmed it")
    model_confidence: int | None = Field(None, description="the model's own 1-10 when it wrote it; kept for reference")
    decay: int = Field(description="1-10; 10 = stays true for months")
    revision_group: int | None
    version: int
    status: str = Field(description="active | superseded | rejected")
    verdict: str | None = Field(description="the user's word: confirmed | rejected | null")
    created_at: float
    updated_at: float
    evidence_count: int
    score: float | None = Field(None, description="BM25 relevance to the query; null without one")

    @classmethod
    def of(cls, p: Proposition) -> "PropositionOut":
        return cls(**{k: getattr(p, k) for k in cls.model_fields})


class GroundedEntity(BaseModel):
    kind: str = Field(description="person | thing | name | date | amount")
    text: str = Field(description="as the screen shows it")
    cue: str = Field(description="how it was found: sender, signature, greeting, title, deadline, ... or empty")
    observation_ids: list[int] = Field(description="the observations that show it")


class Grounding(BaseModel):
    kind: str = Field(description="what the passage behind the sentence held: dated (a deadline, event or date) "
                                  "| person (a relation word beside a name) | work (what the window showed)")
    entities: list[GroundedEntity] = Field(description="the names, dates and amounts it took from the screen")
    features: dict[str, float] = Field(description="the evidence its confidence was computed from")


class PropositionDetail(PropositionOut):
    grounding: Grounding | None = Field(None, description="where the sentence's names come from; null for "
                                                          "propositions written before grounding, by the user or "
                                                          "from behaviour statistics")
    evidence: list[ObservationOut]
    history: list[PropositionOut] = Field(description="every version in its revision group, oldest first")


class PropositionPage(BaseModel):
    items: list[PropositionOut]
    limit: int
    offset: int


class ObservationPage(BaseModel):
    items: list[ObservationOut]
    limit: int
    offset: int


class PropositionEdit(BaseModel):
    """Fields to change; omitted ones stay as they are."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(None, min_length=1, max_length=MAX_TEXT)
    reasoning: str | None = Field(None, max_length=MAX_TEXT)
    confidence: int | None = Field(None, ge=1, le=10)
    decay: int | None = Field(None, ge=1, le=10)


class Deleted(BaseModel):
    deleted: int = Field(description="rows removed: the proposition and every version of it")
    observations_deleted: int = Field(0, description="observations removed with it (`with_evidence`)")


class CurrentActivity(BaseModel):
    app: str
    title: str
    started_at: float
    ended_at: float
    excerpt: str = Field(description="the start of the screen text, whitespace collapsed")


class RecentApp(BaseModel):
    app: str
    last_seen: float
    observations: int


class Context(BaseModel):
    """A compact bundle an assistant can paste into a prompt; `prompt` is it rendered as text."""

    query: str
    generated_at: float
    propositions: list[PropositionOut]
    current_activity: CurrentActivity | None
    recent_apps: list[RecentApp]
    prompt: str

    @classmethod
    def of(cls, b: ContextBundle) -> "Context":
        current = b.current_activity
        return cls(query=b.query, generated_at=b.generated_at, propositions=[PropositionOut.of(p) for p in b.propositions],
                   current_activity=CurrentActivity(**current.__dict__) if current else None,
                   recent_apps=[RecentApp(**a.__dict__) for a in b.recent_apps], prompt=b.prompt)


class PredictedActionOut(BaseModel):
    kind: str = Field(description="switch | open | command | save | search")
    app: str
    target: str
    caption: str = Field(description="the action in words")
    confidence: float = Field(description="0-1, calibrated")
    raw_confidence: float = Field(description="0-1, before calibration")


class PredictionOut(BaseModel):
    """What the user will probably do next, best first."""

    made_at: float
    source: Literal["model", "statistical"] = Field(description="who chose the first action")
    actions: list[PredictedActionOut]
    reasoning: str = ""
    trace_ids: list[int] = Field(default_factory=list, description="the past moments the model was shown")
    id: int = Field(0, description="the stored prediction record of the first action")


class AuditOut(BaseModel):
    id: int
    at: float
    client: str
    method: str
    route: str
    status: int
    transport: str = Field("", description="unix or tcp")
    session: str = Field("", description="the dashboard session's id, for a browser")
    count: int = Field(1, description="requests refused in the same minute share one row")

    @classmethod
    def of(cls, e: AuditEntry) -> "AuditOut":
        return cls(**{k: getattr(e, k) for k in cls.model_fields})


class AuditPage(BaseModel):
    items: list[AuditOut]
    limit: int
    offset: int


# -- status -----------------------------------------------------------------
class CaptureStatus(BaseModel):
    """The capture side of /v1/status: a running daemon fills in every field."""

    model_config = ConfigDict(extra="forbid")
    state: str = Field(description="capturing | paused | off")
    paused_until: float | None = None
    presence: str | None = Field(None, description="active | idle | locked")
    frames_captured: int | None = Field(None, description="new frames transcribed")
    frames_unchanged: int | None = Field(None, description="near-duplicates of a recent frame, skipped")
    frames_blanked: int | None = Field(None, description="frames with an excluded window painted out")
    frames_deferred: int | None = Field(None, description="captures put off by the CPU budget (taken later)")
    deferred_wait_s: float | None = Field(None, description="summed: how much later deferred captures were taken")
    deferred_wait_max_s: float | None = None
    cpu_s: float | None = Field(None, description="CPU seconds of the capture path since start (OCR included)")
    cpu_share: float | None = Field(None, description="share of one core the capture path used over the window")
    cpu_budget: float | None = Field(None, description="capture_cpu_budget; 0 = no budget")
    locked_skips: int | None = Field(None, description="captures not taken because a screen locker showed")
    observations_stored: int | None = None
    excluded: int | None = Field(None, description="captures dropped because of an excluded window")
    ocr_partial_frames: int | None = Field(None, description="frames read only where they changed")
    ocr_rows_read: int | None = None
    ocr_rows_total: int | None = None
    ocr_pixels_read: int | None = None
    ocr_pixels_total: int | None = None
    redactions: dict[str, int] | None = Field(None, description="secrets redacted since start, by kind")
    dropped_events: int | None = Field(None, description="observer events dropped because the queue was full")
    display: str | None = Field(None, description="connected | unreachable; null when capture is off")
    observations_held: int | None = Field(None, description="observations waiting in memory for the database")
    observations_dropped: int | None = Field(None, description="observations dropped from that wait (over 500)")
    last_error: str | None = Field(None, description="why capture cannot reach the display or store observations")


class EngineStatus(BaseModel):
    model_config = ConfigDict(extra="forbid")
    busy: bool
    last_error: str | None = Field(None, description="why the last batch or engine run failed, until one succeeds")
    dropped: dict[str, int] = Field(
        default_factory=dict,
        description="sentences the checks refused since start, by reason: ungrounded (a name or number its evidence "
                    "lacks), prompt (restates gumd's prompt), copied (a sentence about the user copied from the "
                    "screen), repeated (a model caught in a loop), and the others in docs/propositions.md")


class ScreenReaderStatus(BaseModel):
    """How screens become text (screen_reader) and what the vision model has read since start."""

    model_config = ConfigDict(extra="forbid")
    mode: str = Field(description="ocr | vlm | both")
    reader: str | None = Field(None, description="the vision model; null with ocr, or when it could not be set up")
    frames_read: int
    seconds_per_frame: float | None = Field(None, description="mean seconds the model took per frame read")
    frames_skipped_budget: int = Field(description="frames left to OCR because vlm_frames_per_hour was spent")
    frames_skipped_unchanged: int = Field(description="later frames of an activity that changed too little")
    frames_queued: int = Field(description="frames waiting for the engine's idle time")
    frames_dropped: int = Field(description="queued frames dropped unread (the queue was full)")
    frames_failed: int = Field(description="frames the model gave no usable answer for (OCR text kept)")
    last_error: str | None = None


class StatusOut(BaseModel):
    """/v1/status: the store's counts always; the rest from the running daemon."""

    model_config = ConfigDict(extra="forbid")
    version: str
    observations: dict[str, int]
    propositions: int
    failed_batches: int
    retrying_batches: int
    database_bytes: int
    encrypted: bool = Field(description="whether the database is encrypted at rest (SQLCipher, `encrypt = true`)")
    data_dir_free_bytes: int | None = Field(None, description="free bytes on the data dir's file system")
    pid: int | None = None
    started_at: float | None = None
    data_dir: str | None = None
    model: str | None = None
    capture: CaptureStatus | None = None
    engine: EngineStatus | None = None
    screen_reader: ScreenReaderStatus | None = None


# -- capture ----------------------------------------------------------------
class CaptureState(BaseModel):
    state: str  # capturing | paused | off
    paused_until: float | None


class PauseIn(BaseModel):
    minutes: float | None = Field(None, gt=0, le=60 * 24 * 365, description="omit to pause until resumed")


class ForgetIn(BaseModel):
    """Either the last `minutes`, an explicit span of unix times, or (with `app` alone) all of one app's history."""

    minutes: float | None = Field(None, gt=0, le=MAX_MINUTES, description="forget the last N minutes")
    since: float | None = Field(None, ge=0, description="unix time; with `until` instead of `minutes`")
    until: float | None = Field(None, ge=0, description="unix time; defaults to now")
    app: str | None = Field(None, min_length=1, max_length=200, description="only this app's captures")

    @model_validator(mode="after")
    def one_span(self) -> "ForgetIn":
        if self.app is not None and self.minutes is None and self.since is None:
            self.since = 0.0  # an app alone: all of its history
        if (self.minutes is None) == (self.since is None):
            raise ValueError("give either minutes or since (and optionally until), or an app")
        if self.since is not None and self.until is not None and self.until < self.since:
            raise ValueError("until is before since")
        return self


class ForgetOut(BaseModel):
    since: float
    until: float
    observations: int
    propositions: int
    focus_spans: int
    actions: int = Field(0, description="actions deleted (next-action traces and predictions quoting the span go too)")


class RuleIn(BaseModel):
    kind: str = Field(..., description="app (an app name), title (a window-title regex) or redact (a text regex)")
    pattern: str = Field(..., min_length=1, max_length=500)


class RuleOut(BaseModel):
    id: int
    kind: str
    pattern: str
    created_at: float


class RuleList(BaseModel):
    items: list[RuleOut]


class CheckOut(BaseModel):
    captured: bool
    state: str
    rule: str | None


class SpanOut(BaseModel):
    id: int
    started_at: float
    ended_at: float
    duration: float
    app: str
    title: str
    page_title: str
    source: str


class SpanPage(BaseModel):
    items: list[SpanOut]
    limit: int
    offset: int


# -- dashboard --------------------------------------------------------------
class LoginLink(BaseModel):
    url: str
    expires_at: float


class ConfirmIn(BaseModel):
    action: Literal["export", "delete"]


class Confirmation(BaseModel):
    token: str
    expires_in: float
