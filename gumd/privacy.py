"""The privacy stage: what is never captured, and secrets taken out of text before storage."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

# Windows never captured unless the user removes the rule: private browsing and password managers.
DEFAULT_EXCLUDED_APPS = ("keepassxc", "keepass", "1password", "bitwarden", "lastpass", "gnome-keyring", "seahorse")
DEFAULT_EXCLUDED_TITLES = (
    r"\bincognito\b",
    r"\bprivate browsing\b",
    r"\bInPrivate\b",
    r"\bprivate window\b",
)


@dataclass(frozen=True)
class Exclusions:
    """Apps (case-insensitive names) and window-title patterns that are never captured."""

    apps: tuple[str, ...] = DEFAULT_EXCLUDED_APPS
    title_patterns: tuple[str, ...] = DEFAULT_EXCLUDED_TITLES
    _compiled: re.Pattern | None = field(default=None, init=False, repr=False, compare=False)

    def excludes(self, app: str, title: str) -> bool:
        """True when a window of this app with this title must not be captured."""
        if (app or "").strip().lower() in {a.lower() for a in self.apps}:
            return True
        if self.title_patterns:
            if self._compiled is None:
                object.__setattr__(self, "_compiled", re.compile("|".join(f"(?:{p})" for p in self.title_patterns), re.I))
            return bool(self._compiled.search(title or ""))
        return False


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
    ("private_key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S)),
    ("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
    ("aws_key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("github_token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b")),
    ("slack_token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b")),
    ("stripe_key", re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}\b")),
    ("api_key", re.compile(r"\bsk-[A-Za-z0-9_-]{20,}\b")),
    ("password", re.compile(r"(?i)\b(?:password|passwd|pwd|passcode)\s*[:=]\s*(?P<secret>\S+)")),
    ("otp", re.compile(r"(?i)\b(?:code|otp|verification|2fa|one-time)\b[^\n\d]{0,30}(?P<secret>\b\d{4,8}\b)")),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")),
]
_CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")


@dataclass(frozen=True)
class Redacted:
    text: str
    counts: dict[str, int]


def redact(text: str) -> Redacted:
    """Replace secrets in `text` with [REDACTED:kind]; count what was taken, never keep it."""
    counts: Counter[str] = Counter()
    for kind, pattern in _PATTERNS:
        def repl(m: re.Match, kind=kind) -> str:
            counts[kind] += 1
            if "secret" in pattern.groupindex and m.group("secret"):
                start, end = m.span("secret")
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

    text = _CARD.sub(card, text)
    return Redacted(text=text, counts=dict(counts))


class CaptureControl:
    """Whether capture may run now: off by setting, paused by the user (for a while or until resumed), or on."""

    def __init__(self, enabled: bool = True, clock=time.time):
        self.enabled = enabled
        self._clock = clock
        self._lock = threading.Lock()
        self._paused = False
        self._until: float | None = None

    def pause(self, minutes: float | None = None) -> None:
        """Pause capture for `minutes`, or until resume() when None."""
        with self._lock:
            self._paused = True
            self._until = None if minutes is None else self._clock() + minutes * 60

    def resume(self) -> None:
        with self._lock:
            self._paused, self._until = False, None

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
