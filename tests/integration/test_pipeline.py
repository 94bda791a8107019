"""The capture pipeline with a real store and real Tesseract; frames drawn with PIL."""

import sqlite3
from collections import deque

import pytest

from gumd.models.ocr import TesseractOcr
from gumd.observers.base import FocusChange, Frame, InputBurst
from gumd.capture.handoff import Handoff
from gumd.capture.pipeline import Pipeline
from gumd.capture.schedule import Schedule
from gumd.capture.writes import HeldWrites
from gumd.privacy import CaptureControl
from gumd.store import Store
from gumd.transcribe import Transcriber
from tests.support.screens import screen_with


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "g.db")


def frames_from(images):
    queue = list(images)
    return lambda reason: Frame(at=0.0, image=queue.pop(0), reason=reason) if queue else None


def test_focus_change_captures_and_stores_text_app_title_and_input(store):
    pipeline = Pipeline(Handoff(Transcriber(TesseractOcr())), HeldWrites(store),
                        grab=frames_from([screen_with("Quarterly report"), screen_with("Quarterly report for Northwind")]),
                        schedule=Schedule(min_interval_s=0))
    first = pipeline.handle(FocusChange(at=100.0, app="libreoffice", title="report.odt"))
    assert store.observations.get(first).input_summary == ""
    obs_id = pipeline.handle(InputBurst(started_at=101.0, ended_at=104.0, keys=12, shortcuts=("ctrl+s",)))
    stored = store.observations.get(obs_id)
    assert "Northwind" in stored.text
    assert (stored.app, stored.title, stored.status, stored.source) == ("libreoffice", "report.odt", "pending", "screen")
    assert stored.input_summary == "12 keys, shortcuts ctrl+s"


def test_excluded_window_is_never_captured(store):
    grabs = []
    pipeline = Pipeline(Handoff(Transcriber(TesseractOcr())), HeldWrites(store),
                        grab=lambda reason: grabs.append(reason), schedule=Schedule(min_interval_s=0))
    assert pipeline.handle(FocusChange(at=1.0, app="KeePassXC", title="Passwords.kdbx")) is None
    assert pipeline.handle(FocusChange(at=2.0, app="firefox", title="Bank (Private Browsing)")) is None
    assert pipeline.handle(InputBurst(started_at=2.0, ended_at=3.0, keys=8)) is None
    assert grabs == [] and pipeline.guard.excluded == 3
    assert store.observations.newest() == []


def test_capture_inside_the_minimum_interval_is_deferred_not_lost(store):
    pipeline = Pipeline(Handoff(Transcriber(TesseractOcr())), HeldWrites(store),
                        grab=frames_from([screen_with("first screen"), screen_with("second screen typed")]),
                        schedule=Schedule(min_interval_s=5))
    assert pipeline.handle(FocusChange(at=100.0, app="xterm", title="shell")) is not None
    assert pipeline.handle(InputBurst(started_at=101.0, ended_at=102.0, keys=20)) is None
    assert pipeline.tick(103.0) is None
    later = pipeline.tick(105.5)
    assert later is not None and "second" in store.observations.get(later).text
    assert store.observations.get(later).input_summary == "20 keys"


def test_secrets_on_screen_are_redacted_before_storage(store, tmp_path):
    pipeline = Pipeline(Handoff(Transcriber(TesseractOcr())), HeldWrites(store),
                        grab=frames_from([screen_with("Deploy key AKIAIOSFODNN7EXAMPLE", "password: Tr0ub4dor&3")]),
                        schedule=Schedule(min_interval_s=0))
    obs_id = pipeline.handle(FocusChange(at=1.0, app="xterm", title="deploy"))
    text = store.observations.get(obs_id).text
    assert "AKIAIOSFODNN7EXAMPLE" not in text and "Tr0ub4dor" not in text
    assert "[REDACTED:aws_key]" in text and "[REDACTED:password]" in text
    store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert b"AKIAIOSFODNN7EXAMPLE" not in raw and b"Tr0ub4dor" not in raw


def test_nothing_is_captured_while_paused_and_capture_returns_on_resume(store):
    clock = [1000.0]
    control = CaptureControl(clock=lambda: clock[0])
    grabs = []
    pipeline = Pipeline(Handoff(Transcriber(TesseractOcr())), HeldWrites(store), schedule=Schedule(min_interval_s=0),
                        control=control, grab=lambda reason: grabs.append(reason) or Frame(0.0, screen_with("after resume"), reason))
    control.pause(minutes=10)
    assert pipeline.handle(FocusChange(at=1.0, app="xterm", title="shell")) is None
    assert pipeline.handle(InputBurst(started_at=1.0, ended_at=2.0, keys=30)) is None
    assert grabs == [] and pipeline.inputs == []
    clock[0] += 601  # the pause ran out
    obs_id = pipeline.handle(InputBurst(started_at=700.0, ended_at=701.0, keys=3))
    assert grabs == ["input"] and store.observations.get(obs_id).input_summary == "3 keys"


def test_observations_wait_in_memory_while_the_database_refuses_writes_and_are_written_in_order(tmp_path, monkeypatch):
    store = Store(tmp_path / "g.db")
    writes = HeldWrites(store, hold_max=2)
    pipeline = Pipeline(Handoff(Transcriber(TesseractOcr())), writes)
    add = store.observations.add

    def disk_full(obs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(store.observations, "add", disk_full)
    for i, line in enumerate(["Invoice 4471 paid by Halvorsen", "Ferry to Bergen at 07:45", "Crane tender due Thursday"]):
        assert pipeline.handle(Frame(at=1000.0 + i, image=screen_with(line), reason="test")) is None
    assert len(writes.held) == 2 and writes.dropped == 1  # over hold_max: the oldest goes, counted
    assert writes.store_error == "database or disk is full"
    monkeypatch.setattr(store.observations, "add", add)
    writes.flush()
    assert writes.held == deque() and writes.store_error is None and writes.stored == 2
    texts = [o.text for o in sorted(store.observations.newest(), key=lambda o: o.started_at)]
    assert "Bergen" in texts[0] and "Crane" in texts[1]
