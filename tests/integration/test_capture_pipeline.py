"""The capture pipeline's decisions with a real store and real Tesseract; frames drawn with PIL, windows given."""

import time

import pytest
from PIL import Image, ImageDraw, ImageFont

from gumd.models.ocr import TesseractOcr, load_ocr
from gumd.observers.base import FocusChange, Frame, InputBurst, Presence
from gumd.observers.window import WindowInfo
from gumd.capture.guard import WindowGuard
from gumd.capture.handoff import Handoff
from gumd.capture.pipeline import Pipeline
from gumd.capture.presence import UserPresence
from gumd.capture.schedule import CpuBudget, Schedule, capture_cpu_seconds
from gumd.capture.writes import HeldWrites
from gumd.privacy import CaptureControl
from gumd.retention import FrameArchive
from gumd.store import NewProposition, Store
from gumd.transcribe import Transcriber

FONT = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 26)


def screen(lines, size=(1280, 600), at=(40, 40)):
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((at[0], at[1] + 44 * i), line, fill="black", font=FONT)
    return image


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "g.db")
    yield s
    s.close()


class Screens:
    """A grab() that returns whatever image is 'on screen' now, and counts the grabs."""

    def __init__(self, image):
        self.image, self.grabs = image, 0

    def __call__(self, reason):
        self.grabs += 1
        return Frame(at=time.time(), image=self.image, reason=reason)


def pipeline(store, grab, min_interval_s=0, heartbeat_s=30.0, idle_s=120.0, windows=None, locker=None, budget=None,
             cpu_clock=capture_cpu_seconds, control=None, archive=None):
    """A pipeline over real parts, each set up from the keywords that concern it."""
    return Pipeline(Handoff(Transcriber(load_ocr("tesseract")), archive=archive), HeldWrites(store), grab=grab,
                    control=control, guard=WindowGuard(windows=windows),
                    schedule=Schedule(min_interval_s, heartbeat_s, budget, cpu_clock),
                    presence=UserPresence(idle_s, locker))


def test_identical_frames_are_skipped_and_their_input_waits_for_the_next_new_one(store):
    screens = Screens(screen(["Invoice 2291 for Northwind"]))
    p = pipeline(store, screens)
    first = p.handle(FocusChange(at=1.0, app="xterm", title="invoices"))
    assert first is not None
    assert p.handle(InputBurst(started_at=2.0, ended_at=3.0, clicks=2)) is None  # the screen did not change
    screens.image = screen(["Invoice 2291 for Northwind", "Paid on 12 March"])
    later = p.handle(InputBurst(started_at=4.0, ended_at=5.0, keys=7))
    assert screens.grabs == 3 and (p.handoff.frames_new, p.handoff.frames_duplicate) == (2, 1)
    assert "Paid" in store.observations.get(later).text
    assert store.observations.get(later).input_summary == "2 clicks; 7 keys"


def test_heartbeat_captures_while_active_and_nothing_while_idle_or_locked(store):
    screens = Screens(screen(["Reading the design review"]))
    p = pipeline(store, screens, heartbeat_s=30, idle_s=120)
    p.handle(FocusChange(at=1000.0, app="evince", title="review.pdf"))
    p.handle(InputBurst(started_at=1000.0, ended_at=1001.0, scrolls=3))
    assert screens.grabs == 2
    assert p.tick(1020.0) is None and screens.grabs == 2  # heartbeat not due yet
    screens.image = screen(["Reading the design review", "Section 3: storage"])
    assert p.tick(1032.0) is not None and screens.grabs == 3  # 30 s heartbeat while active
    p.tick(1125.0)  # 124 s without input: idle
    assert p.presence.state == "idle"
    p.handle(FocusChange(at=1130.0, app="evince", title="other.pdf"))
    p.tick(1200.0)
    assert screens.grabs == 3
    p.handle(Presence(at=1210.0, state="active", since=1209.5))
    p.handle(Presence(at=1211.0, state="locked", since=1209.5))
    p.handle(FocusChange(at=1212.0, app="evince", title="third.pdf"))
    p.tick(1300.0)
    assert screens.grabs == 3 and p.presence.state == "locked"


def test_an_excluded_window_elsewhere_on_screen_is_blanked_before_ocr(store, tmp_path):
    image = screen(["Quarterly plan draft"], size=(1280, 700))
    ImageDraw.Draw(image).text((700, 400), "Vault: Zorblax-Pineapple", fill="black", font=FONT)
    windows = [WindowInfo("xterm", "plan", rect=(0, 0, 640, 700)),
               WindowInfo("KeePassXC", "vault.kdbx", rect=(660, 380, 600, 100))]
    p = pipeline(store, Screens(image), windows=lambda: windows)
    obs_id = p.handle(FocusChange(at=1.0, app="xterm", title="plan"))
    assert "Quarterly" in store.observations.get(obs_id).text
    assert p.guard.blanked == 1
    store.close()
    raw = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.is_file())
    assert b"Zorblax" not in raw and b"vault.kdbx" not in raw


def test_excluded_window_that_cannot_be_placed_drops_the_frame(store):
    windows = [WindowInfo("bitwarden", "Vault", rect=None)]
    p = pipeline(store, Screens(screen(["anything"])), windows=lambda: windows)
    assert p.handle(FocusChange(at=1.0, app="xterm", title="shell")) is None
    assert p.guard.excluded == 1 and store.observations.newest() == []


def test_only_the_changed_rows_are_read_again_and_the_text_is_whole(store):
    lines = [f"Line {i}: the harbour ledger entry {i * 37}" for i in range(10)]
    screens = Screens(screen(lines, size=(1280, 560)))
    p = pipeline(store, screens)
    p.handle(FocusChange(at=1.0, app="xterm", title="ledger"))
    lines[6] = "Line 6: AMENDED entry for Rotterdam"
    screens.image = screen(lines, size=(1280, 560))
    obs = store.observations.get(p.handle(InputBurst(started_at=2.0, ended_at=3.0, keys=20)))
    stats = p.handoff.transcriber.stats
    assert stats.partial == 1 and stats.rows_read < 560 + 560 // 4
    full = Transcriber(TesseractOcr()).read(Frame(at=0, image=screens.image))
    assert sorted(obs.text.split()) == sorted(" ".join(line.text for line in full).split())  # same words
    assert "AMENDED entry for Rotterdam" in obs.text and "Line 9" in obs.text


def test_only_the_changed_region_of_a_row_is_read_again_and_the_side_text_is_kept(store):
    left = [f"Notes {i}: harbour ledger" for i in range(8)]
    right = [f"Queue {i}: ferry timetable" for i in range(8)]

    def two_columns():
        image = screen(left, size=(1600, 480))
        for i, line in enumerate(right):  # the right column, far from the left one
            ImageDraw.Draw(image).text((960, 40 + 44 * i), line, fill="black", font=FONT)
        return image

    screens = Screens(two_columns())
    p = pipeline(store, screens)
    p.handle(FocusChange(at=1.0, app="xterm", title="two panes"))
    right[3] = "Queue 3: walrus almanac"
    screens.image = two_columns()
    before = p.handoff.transcriber.stats.pixels_read
    obs = store.observations.get(p.handle(InputBurst(started_at=2.0, ended_at=3.0, keys=12)))
    assert p.handoff.transcriber.stats.pixels_read - before < 1600 * 480 // 10  # one line of one column, not the row
    assert "Queue 3: walrus almanac" in obs.text and "Notes 3: harbour ledger" in obs.text
    assert obs.text.count("Queue 3") == 1  # the old line 3 is gone


def test_focus_spans_merge_heartbeats_and_end_at_focus_change_gap_and_idle(store):
    p = pipeline(store, None, heartbeat_s=30, idle_s=120)  # spans merge beats up to 5 s apart
    p.handle(FocusChange(at=100.0, app="firefox", title="Inbox - Mail - Mozilla Firefox", page_title="Inbox - Mail"))
    p.handle(InputBurst(started_at=100.0, ended_at=101.0, keys=3))
    for t in range(101, 140):
        p.tick(float(t))
    p.handle(FocusChange(at=140.0, app="code", title="main.py"))
    p.handle(InputBurst(started_at=140.0, ended_at=141.0, keys=1))
    for t in range(141, 150):
        p.tick(float(t))
    p.tick(205.0)  # no tick for 55 s (the machine slept): the span ends at its last beat, a new one starts
    p.tick(206.0)
    p.tick(262.0)  # 121 s since the last input: idle, and the new span ends where the input stopped
    assert p.presence.state == "idle"
    spans = sorted(store.capture.list_spans(), key=lambda s: s.started_at)
    assert [(s.app, s.started_at, s.ended_at) for s in spans] == [("firefox", 100.0, 140.0), ("code", 140.0, 149.0)]
    assert spans[0].page_title == "Inbox - Mail"


def test_pause_stops_spans_and_capture_and_a_forget_drops_what_is_in_flight(store):
    control = CaptureControl()
    screens = Screens(screen(["Before the pause"]))
    p = pipeline(store, screens, control=control)
    p.handle(FocusChange(at=1.0, app="xterm", title="a"))
    control.pause()
    p.tick(2.0)
    p.handle(FocusChange(at=3.0, app="xterm", title="b"))
    assert screens.grabs == 1 and [s.title for s in store.capture.list_spans()] == ["a"]
    control.resume()
    p.handle(InputBurst(started_at=4.0, ended_at=5.0, keys=4))
    p.forgot(until=6.0)
    screens.image = screen(["After the forget"])
    assert p.handle(InputBurst(started_at=5.5, ended_at=6.5, keys=2)) is None  # started inside the forgotten span
    assert p.handle(FocusChange(at=7.0, app="xterm", title="c")) is not None


def test_forget_deletes_observations_evidence_orphaned_propositions_and_spans(store, tmp_path):
    capture = store.capture
    from gumd.store import NewObservation

    def obs(t, text):
        return store.observations.add(NewObservation(t, t + 5, "xterm", "notes", text, "", "screen"))

    old, inside, also = obs(100, "Harbourmaster schedule"), obs(1000, "Quibbleflux merger memo"), obs(1010, "zzz")
    only_inside = store.propositions.add(NewProposition("Works on the Quibbleflux merger", "memo", 7, 5), [inside])
    mixed = store.propositions.add(NewProposition("Reads schedules", "seen twice", 6, 5), [old, also])
    from gumd.store.capture import FocusSpan
    capture.add_spans([FocusSpan(90, 200, "xterm", "notes"), FocusSpan(950, 1100, "xterm", "Quibbleflux memo"),
                       FocusSpan(500, 2000, "xterm", "long")])
    done = capture.forget(900, 1200)
    assert (done.observations, done.propositions, done.focus_spans) == (2, 1, 2)
    assert store.observations.get(inside) is None and store.observations.get(old) is not None
    assert store.propositions.get(only_inside) is None
    assert store.propositions.get(mixed).evidence_count == 1
    assert store.search.observations("Quibbleflux") == [] and store.search.propositions("Quibbleflux") == []
    spans = sorted((s.started_at, s.ended_at, s.title) for s in capture.list_spans())
    assert spans == [(90, 200, "notes"), (500, 900, "long"), (1200, 2000, "long")]
    store.close()
    raw = b"".join(f.read_bytes() for f in tmp_path.iterdir() if f.is_file()).lower()
    assert b"quibbleflux" not in raw  # FTS5 index segments and the WAL included


def test_kept_screenshots_have_secrets_blanked_and_stay_within_budget(store, tmp_path):
    archive = FrameArchive(tmp_path / "frames", budget_bytes=20_000)
    screens = Screens(screen(["Deploy notes", "password: Hunter2Zebra"]))
    p = pipeline(store, screens, archive=archive)
    obs_id = p.handle(FocusChange(at=1.0, app="xterm", title="deploy"))
    [path] = archive.paths(obs_id)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "frames").stat().st_mode & 0o777) == "0o700"
    kept = Image.open(path).convert("RGB")
    again = Transcriber(TesseractOcr()).read(Frame(at=0, image=kept))
    assert any("Deploy" in line.text for line in again) and not any("Hunter2" in line.text for line in again)
    for i in range(12):
        screens.image = screen([f"Page {i} of the long manual", "x" * (i + 5)])
        p.handle(FocusChange(at=2.0 + i, app="xterm", title=f"manual {i}"))
    assert archive.used_bytes <= 20_000 and archive.paths(obs_id) == []


def test_cpu_budget_counts_the_window_and_says_how_long_to_wait():
    b = CpuBudget(0.1, window_s=10)  # 1 CPU-s per 10 s
    b.spend(0.0, 0.4)
    assert b.allows(0.0) and b.used(0.0) == pytest.approx(0.04)  # 0.4 spent + 0.4 expected fit
    b.spend(1.0, 0.4)
    assert not b.allows(1.0)  # 0.8 spent + 0.4 expected would overshoot: not taken
    assert b.wait_s(1.0) == pytest.approx(9.0)  # once the first capture leaves the window
    assert not b.allows(9.9) and b.allows(10.0) and b.used(10.0) == pytest.approx(0.04)
    huge = CpuBudget(0.1, window_s=10)
    huge.spend(0.0, 5.0)  # one capture over the whole allowance
    assert not huge.allows(9.0) and huge.allows(10.0)  # waits for the window, never forever
    assert CpuBudget(0.0).allows(0.0)  # 0 is no budget


class FakeCpu:
    """A CPU clock that a grab advances by `per_grab` seconds, as if grabbing and reading cost that much."""

    def __init__(self, per_grab):
        self.now, self.per_grab = 0.0, per_grab

    def __call__(self):
        return self.now


def test_over_the_cpu_budget_a_capture_is_deferred_then_taken_with_the_newest_screen(store):
    cpu = FakeCpu(per_grab=1.0)
    screens = Screens(screen(["Draft one of the harbour memo"]))
    grab = screens.__call__

    def costly(reason):
        cpu.now += cpu.per_grab
        return grab(reason)

    p = pipeline(store, costly, min_interval_s=2, heartbeat_s=1000, budget=CpuBudget(0.1, window_s=20),
                 cpu_clock=cpu)
    assert p.handle(FocusChange(at=100.0, app="xterm", title="memo")) is not None  # 1 CPU-s of 2 allowed
    screens.image = screen(["Draft two of the harbour memo"])
    assert p.handle(InputBurst(started_at=102.0, ended_at=103.0, keys=9)) is not None  # now 2 of 2: spent
    screens.image = screen(["Draft three of the harbour memo"])
    assert p.handle(InputBurst(started_at=105.0, ended_at=106.0, keys=5)) is None
    screens.image = screen(["Draft four of the harbour memo"])
    assert p.handle(InputBurst(started_at=107.0, ended_at=108.0, clicks=1)) is None
    assert p.schedule.deferred == 1 and screens.grabs == 2  # one capture put off, however often it was asked for
    assert p.tick(115.0) is None and screens.grabs == 2  # still over budget
    assert p.schedule.budget.wait_s(115.0) == pytest.approx(5.0)
    obs = store.observations.get(p.tick(120.0))  # the first capture left the window: taken now
    assert "four" in obs.text and "three" not in obs.text  # the screen as it is when taken
    assert obs.input_summary == "5 keys; 1 clicks"  # the input while it waited is kept
    assert p.schedule.deferred_wait_s == pytest.approx(14.0) and p.schedule.cpu_s == pytest.approx(3.0)


def test_while_a_screen_locker_shows_nothing_is_grabbed_and_no_focus_span_or_input_is_kept(store):
    screens = Screens(screen(["Quarterly ledger for Northwind"]))
    showing = {"locker": "i3lock"}
    p = pipeline(store, screens, locker=lambda: showing["locker"], heartbeat_s=1000)
    assert p.handle(FocusChange(at=1.0, app="xterm", title="ledger")) is None
    p.handle(InputBurst(started_at=2.0, ended_at=3.0, keys=12))  # a password typed into the locker
    p.tick(4.0)
    assert screens.grabs == 0 and p.presence.locked_skips == 2 and store.capture.list_spans() == []
    showing["locker"] = None
    obs = store.observations.get(p.handle(InputBurst(started_at=10.0, ended_at=11.0, clicks=1)))
    assert "Northwind" in obs.text and obs.input_summary == "1 clicks"  # the keys typed while locked are gone
