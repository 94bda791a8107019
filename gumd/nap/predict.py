"""Predicting the user's next action, on the device, and learning from what they really do.

Library API (what the REST API, SSE stream, MCP tool and `gumd predict` call):

    predictor = Predictor(store, model=load_next_action_model(settings))
    prediction = predictor.predict_next(screen_text=current_screen)   # -> Prediction
    predictor.observe(action)   # each real action: scores open predictions, grows the trace library

`predict_next` always has the statistical candidates (VariableOrder over the
recorded action stream). The model is consulted only where the statistics
cannot name the action: when the screen names documents or commands that no
recorded action has (`novel.unnamed_by_history`: a document never opened, a
command never run). The context — the last actions, the current screen, the
most relevant propositions and past traces retrieved for this moment — goes
to the model with those names numbered, and it picks the one the user will act
on next, or none, and says why in a few words. Its pick is as likely as
something new has been after an action in the current app (`novelty_rate`),
and takes its place by that among the statistical candidates, whose
probabilities share the rest. Choosing among the statistical candidates themselves
(`consult_below` > 0: when the top one is less likely than that) is off by
default: on a recorded session it did not beat the statistics by more than
noise (docs/nap.md). The answer is kept to about
15 tokens and the prompt to about 200, with the system prompt first and
unchanged so the model's prompt cache reuses its state: generating tokens is
what costs time on a laptop CPU. Every confidence shown is calibrated: the
share of past predictions from the same source and raw-probability band that
came true (exact app and target), so a threshold such as "only show >= 0.6"
means what it says once some history exists.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field, create_model

from gumd.models import LanguageModel, ModelError
from gumd.nap.actions import rule_caption
from gumd.nap.novel import Named, unnamed_by_history
from gumd.nap.sequence import SequencePredictor
from gumd.nap.variable_order import VariableOrder
from gumd.nap.traces import Embedder, Retrieved, TraceLibrary
from gumd.store import Store
from gumd.store.actions import Action, PredictionRecord, Trace

log = logging.getLogger(__name__)

KINDS = ("switch", "open", "command", "save", "search")
RECENT_ACTIONS = 6  # actions kept as context; the model sees the last PROMPT_ACTIONS
PROMPT_ACTIONS = 4
SCREEN_CHARS = 160  # screen text shown to the model
CANDIDATES = 5
REASON_CHARS = 48  # the model's reasoning, at most
# The model may also choose among the statistical candidates when the top one is less likely than this; off by
# default (0.0): on a recorded session the 0.5B model's choice was within noise of the statistics' own.
CONSULT_BELOW = 0.0


@dataclass(frozen=True)
class PredictedAction:
    """One possible next action, with a calibrated confidence (0..1) and the raw one it came from."""

    kind: str
    app: str
    target: str
    caption: str
    confidence: float
    raw_confidence: float

    @property
    def key(self) -> str:
        return f"{self.kind}|{self.app}|{self.target}"


@dataclass(frozen=True)
class Prediction:
    """What the user will probably do next, best first; `source` says who chose the first action."""

    made_at: float
    source: Literal["model", "statistical"]
    actions: list[PredictedAction]
    reasoning: str = ""
    trace_ids: list[int] = field(default_factory=list)
    id: int = 0  # the stored prediction record of the first action

    @property
    def top(self) -> PredictedAction | None:
        return self.actions[0] if self.actions else None


@functools.cache
def _answer_model(candidates: int, none_allowed: bool = False) -> type[BaseModel]:
    """The model's whole answer, about 15 tokens: generating them is most of an in-context prediction's latency.
    With `none_allowed`, 0 means "none of these"."""
    return create_model(
        "NextActionAnswer",
        choice=(Literal[tuple(range(0 if none_allowed else 1, candidates + 1))],
                Field(description="number of the likeliest candidate")),
        why=(str, Field(max_length=REASON_CHARS, description="a few words")),
    )


# Stable across calls, so the model's prompt cache keeps its state: only the user message is evaluated anew.
_SYSTEM = (
    "Predict a computer user's next action from their recent actions, screen, what is known about them and "
    "similar past moments. Reply with the number of the likeliest candidate and why, in a few words."
)


class Calibrator:
    """Maps a raw confidence (0..1) to the observed hit rate of its band, shrunk toward the raw value."""

    def __init__(self, store: Store, bands: int = 10, prior: float = 5.0):
        self.store = store
        self.bands = bands
        self.prior = prior
        self._table: dict[str, list[tuple[int, int]]] = {}

    def refresh(self, source: str) -> None:
        table = [(0, 0)] * self.bands
        for raw, exact in self.store.actions.scored_outcomes(source):
            b = self._band(raw)
            n, hits = table[b]
            table[b] = (n + 1, hits + int(exact))
        self._table[source] = table

    def _band(self, raw: float) -> int:
        return min(self.bands - 1, max(0, int(raw * self.bands)))

    def calibrate(self, source: str, raw: float) -> float:
        if source not in self._table:
            self.refresh(source)
        n, hits = self._table[source][self._band(raw)]
        return (hits + self.prior * raw) / (n + self.prior)


def moment_text(recent: list[Action], screen_text: str) -> str:
    """The present moment as text: the last actions and a piece of the screen (for retrieval and traces)."""
    lines = [a.caption for a in recent[-5:]]
    screen = " ".join(screen_text.split())[:300]
    return "\n".join(lines + ([f"Screen: {screen}"] if screen else []))


def _split_key(key: str) -> tuple[str, str, str]:
    kind, app, target = (key.split("|", 2) + ["", ""])[:3]
    return kind, app, target


class Predictor:
    """The on-device next-action predictor over one store; see the module docstring for the API."""

    def __init__(self, store: Store, model: LanguageModel | None = None, embedder: Embedder | None = None,
                 statistical: SequencePredictor | None = None, history: int = 5000,
                 proposition_search=None, consult_below: float = CONSULT_BELOW):
        self.store = store
        self.model = model
        self.consult_below = consult_below
        self.traces = TraceLibrary(store, embedder)
        self.statistical = statistical or VariableOrder()
        self.calibrator = Calibrator(store)
        self.proposition_search = proposition_search or (lambda q: store.search.propositions(q, limit=3))
        self.recent: list[Action] = []
        self.known_targets: set[str] = set()  # every target a recorded action had
        self.novelty: dict[str, list[int]] = {}  # app of the last action -> [next ones that were new, all next ones]
        for action in store.actions.recorded(limit=history):
            self._learn(action)

    def _learn(self, action: Action) -> None:
        self.statistical.learn(action.key, action.at)
        if self.recent:
            counts = self.novelty.setdefault(self.recent[-1].app, [0, 0])
            counts[0] += action.target not in self.known_targets
            counts[1] += 1
        self.recent = (self.recent + [action])[-RECENT_ACTIONS:]
        self.known_targets.add(action.target)

    def novelty_rate(self) -> float:
        """How often an action never seen before followed an action in the current app (shrunk toward 0.1)."""
        new, total = self.novelty.get(self.recent[-1].app, [0, 0]) if self.recent else [0, 0]
        return (new + 0.1) / (total + 1.0)

    def candidates(self, now: float, k: int = CANDIDATES) -> list[PredictedAction]:
        """The statistical predictor's k best next actions, calibrated."""
        return [self._predicted(c.item, c.probability, "statistical") for c in self.statistical.rank(k, (), now)]

    def _predicted(self, key: str, raw: float, source: str) -> PredictedAction:
        kind, app, target = _split_key(key)
        caption = rule_caption(kind, app, target) if kind in KINDS else target
        return PredictedAction(kind, app, target, caption, self.calibrator.calibrate(source, raw), raw)

    def predict_next(self, screen_text: str = "", now: float | None = None, use_model: bool = True) -> Prediction:
        """Predict the next action as of `now` (default: the present) and record the prediction for scoring."""
        now = time.time() if now is None else now
        candidates = self.candidates(now)
        context = moment_text(self.recent, screen_text)
        source, reasoning, trace_ids, actions = "statistical", "", [], candidates
        if use_model and self.model is not None:
            asked = self._in_context(screen_text, context, candidates, now)
            if asked is not None:
                source, reasoning, actions, trace_ids = asked
        if not reasoning and candidates:
            reasoning = f"after '{self.recent[-1].caption}' this usually follows" if self.recent else ""
        prediction = Prediction(now, source, actions, reasoning, trace_ids)
        if not actions:
            return prediction
        top = actions[0]
        record_id = self.store.actions.add_prediction(PredictionRecord(
            made_at=now, source=source, action_key=top.key, caption=top.caption, raw_confidence=top.raw_confidence,
            confidence=top.confidence, reasoning=reasoning, context=context,
        ))
        return Prediction(now, source, actions, reasoning, trace_ids, record_id)

    def _in_context(self, screen_text: str, context: str, candidates: list[PredictedAction],
                    now: float) -> tuple[str, str, list[PredictedAction], list[int]] | None:
        """Ask the model where it is consulted: (source, reasoning, actions, trace ids), or None when it is not
        asked, answers "none of these", or fails (logged; the statistical prediction stands)."""
        # A new action is as likely as something new has been after this app; the statistics share the rest.
        new = self.novelty_rate()
        novel = [self._predicted(self._named_key(n), new, "model")
                 for n in unnamed_by_history(screen_text, self.known_targets)]
        unsure = bool(candidates) and candidates[0].raw_confidence < self.consult_below
        if not novel and not unsure:
            return None
        offered = novel or candidates
        retrieved = self.traces.retrieve(context, now, k=2)
        try:
            answer = self.model.complete_json(self._messages(screen_text, offered, retrieved, bool(novel)),
                                              _answer_model(len(offered), bool(novel)), max_tokens=40)
        except ModelError as e:
            log.warning("in-context prediction failed, keeping the statistical one: %s", e)
            return None
        if answer.choice == 0:
            return None
        picked = offered[answer.choice - 1]
        # The model states no confidence of its own (a 0.5B model says 9 of 10 to everything): its pick keeps the
        # raw probability it was offered with, calibrated on the model's own record.
        chosen = self._predicted(picked.key, picked.raw_confidence, "model")
        rest = [c for c in candidates if c.key != chosen.key]
        # A new action goes where its probability ranks it among the statistical ones, scaled to what is left.
        at = sum((1.0 - new) * c.raw_confidence > chosen.raw_confidence for c in rest) if novel else 0
        source, why = ("model", answer.why.strip()) if at == 0 else ("statistical", "")
        return source, why, rest[:at] + [chosen] + rest[at:], [r.trace.id for r in retrieved]

    def _named_key(self, named: Named) -> str:
        """A document or command from the screen as an action key: a document opens in the app in front, a
        command runs in the terminal last used for one."""
        current = self.recent[-1].app if self.recent else ""
        terminal = next((a.app for a in reversed(self.recent) if a.kind == "command"), None)
        app = (terminal or current) if named.kind == "command" else current
        return f"{named.kind}|{app}|{named.target}"

    def _messages(self, screen_text: str, candidates: list[PredictedAction], retrieved: list[Retrieved],
                  none_allowed: bool = False) -> list[dict]:
        """The prompt, kept short (~150 tokens past the system prompt): prompt evaluation is most of the latency.
        With `none_allowed` the candidates are new to the user and "0" is offered for "none of these"."""
        recent = [a.caption for a in self.recent[-PROMPT_ACTIONS:]]
        screen = " ".join(screen_text.split())[:SCREEN_CHARS]
        facts = [p.text for p in self.proposition_search(" ".join(recent[-2:] + [screen]))][:2]
        lines = []
        if retrieved:
            lines.append("Similar moments before, and what came next:")
            for r in retrieved:  # the actions of that moment, not its screen: ~20 tokens a trace instead of ~50
                then = [line for line in r.trace.context.splitlines() if not line.startswith("Screen: ")][-2:]
                lines.append(f"- {' / '.join(then)[:120]} -> {r.trace.next_action}")
        if facts:
            lines.append("Known: " + "; ".join(f[:100] for f in facts))
        lines.append("Recent actions: " + (" / ".join(recent) or "none"))
        if screen:
            lines.append(f"Screen: {screen}")
        lines.append("Candidates (named on screen, never done before):" if none_allowed else "Candidates:")
        lines += [f"{i}. {c.caption}" for i, c in enumerate(candidates, 1)]
        if none_allowed:
            lines.append("0. none of these: something the user has done before")
        return [{"role": "system", "content": _SYSTEM}, {"role": "user", "content": "\n".join(lines)}]

    def match(self, key: str, caption: str, action: Action) -> tuple[bool, float]:
        """How well a predicted action (its key and caption) matched the real next one: exact (same app and
        target), and the similarity of its caption to the real action's (1.0 when exact)."""
        _, app, target = _split_key(key)
        exact = (app, target) == (action.app, action.target)
        return exact, 1.0 if exact else self.traces.similarity(caption, [action.caption])[0]

    def observe(self, action: Action) -> list[PredictionRecord]:
        """Learn the real next action: score open predictions, add the best as a trace, update the statistics.

        Returns the predictions it scored.
        """
        scored = []
        for p in self.store.actions.unscored_predictions(before=action.at):
            exact, similarity = self.match(p.action_key, p.caption, action)
            self.store.actions.score_prediction(p.id, action.id, exact, similarity)
            p = dataclasses.replace(p, outcome_action_id=action.id, exact=int(exact), similarity=similarity)
            scored.append((similarity, p))
        if scored:
            score, best = max(scored, key=lambda s: (s[0], s[1].source == "model"))
            self.traces.add(Trace(context=best.context, reasoning=best.reasoning, next_action=action.caption,
                                  next_key=action.key, ended_at=action.at, score=score))
            for source in {p.source for _, p in scored}:
                self.calibrator.refresh(source)
        self._learn(action)
        return [p for _, p in scored]


__all__ = ["Prediction", "PredictedAction", "Predictor", "moment_text"]
