"""The privacy stage: what is never captured, and secrets taken out of text before storage."""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import re2
from PIL import Image, ImageDraw

from gumd.observers.base import Frame

# Windows never captured unless the user turns the defaults off: private browsing and password managers.
DEFAULT_EXCLUDED_APPS = (
    "keepassxc", "keepass", "keepass2", "1password", "bitwarden", "lastpass", "enpass", "gnome-keyring",
    "seahorse", "kwalletmanager5", "proton pass", "dashlane",
    "keychain access", "passwords",  # macOS's own
)
DEFAULT_EXCLUDED_TITLES = (
    r"\bincognito\b",
    r"\bprivate browsing\b",
    r"\bInPrivate\b",
    r"\bprivate window\b",
)
MAX_PATTERN = 500
# RE2's budget for one compiled pattern; a pattern that needs more is refused ("too large").
PATTERN_MAX_MEM = 8 << 20
UserPattern = re2._Regexp  # a user's pattern, compiled by RE2 (matching is linear in the text's length)

# What RE2 cannot do, by the operator its error names: each would allow exponential matching time.
_UNSUPPORTED = {
    "(?=": "lookahead (?=...)", "(?!": "negative lookahead (?!...)", "(?<=": "lookbehind (?<=...)",
    "(?<!": "negative lookbehind (?<!...)", "(?P=": "a named backreference (?P=name)",
    "(?>": "an atomic group (?>...)", "(?#": "a comment group (?#...)",
}


class InvalidRule(ValueError):
    """A rule the user gave cannot be used; the message says why."""


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.max_mem = PATTERN_MAX_MEM
    options.log_errors = False
    return options


def _unsupported(pattern: str, error: str) -> str:
    """RE2's complaint, said as the construct the user wrote."""
    operator = error.rpartition(": ")[2]
    if error.startswith("invalid perl operator"):
        construct = next((name for op, name in _UNSUPPORTED.items() if op.startswith(operator)
                          or operator.startswith(op)), f"the operator {operator}")
    elif error.startswith("invalid escape sequence") and operator[1:2].isdigit():
        construct = f"a backreference ({operator})"
    elif error.startswith("bad repetition operator") and operator.endswith("+"):
        construct = f"a possessive quantifier ({operator})"
    else:
        return f"{pattern!r} is not a valid regular expression: {error}"
    return (f"{pattern!r} uses {construct}, which gumd does not support: patterns run on RE2, whose matching time "
            "stays linear in the text; rewrite the pattern without it")


def compile_pattern(pattern: str) -> UserPattern:
    """Compile a regular expression with RE2, case-insensitive; raise InvalidRule naming what RE2 cannot do."""
    if len(pattern) > MAX_PATTERN:
        raise InvalidRule(f"the pattern is longer than {MAX_PATTERN} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as e:
        message = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else str(e)
        raise InvalidRule(_unsupported(pattern, message)) from None


def check_pattern(pattern: str) -> UserPattern:
    """Compile a user's regular expression (case-insensitive, RE2), or raise InvalidRule saying what is wrong."""
    if not pattern.strip():
        raise InvalidRule("the pattern is empty")
    compiled = compile_pattern(pattern)
    if compiled.search(""):
        raise InvalidRule(f"{pattern!r} matches the empty string, so it would match everything")
    return compiled


def check_app(name: str) -> str:
    """An app rule's name, trimmed; raise InvalidRule when nothing is left."""
    name = name.strip()
    if not name:
        raise InvalidRule("the app name is empty")
    if len(name) > MAX_PATTERN:
        raise InvalidRule(f"the app name is longer than {MAX_PATTERN} characters")
    return name


@dataclass(frozen=True)
class Exclusions:
    """Apps (case-insensitive names), window-title patterns, and private browser windows: never captured."""

    apps: tuple[str, ...] = DEFAULT_EXCLUDED_APPS
    title_patterns: tuple[str, ...] = DEFAULT_EXCLUDED_TITLES
    private_windows: bool = True
    _compiled: tuple[tuple[str, UserPattern], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", tuple((p, compile_pattern(p)) for p in self.title_patterns))

    @classmethod
    def build(cls, defaults: bool = True, apps: Sequence[str] = (), title_patterns: Sequence[str] = ()) -> "Exclusions":
        """The built-in rules (unless `defaults` is off) plus the user's own."""
        base_apps = DEFAULT_EXCLUDED_APPS if defaults else ()
        base_titles = DEFAULT_EXCLUDED_TITLES if defaults else ()
        return cls(apps=tuple(dict.fromkeys([*base_apps, *apps])),
                   title_patterns=tuple(dict.fromkeys([*base_titles, *title_patterns])),
                   private_windows=defaults)

    def match(self, app: str, title: str, private: bool = False) -> str | None:
        """Which rule keeps a window of this app and title out ("app keepassxc", "title /…/",
        "private browser window"), or None when it may be captured."""
        name = (app or "").strip().lower()
        for a in self.apps:
            if name == a.lower():
                return f"app {a}"
        for pattern, compiled in self._compiled:
            if compiled.search(title or ""):
                return f"title /{pattern}/"
        if private and self.private_windows:
            return "private browser window"
        return None

    def excludes(self, app: str, title: str, private: bool = False) -> bool:
        """True when a window of this app with this title must not be captured."""
        return self.match(app, title, private) is not None


Rect = tuple[int, int, int, int]  # left, top, width, height on the virtual screen


def blank(frame: Frame, stack: Iterable[tuple[Rect, bool]]) -> Frame:
    """The frame with every excluded window painted black where it shows.

    `stack` lists windows bottom to top as (rect, excluded): a window above an
    excluded one hides that part of it, so only what is visible is painted.
    """
    ox, oy = frame.origin
    mask = Image.new("1", frame.image.size, 0)
    draw = ImageDraw.Draw(mask)
    for (left, top, width, height), excluded in stack:
        if width > 0 and height > 0:
            draw.rectangle((left - ox, top - oy, left - ox + width - 1, top - oy + height - 1), fill=int(excluded))
    if mask.getbbox() is None:
        return frame
    image = frame.image.copy()
    image.paste((0, 0, 0), mask=mask)
    return dataclasses.replace(frame, image=image)


def blank_boxes(image: Image.Image, boxes: Iterable[tuple[int, int, int, int]]) -> Image.Image:
    """A copy of `image` with each (left, top, width, height) box painted black (the lines that held a
    secret); the image itself when there is none."""
    boxes = list(boxes)
    if not boxes:
        return image
    image = image.copy()
    draw = ImageDraw.Draw(image)
    for left, top, width, height in boxes:
        draw.rectangle((left, top, left + width, top + height), fill="black")
    return image


def _iban_ok(iban: str) -> bool:
    """The ISO 13616 check: country and check digits moved to the end, letters as numbers, mod 97 == 1."""
    compact = iban.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _luhn_ok(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


# (kind, pattern); the whole match is replaced unless the pattern has a group named "secret".
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("private_key", re.compile(r"-{3,}\s?BEGIN [A-Z ]*PRIVATE KEY\s?-{3,}.*?(?:-{3,}\s?END [A-Z ]*PRIVATE KEY\s?-{3,}|\Z)", re.S)),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("aws_key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("stripe_key", re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b")),
    ("api_key", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b|\bAIza[0-9A-Za-z_-]{35}\b")),
    # a key name may carry a prefix ("AWS_SECRET_ACCESS_KEY", "db-password") and JSON quotes; its value may sit
    # after ":" or "=", or alone on the next line (a form's label above its field)
    ("secret", re.compile(
        r"(?i)(?<![a-z0-9])(?:[a-z0-9]+[_-])*(?:api[_-]?key|secret(?:[_-]?(?:access[_-]?)?key)?|access[_-]?token"
        r"|auth[_-]?token|client[_-]?secret|token)[\"']?(?:[ \t]*[:=][ \t]*|[ \t]*\n[ \t]*)[\"']?"
        r"(?P<secret>[A-Za-z0-9_\-./+=]{12,})")),
    ("password", re.compile(
        r"(?i)(?<![a-z0-9])(?:[a-z0-9]+[_-])*(?:password|passwd|pwd|passcode)[\"']?"
        r"(?:[ \t]*[:=][ \t]*(?:\n[ \t]*)?|[ \t]*\n[ \t]*)[\"']?"
        r"(?P<secret>(?!(?:password|passwd|pwd|passcode)\b)(?![*•·]+(?:\s|$))[^\s\"']+)")),
    ("otp", re.compile(r"(?i)(?<!zip )(?<!postal )(?<!area )\b(?:code|otp|verification|2fa|one-time)\b"
                       r"[^\n\d]{0,30}(?P<secret>\b\d{4,8}\b)")),
    ("otp", re.compile(r"(?i)(?P<secret>\b\d{4,8}\b)(?=[ \t]+is your [\w -]{0,25}(?:code|otp|pin|passcode)\b)")),
]
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")


@dataclass(frozen=True)
class Redacted:
    text: str
    counts: dict[str, int]


def redact(text: str, extra: Sequence[UserPattern] = ()) -> Redacted:
    """Replace secrets in `text` with [REDACTED:kind]; count what was taken, never keep it.

    `extra` are the user's own patterns (kind "custom"); a group named "secret" limits what is replaced.
    """
    counts: Counter[str] = Counter()
    for kind, pattern in [*_PATTERNS, *(("custom", x) for x in extra)]:
        def repl(m, kind: str = kind, pattern=pattern) -> str:
            counts[kind] += 1
            if "secret" in pattern.groupindex and m.group("secret"):
                start, end = m.span(pattern.groupindex["secret"])  # RE2's span() takes a number only
                s = m.group(0)
                return s[: start - m.start()] + f"[REDACTED:{kind}]" + s[end - m.start():]
            return f"[REDACTED:{kind}]"

        text = pattern.sub(repl, text)

    def card(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _luhn_ok(digits):
            counts["card_number"] += 1
            return "[REDACTED:card_number]"
        return m.group(0)

    def iban(m: re.Match) -> str:
        if _iban_ok(m.group(0)):
            counts["iban"] += 1
            return "[REDACTED:iban]"
        return m.group(0)

    text = _IBAN.sub(iban, text)
    text = _CARD.sub(card, text)
    return Redacted(text=text, counts=dict(counts))


class CaptureControl:
    """The capture's control surface, shared by the daemon and the API: whether capture may run now (off by
    setting, paused by the user for a while or until resumed, or on), and the exclusions in force.

    `on_change(paused, until)` is called after every pause and resume, so the
    state can outlive a restart; `restore()` puts a saved state back.
    """

    def __init__(self, enabled: bool = True, clock=time.time,
                 on_change: Callable[[bool, float | None], None] | None = None):
        self.enabled = enabled
        self.exclusions = Exclusions()
        self._clock = clock
        self._on_change = on_change
        self._lock = threading.Lock()
        self._paused = False
        self._until: float | None = None

    def check(self, app: str, title: str, private: bool = False) -> dict[str, Any]:
        """Would a window of this app and title be captured now? {"captured", "state", "rule"}."""
        state = self.state()["state"]
        rule = self.exclusions.match(app, title, private)
        return {"captured": state == "capturing" and rule is None, "state": state, "rule": rule}

    def restore(self, paused: bool, until: float | None) -> None:
        """Take back a saved pause (one that already ran out is dropped)."""
        with self._lock:
            self._paused, self._until = paused, until

    def pause(self, minutes: float | None = None) -> None:
        """Pause capture for `minutes`, or until resume() when None."""
        with self._lock:
            self._paused = True
            self._until = None if minutes is None else self._clock() + minutes * 60
            state = (self._paused, self._until)
        if self._on_change:
            self._on_change(*state)

    def resume(self) -> None:
        with self._lock:
            self._paused, self._until = False, None
        if self._on_change:
            self._on_change(False, None)

    def state(self) -> dict[str, Any]:
        """{"state": "off" | "paused" | "capturing", "paused_until": unix time or None}."""
        with self._lock:
            if self._paused and self._until is not None and self._clock() >= self._until:
                self._paused, self._until = False, None
            if not self.enabled:
                return {"state": "off", "paused_until": None}
            return {"state": "paused" if self._paused else "capturing", "paused_until": self._until}

    def allows(self) -> bool:
        return self.state()["state"] == "capturing"
