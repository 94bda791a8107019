"""Behaviour statistics become propositions without a model, versioned when the numbers change."""

import datetime as dt
import time
from types import SimpleNamespace

import pytest

from gumd.propositions.statistics import compute, refresh
from gumd.store import NewObservation, Store

DAY = 86400.0


def seed(store, now, days=4):
    """Each of the `days` days before `now`'s: 09:00-11:00 local time in code on 'gumd - main.py', then an hour of
    firefox, observations every 5 min (at a fixed hour, so no day's hours run past midnight)."""
    nine = dt.datetime.combine(dt.date.fromtimestamp(now), dt.time(9)).timestamp()
    for d in range(days):
        base = nine - (d + 1) * DAY
        for i in range(24):
            store.observations.add(NewObservation(base + i * 300, base + i * 300 + 5, "code", "gumd - main.py", "x", "", "test"))
        for i in range(12):
            t = base + 7200 + i * 300
            store.observations.add(NewObservation(t, t + 5, "firefox", f"Search {i}", "y", "", "test"))


def test_main_apps_rhythm_and_recurring_titles_with_confidence_from_counts(tmp_path):
    store = Store(tmp_path / "g.db")
    now = time.time()
    seed(store, now)
    facts = {key: prop for key, prop, _ in compute(store, now)}
    assert "app:code" in facts and "app:firefox" in facts
    assert "about 67%" in facts["app:code"].text and "about 33%" in facts["app:firefox"].text
    assert "title:code:gumd - main.py" in facts and "rhythm:hours" in facts
    assert not any(k.startswith("title:firefox") for k in facts)  # no firefox title recurs 5 times
    assert facts["app:code"].confidence > facts["app:firefox"].confidence >= 3
    assert all(1 <= p.confidence <= 10 and 1 <= p.decay <= 10 for p in facts.values())


def test_refresh_writes_once_and_versions_a_change(tmp_path):
    store = Store(tmp_path / "g.db")
    now = time.time()
    seed(store, now, days=2)
    first = refresh(store, now)
    assert first and refresh(store, now) == []
    code = store.propositions.by_stat_key("app:code")
    assert code.origin == "statistics" and store.propositions.get(code.id).evidence
    for i in range(60):  # a long afternoon in firefox shifts the shares
        t = now - 3600 * 5 + i * 60
        store.observations.add(NewObservation(t, t + 5, "firefox", "Docs", "z", "", "test"))
    refresh(store, now)
    history = store.propositions.history(code.id)
    assert [p.status for p in history] == ["superseded", "active"] and history[0].text != history[1].text


def test_a_database_that_refuses_writes_costs_the_hourly_run_a_warning_not_a_crash(tmp_path, monkeypatch, caplog):
    import sqlite3

    from gumd import workers

    def disk_full(store):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(workers.statistics, "refresh", disk_full)
    jobs = workers.PeriodicJobs(Store(tmp_path / "g.db"), nap=SimpleNamespace(follow=lambda: None))
    jobs._refresh_statistics()  # raised out of the scheduler's job before: a traceback in the log every hour
    assert "behaviour statistics not written (database or disk is full)" in caplog.text

    def bug(store):
        raise KeyError("app")

    monkeypatch.setattr(workers.statistics, "refresh", bug)
    with pytest.raises(KeyError):  # a bug still surfaces
        jobs._refresh_statistics()
