"""The privacy rules in force: built-in exclusions (unless turned off) plus the user's stored rules."""

from __future__ import annotations

import logging

from gumd.capture.pipeline import Pipeline
from gumd.config import Settings
from gumd.privacy import CaptureControl, Exclusions, InvalidRule, UserPattern, check_app, check_pattern
from gumd.store import Store

log = logging.getLogger(__name__)


def privacy_rules(settings: Settings, store: Store) -> tuple[Exclusions, tuple[UserPattern, ...]]:
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
        settings.exclude_defaults,
        apps=[r.pattern for r, _ in usable if r.kind == "app"],
        title_patterns=[r.pattern for r, _ in usable if r.kind == "title"],
    )
    return exclusions, tuple(compiled for r, compiled in usable if r.kind == "redact")


def apply_rules(settings: Settings, store: Store, control: CaptureControl, pipeline: Pipeline) -> None:
    """Put the rules in force now into the control (for "would this be captured?") and the pipeline."""
    exclusions, patterns = privacy_rules(settings, store)
    control.exclusions = pipeline.guard.exclusions = exclusions
    pipeline.handoff.transcriber.extra_patterns = patterns
