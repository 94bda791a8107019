"""`gumd replay`: saved screenshots through the same pipeline, from the command line."""

from gumd.replay import replay
from gumd.store import Store
from tests.support.replay_session import make_session, run_gumd
from tests.support.screens import screen_with


def test_replay_stores_observations_with_their_window_and_input(tmp_path):
    make_session(tmp_path / "session")
    r = run_gumd(tmp_path, "replay", str(tmp_path / "session"), "--no-process")
    assert r.returncode == 0, r.stderr
    assert "2 frames (1 identical skipped" in r.stdout
    store = Store(tmp_path / "data" / "gumd.db")
    first, second = sorted(store.observations.newest(), key=lambda o: o.started_at)
    assert (first.app, first.title, first.source, first.status) == ("firefox", "PR 1423 - GitHub", "replay", "pending")
    assert "Priya" in first.text
    assert (second.app, second.title) == ("obsidian", "standup.md")
    assert second.input_summary == "30 keys, shortcuts ctrl+l" and second.started_at == 1005.0


def test_replay_runs_the_model_over_what_it_stored(tmp_path, model_path):
    make_session(tmp_path / "session")
    r = run_gumd(tmp_path, "replay", str(tmp_path / "session"), "--model", str(model_path))
    assert r.returncode == 0, r.stderr
    assert "failed" not in r.stdout.split("done:")[0]
    store = Store(tmp_path / "data" / "gumd.db")
    assert store.counts()["propositions"] >= 1
    assert {o.status for o in store.observations.newest()} == {"done"}


def test_a_broken_events_file_names_the_line(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    screen_with("x").save(folder / "a.png")
    (folder / "events.jsonl").write_text('{"t": 1, "type": "frame", "file": "a.png"}\n{"type": "focus"}\n')
    r = run_gumd(tmp_path, "replay", str(folder))
    assert r.returncode == 2 and "events.jsonl:2" in r.stderr
    r = run_gumd(tmp_path, "replay", str(tmp_path / "missing"))
    assert r.returncode == 2 and "not a directory" in r.stderr


def test_replay_at_a_speed_paces_events_by_their_recorded_times(tmp_path):
    make_session(tmp_path / "session")
    now = [0.0]
    seen: list[tuple[str, float]] = []

    class Recorder:
        def handle(self, event):
            seen.append((type(event).__name__, now[0]))

    def sleep(seconds):
        now[0] += seconds

    replay(tmp_path / "session", Recorder(), speed=2, clock=lambda: now[0], sleep=sleep)
    # recorded at 1000, 1001, (1003: a repeat of the frame before, skipped), 1009, 1010, 1011 s; at 2x:
    assert seen == [("FocusChange", 0.0), ("Frame", 0.5), ("InputBurst", 4.5), ("FocusChange", 5.0),
                    ("Frame", 5.5)]
    seen.clear()
    replay(tmp_path / "session", Recorder(), clock=lambda: now[0], sleep=sleep)  # no speed: no waiting
    assert {t for _, t in seen} == {now[0]}
