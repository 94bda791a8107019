"""The action stream: observations and focus changes segmented into actions a person would name.

`Segmenter.feed(moment)` turns each new moment (an observation, or a focus
change with no screen text) into zero or more actions, by rule:

- the app changed: "switched to X";
- a terminal shows a command that ran after its shell's prompt (`terminal.Terminal`): "ran Z";
- a title that reads as a web search: "searched for W";
- otherwise a new window title in the same app: "opened Y";
- ctrl+s / super+s in the input summary: "saved Y".

Captions start rule-based; `caption_with_model` rewrites them when the model is idle.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from pydantic import BaseModel, Field

from gumd.models import LanguageModel, ModelError
from gumd.nap.terminal import Terminal
from gumd.store import Store
from gumd.store.records import Observation
from gumd.store.actions import Action

TERMINALS = {"xterm", "uxterm", "terminal", "gnome-terminal", "gnome-terminal-server", "konsole", "iterm2",
             "alacritty", "kitty", "wezterm", "tilix", "xfce4-terminal", "terminator", "foot", "urxvt"}
SCREEN_TEXT_KEPT = 2000  # characters of screen text kept with an action, for the in-context predictor

_SEARCH_TITLES = [
    re.compile(r"^(?P<q>.+?) [-–—] (Google|Bing|DuckDuckGo|Startpage|Brave|Ecosia)( Search)?\b", re.I),
    re.compile(r"^(Search|Results) (for|results for)\s+[\"“']?(?P<q>.+?)[\"”']?(\s[-–—].*)?$", re.I),
]
_TITLE_SUFFIX = re.compile(r"\s+[-–—|]\s+[^-–—|]+$")
_SAVE_SHORTCUTS = re.compile(r"\b(ctrl|super)\+s\b")


@dataclass(frozen=True)
class Moment:
    """One point in the observation/focus stream: what was focused, on screen, and the input around it."""

    at: float
    app: str
    title: str
    text: str = ""
    input_summary: str = ""


def moment_of(obs: Observation) -> Moment:
    """A stored observation as a moment of the action stream."""
    return Moment(at=obs.started_at, app=obs.app, title=obs.title, text=obs.text, input_summary=obs.input_summary)


def is_terminal(app: str) -> bool:
    return app.strip().lower() in TERMINALS


def document_name(title: str) -> str:
    """A window title without its trailing " - App" part: the document or page it shows."""
    stripped = _TITLE_SUFFIX.sub("", title.strip())
    return stripped or title.strip()


def search_query(title: str) -> str | None:
    for pattern in _SEARCH_TITLES:
        m = pattern.match(title.strip())
        if m:
            return m.group("q").strip()
    return None


def rule_caption(kind: str, app: str, target: str) -> str:
    """A one-line caption from the action's parts alone."""
    return {
        "switch": f"Switched to {app}",
        "open": f"Opened {target} in {app}",
        "command": f"Ran `{target}` in {app}",
        "save": f"Saved {target} in {app}" if target else f"Saved in {app}",
        "search": f"Searched for {target} in {app}",
    }[kind]


def make_action(at: float, kind: str, app: str, target: str, screen_text: str = "") -> Action:
    return Action(at=at, kind=kind, app=app, target=target, caption=rule_caption(kind, app, target),
                  screen_text=screen_text[:SCREEN_TEXT_KEPT])


class Segmenter:
    """Stateful: remembers the last app, title and each terminal's prompts and commands to tell what is new."""

    def __init__(self):
        self.app: str | None = None
        self.title: str | None = None
        self.terminals: dict[str, Terminal] = {}

    def feed(self, m: Moment) -> list[Action]:
        """The actions this moment shows, in order (often none)."""
        out: list[Action] = []
        doc = document_name(m.title)
        if m.app != self.app:
            out.append(make_action(m.at, "switch", m.app, m.app, m.text))
        if is_terminal(m.app) and m.text:
            ran = self.terminals.setdefault(m.app, Terminal()).ran(m.text, typed="keys" in m.input_summary)
            out += [make_action(m.at, "command", m.app, c, m.text) for c in ran[-3:]]
        elif m.title != self.title or m.app != self.app:
            query = search_query(m.title)
            if query:
                out.append(make_action(m.at, "search", m.app, query, m.text))
            elif m.app == self.app and doc:
                out.append(make_action(m.at, "open", m.app, doc, m.text))
        if _SAVE_SHORTCUTS.search(m.input_summary.lower()):
            out.append(make_action(m.at, "save", m.app, doc, m.text))
        self.app, self.title = m.app, m.title
        return out


def segment(moments: list[Moment]) -> list[Action]:
    """All actions in a sequence of moments (sorted by time first)."""
    seg = Segmenter()
    return [a for m in sorted(moments, key=lambda m: m.at) for a in seg.feed(m)]


def record(store: Store, segmenter: Segmenter, moment: Moment) -> list[Action]:
    """Segment one moment and store the actions it shows; returns them with their ids."""
    return [dataclasses.replace(a, id=store.actions.add(a)) for a in segmenter.feed(moment)]


class _Caption(BaseModel):
    caption: str = Field(max_length=90, description="one line, past tense, what the user did")


def caption_with_model(store: Store, model: LanguageModel, limit: int = 10) -> int:
    """Rewrite up to `limit` rule captions with the model (idle-time work); returns how many it rewrote."""
    done = 0
    for action in store.actions.with_rule_captions(limit):
        screen = " ".join(action.screen_text.split())[:600]
        messages = [
            {"role": "system", "content": "Write a one-line caption of a computer user's action, past tense, "
                                          "naming the app and what was acted on. Answer in JSON."},
            {"role": "user", "content": f"Action: {action.caption}\nScreen text: {screen or '(none)'}"},
        ]
        try:
            answer = model.complete_json(messages, _Caption, max_tokens=60)
        except ModelError:
            continue  # logged by the model; the rule caption stays
        if answer.caption.strip():
            store.actions.set_caption(action.id, answer.caption.strip(), "model")
            done += 1
    return done

