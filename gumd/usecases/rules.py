"""The user's privacy rules: which windows are never captured and which text is always redacted."""

from __future__ import annotations

import logging

from gumd.capture.pipeline import Pipeline
from gumd.privacy import CaptureControl, Exclusions, InvalidRule, UserPattern, check_app, check_pattern
from gumd.store import Store
from gumd.store.capture import RULE_KINDS, PrivacyRule

log = logging.getLogger(__name__)


def privacy_rules(store: Store, exclude_defaults: bool = True) -> tuple[Exclusions, tuple[UserPattern, ...]]:
    """The exclusions and extra redaction patterns in force: built-in defaults (unless turned off) plus the
    user's rules stored in the database. A stored pattern RE2 cannot compile (one saved before gumd used RE2)
    is left out with a warning that says how to replace it."""
    usable = []
    for rule in store.capture.rules():
        try:
            usable.append((rule, check_app(rule.pattern) if rule.kind == "app" else check_pattern(rule.pattern)))
        except InvalidRule as e:
            log.warning("privacy rule [%d] is not applied: %s; remove it (`gumd exclude remove %d` or "
                        "`gumd redact remove %d`) and add a version without it", rule.id, e, rule.id, rule.id)
    exclusions = Exclusions.build(
        exclude_defaults,
        apps=[r.pattern for r, _ in usable if r.kind == "app"],
        title_patterns=[r.pattern for r, _ in usable if r.kind == "title"],
    )
    return exclusions, tuple(compiled for r, compiled in usable if r.kind == "redact")


class CaptureRules:
    """The stored rules, checked before they are kept and in force at once: in `control` (which answers "would
    this window be captured?") and in the running `pipeline`, if any."""

    def __init__(self, store: Store, control: CaptureControl, pipeline: Pipeline | None = None,
                 exclude_defaults: bool = True):
        self.store = store
        self.control = control
        self.pipeline = pipeline
        self.exclude_defaults = exclude_defaults

    def list_rules(self, kind: str | None = None) -> list[PrivacyRule]:
        return self.store.capture.rules(kind)

    def add(self, kind: str, pattern: str) -> PrivacyRule:
        """Keep a rule of `kind` (app, title or redact); InvalidRule says why one cannot be."""
        if kind not in RULE_KINDS:
            raise InvalidRule(f"kind must be one of {', '.join(RULE_KINDS)}, not {kind!r}")
        pattern = check_app(pattern) if kind == "app" else pattern.strip()
        if kind != "app":
            check_pattern(pattern)
        rule = self.store.capture.add_rule(kind, pattern)
        self.apply()
        return rule

    def remove(self, rule_id: int) -> bool:
        """Remove a rule; False when there is none with that id."""
        if not self.store.capture.remove_rule(rule_id):
            return False
        self.apply()
        return True

    def apply(self) -> None:
        """Put the stored rules in force."""
        exclusions, patterns = privacy_rules(self.store, self.exclude_defaults)
        self.control.exclusions = exclusions
        if self.pipeline is not None:
            self.pipeline.guard.exclusions = exclusions
            self.pipeline.handoff.transcriber.extra_patterns = patterns
