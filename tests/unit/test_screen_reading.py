"""Which frames a vision model reads, within what budget, what it is sent, and what happens when it fails."""

import io
import socket
import struct

import numpy as np
import pytest
from PIL import Image, ImageDraw

from gumd.capture.reading import ScreenReading, changed_region, prepare
from gumd.models.vision import (
    ImagesRefused, LlamaCppVision, MissingProjector, OpenAIVision, gguf_architecture, is_loopback, resolve_vision,
)
from gumd.observers.base import CELL, Frame
from gumd.store import NewObservation, Store
from gumd.transcribe import Transcript


def closed_port_url() -> str:
    """A loopback URL nothing listens on: a request to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/v1"


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "g.db")
    yield s
    s.close()


def page(shade: int = 255, size=(640, 400)) -> Image.Image:
    return Image.new("RGB", size, (shade, shade, shade))


def stored(store, reading, image, app="xterm", title="notes", t=1.0, text="OCR text"):
    """Offer one frame as the pipeline does; the observation's id, or None when the frame was not chosen."""
    frame = Frame(at=t, image=image)
    choice = reading.choose(frame, app, title)
    obs = NewObservation(t, t, app, title, text, "", "screen")
    obs_id = store.observations.add(obs, "reading" if choice else "pending")
    if choice:
        reading.queue(obs_id, choice, frame, Transcript(obs, [[]]))
    return obs_id if choice else None


def reading_for(store, clock=None, **kw):
    return ScreenReading(store, OpenAIVision(closed_port_url(), "vlm", timeout_s=5), "vlm", clock=clock or Clock(),
                         **kw)


def test_the_first_frame_of_each_activity_is_read_and_a_later_one_only_when_much_changed(store):
    reading = reading_for(store, change_share=0.5)
    assert stored(store, reading, page(255)) is not None
    small = page(255)
    ImageDraw.Draw(small).rectangle((0, 0, 100, 40), fill="black")
    assert stored(store, reading, small) is None
    assert stored(store, reading, page(0)) is not None  # all of it changed
    assert stored(store, reading, page(0), title="another window") is not None  # a new activity
    assert reading.status().frames_skipped_unchanged == 1 and reading.status().frames_queued == 3


def test_the_hourly_budget_counts_the_frames_of_the_last_hour(store):
    clock = Clock()
    reading = reading_for(store, clock, frames_per_hour=2)
    assert [stored(store, reading, page(), title=f"w{i}") is not None for i in range(3)] == [True, True, False]
    clock.now += 3601
    assert stored(store, reading, page(), title="w3") is not None
    assert reading.status().frames_skipped_budget == 1


def test_without_a_reader_nothing_is_chosen_and_the_reason_is_shown(store):
    reading = ScreenReading(store, None, "vlm", error="vision model x needs its projector")
    assert stored(store, reading, page()) is None
    assert reading.status().reader is None and "projector" in reading.status().last_error


def test_a_model_that_cannot_be_reached_leaves_the_ocr_text_and_is_tried_again(store):
    reading = reading_for(store)
    obs_id = stored(store, reading, page())
    assert reading.read_queued() == 1
    obs = store.observations.get(obs_id)
    assert (obs.status, obs.text) == ("pending", "OCR text")
    status = reading.status()
    assert status.frames_failed == 1 and status.reader is not None and "cannot reach" in status.last_error
    assert stored(store, reading, page(0), title="next") is not None  # still offered frames


def test_a_full_queue_hands_its_oldest_on_unread(store):
    reading = reading_for(store, max_queued=2)
    ids = [stored(store, reading, page(), title=f"w{i}") for i in range(3)]
    assert store.observations.get(ids[0]).status == "pending" and reading.status().frames_dropped == 1
    reading.release()
    assert {store.observations.get(i).status for i in ids} == {"pending"}


def test_a_forgotten_observation_leaves_the_queue(store):
    reading = reading_for(store)
    kept, gone = stored(store, reading, page(), t=10.0), stored(store, reading, page(), title="x", t=20.0)
    reading.forgot(0.0, (gone,))
    assert reading.status().frames_queued == 1
    reading.forgot(15.0, ())
    assert reading.status().frames_queued == 0 and kept


def test_a_crash_hands_unread_observations_on_at_the_next_start(store):
    reading = reading_for(store)
    obs_id = stored(store, reading, page())
    assert store.batches.claim(8, 6000) is None
    assert store.batches.resume_interrupted() == 1
    assert store.observations.get(obs_id).status == "pending" and store.batches.claim(8, 6000) is not None


def test_the_changed_region_is_sent_when_it_is_a_part_of_the_screen():
    mask = np.zeros((50, 80), dtype=bool)
    mask[10:20, 5:30] = True
    assert changed_region(mask, 80 * CELL, 50 * CELL) == (5 * CELL - 16, 10 * CELL - 16, 30 * CELL + 16, 20 * CELL + 16)
    assert changed_region(np.ones((50, 80), dtype=bool), 80 * CELL, 50 * CELL) is None


def test_the_image_sent_is_a_downscaled_png_with_the_secret_lines_black():
    image = page(255, (2000, 1000))
    png = prepare(image, [(100, 100, 400, 50)], None, 1000)
    sent = Image.open(io.BytesIO(png))
    assert sent.format == "PNG" and sent.size == (1000, 500)
    assert sent.convert("L").crop((55, 55, 245, 72)).getextrema() == (0, 0)
    cropped = Image.open(io.BytesIO(prepare(image, [], (0, 0, 300, 200), 1000)))
    assert cropped.size == (300, 200)


@pytest.mark.parametrize("url, local", [
    ("http://127.0.0.1:8080/v1", True), ("http://localhost:11434/v1", True), ("http://[::1]:8000/v1", True),
    ("http://127.3.4.5/v1", True), ("https://gpu.home.arpa:8000/v1", False), ("http://192.168.1.20:8080/v1", False),
])
def test_only_loopback_urls_keep_screenshots_on_the_machine(url, local):
    assert is_loopback(url) is local


def gguf(path, architecture: str, before: int = 2):
    """A GGUF v3 header: `before` key/values (a string and an array of strings) and then general.architecture."""

    def string(s: str) -> bytes:
        return struct.pack("<Q", len(s.encode())) + s.encode()

    kvs = [string("general.name") + struct.pack("<I", 8) + string("test"),
           string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 2) + string("a") + string("b")][:before]
    kvs.append(string("general.architecture") + struct.pack("<I", 8) + string(architecture))
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs))
    return path


def test_a_gguf_header_says_its_architecture_without_loading_it(tmp_path):
    assert gguf_architecture(gguf(tmp_path / "m.gguf", "clip")) == "clip"
    assert gguf_architecture(gguf(tmp_path / "t.gguf", "qwen2", before=0)) == "qwen2"


def test_a_gguf_vision_model_without_its_projector_is_refused_before_loading(tmp_path):
    model, projector = gguf(tmp_path / "m.gguf", "smolvlm"), gguf(tmp_path / "mmproj.gguf", "clip")
    with pytest.raises(MissingProjector, match="needs its projector.*vlm_mmproj"):
        LlamaCppVision(model, None, threads=1, context=512)
    with pytest.raises(MissingProjector, match="does not exist"):
        LlamaCppVision(model, tmp_path / "absent.gguf", threads=1, context=512)
    with pytest.raises(MissingProjector, match="is not a projector.*'smolvlm'"):
        LlamaCppVision(model, model, threads=1, context=512)
    with pytest.raises(MissingProjector, match="is a projector, not a model"):
        LlamaCppVision(projector, projector, threads=1, context=512)
    reader = LlamaCppVision(model, projector, threads=1, context=512)
    assert reader.info()["loaded"] is False  # nothing big is read until the first image


def test_a_text_preset_or_one_not_pulled_is_named_with_what_to_do(tmp_path):
    with pytest.raises(ImagesRefused, match="does not read images"):
        resolve_vision("qwen2.5-0.5b-instruct", "", tmp_path)
    with pytest.raises(Exception, match="gumd models pull smolvlm2-500m"):
        resolve_vision("smolvlm2-500m", "", tmp_path)


def test_doctor_and_start_up_warn_when_screenshots_would_leave_the_machine(tmp_path):
    from gumd.doctor import check_screen_reader
    from gumd.models.vision import remote_screenshots_warning
    from tests.support.environment import settings_for

    remote = settings_for(tmp_path, screen_reader="both", vlm_url="https://gpu.example.net/v1", vlm_model="qwen2.5vl")
    assert "screenshots leave it" in remote_screenshots_warning(remote)
    assert check_screen_reader(remote).level == "warn"
    local = settings_for(tmp_path, screen_reader="vlm", vlm_url="http://127.0.0.1:8080/v1", vlm_model="smolvlm")
    assert remote_screenshots_warning(local) is None and check_screen_reader(local).level == "ok"
    assert remote_screenshots_warning(settings_for(tmp_path, vlm_url="https://gpu.example.net/v1")) is None  # ocr
    missing = check_screen_reader(settings_for(tmp_path, screen_reader="vlm"))
    assert missing.level == "fail" and "gumd models pull smolvlm2-500m" in missing.detail
