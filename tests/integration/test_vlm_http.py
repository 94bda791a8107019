"""Screens read by a vision model over HTTP: the capture pipeline with a real store and Tesseract, frames drawn
with PIL, and a real OpenAI-compatible server on loopback that decodes the PNG it is sent and answers like a VLM.
No vision model weights are involved: this proves the protocol and what leaves the pipeline, not a model."""

import time

import pytest
from PIL import Image, ImageDraw, ImageFont

from gumd.capture.guard import WindowGuard
from gumd.capture.handoff import Handoff
from gumd.capture.pipeline import Pipeline
from gumd.capture.reading import ScreenReading
from gumd.capture.schedule import Schedule
from gumd.capture.writes import HeldWrites
from gumd.models.ocr import TesseractOcr, load_ocr
from gumd.models.vision import OpenAIVision
from gumd.observers.base import FocusChange, Frame, InputBurst
from gumd.observers.window import WindowInfo
from gumd.store import Store
from gumd.transcribe import Transcriber
from tests.support.vision_server import Seen, vision_server

FONT = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 30)
VAULT = (880, 560, 640, 300)  # left, top, width, height of the excluded window
VAULT_COLOUR = (214, 31, 163)
CARD = "4111 1111 1111 1111"


def desktop(extra: str = "") -> Image.Image:
    """A 1600x1000 screen: notes, a card number, and a password manager's window in a colour nothing else has."""
    image = Image.new("RGB", (1600, 1000), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(["Marigold field notes for Thursday", f"Card {CARD} expires 09/29", extra]):
        draw.text((60, 60 + 60 * i), line, fill="black", font=FONT)
    left, top, width, height = VAULT
    draw.rectangle((left, top, left + width - 1, top + height - 1), fill=VAULT_COLOUR)
    draw.text((left + 30, top + 40), "Vault: Zorblax-Pineapple", fill="white", font=FONT)
    return image


class Screens:
    def __init__(self, image):
        self.image = image

    def __call__(self, reason):
        return Frame(at=time.time(), image=self.image, reason=reason)


WINDOWS = [WindowInfo("xterm", "notes", rect=(0, 0, 860, 1000)), WindowInfo("KeePassXC", "vault.kdbx", rect=VAULT)]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "g.db")
    yield s
    s.close()


def capture(store, url, mode="vlm", frames_per_hour=60):
    """A pipeline whose frames go to the vision server at `url` as well as to Tesseract."""
    transcriber = Transcriber(load_ocr("tesseract"))
    reading = ScreenReading(store, OpenAIVision(url + "/v1", "smolvlm2"), mode, frames_per_hour=frames_per_hour,
                            redactions=transcriber.redactions)
    screens = Screens(desktop())
    p = Pipeline(Handoff(transcriber), HeldWrites(store), grab=screens, guard=WindowGuard(windows=lambda: WINDOWS),
                 schedule=Schedule(min_interval_s=0), reading=reading)
    return p, reading, screens


def test_the_screen_reaches_the_server_as_a_png_of_the_model_size_with_excluded_and_secret_parts_blank(store):
    seen = Seen(answer=f"A terminal shows Marigold field notes and the card {CARD}.")
    with vision_server(seen) as server:
        p, reading, _ = capture(store, server.url)
        obs_id = p.handle(FocusChange(at=1.0, app="xterm", title="notes"))
        stored = store.observations.get(obs_id)
        assert stored.status == "reading" and "Marigold" in stored.text  # OCR text first, durable
        assert store.batches.claim(8, 6000) is None  # the engine does not take it before the model has read it
        assert seen.images == []  # nothing is sent from the capture thread
        assert reading.read_queued() == 1
    image = seen.images[0]
    assert seen.formats == ["PNG"] and image.size == (1024, 640)  # downscaled to the model's input size
    left, top, width, height = (round(v * 0.64) for v in VAULT)
    vault = image.crop((left + 4, top + 4, left + width - 4, top + height - 4))  # off the resampled edges
    assert vault.getextrema() == ((0, 0), (0, 0), (0, 0))  # the excluded window is black, every pixel
    assert VAULT_COLOUR not in {c for _, c in image.getcolors(1 << 20)}
    read_back = " ".join(line.text for line in TesseractOcr().read(image.resize((1600, 1000))))
    assert "Marigold" in read_back and "4111" not in read_back and "Zorblax" not in read_back
    assert "xterm — notes" in seen.prompts[0]
    obs = store.observations.get(obs_id)
    assert obs.status == "pending" and obs.text.startswith("A terminal shows Marigold field notes")
    assert "4111" not in obs.text and reading.redactions["card_number"] >= 2  # the model's answer is redacted too
    assert reading.status().frames_read == 1 and reading.status().seconds_per_frame is not None


def test_both_keeps_the_ocr_text_and_adds_the_description(store):
    seen = Seen(answer="The user reads field notes in a terminal.")
    with vision_server(seen) as server:
        p, reading, _ = capture(store, server.url, mode="both")
        obs_id = p.handle(FocusChange(at=1.0, app="xterm", title="notes"))
        reading.read_queued()
    text = store.observations.get(obs_id).text
    assert "Marigold field notes" in text and text.endswith("\n\nThe user reads field notes in a terminal.")


def test_a_server_that_refuses_images_leaves_the_ocr_text_and_is_not_sent_more(store, caplog):
    seen = Seen(status=400, error="image input is not supported by this model")
    with vision_server(seen) as server:
        p, reading, screens = capture(store, server.url)
        first = p.handle(FocusChange(at=1.0, app="xterm", title="notes"))
        reading.read_queued()
        screens.image = desktop("Another line about sunflowers")
        second = p.handle(FocusChange(at=2.0, app="xterm", title="other notes"))
    assert len(seen.images) == 1
    for obs_id in (first, second):
        obs = store.observations.get(obs_id)
        assert obs.status == "pending" and "Marigold" in obs.text
    status = reading.status()
    assert status.frames_failed == 1 and status.reader is None
    assert "does not take images" in status.last_error and "image input is not supported" in status.last_error
    refused = [r for r in caplog.records if "does not take images" in r.getMessage()]
    assert len(refused) == 1 and "\n" not in refused[0].getMessage()


def test_one_frame_per_activity_unless_the_screen_changed_a_lot_and_no_more_than_the_budget(store):
    seen = Seen()
    with vision_server(seen) as server:
        p, reading, screens = capture(store, server.url, frames_per_hour=2)
        p.handle(FocusChange(at=1.0, app="xterm", title="notes"))
        screens.image = desktop("A small edit")
        small = p.handle(InputBurst(started_at=2.0, ended_at=3.0, keys=12))
        screens.image = Image.new("RGB", (1600, 1000), "black")
        ImageDraw.Draw(screens.image).text((60, 60), "A whole new page of ledgers", fill="white", font=FONT)
        big = p.handle(InputBurst(started_at=4.0, ended_at=5.0, keys=30))
        screens.image = desktop("Third window of the day")
        over = p.handle(FocusChange(at=6.0, app="xterm", title="third window"))
        reading.read_queued()
    assert store.observations.get(small).status == "pending"  # same activity, little changed: OCR only
    assert [store.observations.get(i).status for i in (big, over)] == ["pending", "pending"]
    assert store.observations.get(big).text == seen.answer
    assert "Marigold" in store.observations.get(over).text  # over the budget: its OCR text
    status = reading.status()
    assert (status.frames_read, status.frames_skipped_unchanged, status.frames_skipped_budget) == (2, 1, 1)
    assert seen.images[1].size == (1024, 640)


def test_start_up_warns_when_screenshots_would_leave_the_machine_and_a_missing_preset_leaves_ocr(tmp_path, caplog):
    from gumd.daemon import build_reading
    from tests.support.environment import settings_for

    store = Store(tmp_path / "g.db")
    transcriber = Transcriber(load_ocr("tesseract"))
    remote = build_reading(settings_for(tmp_path, screen_reader="both", vlm_url="https://gpu.example.net/v1",
                                        vlm_model="qwen2.5vl:3b"), store, transcriber)
    assert remote.reader is not None and remote.redactions is transcriber.redactions
    assert any("screenshots leave it" in r.getMessage() for r in caplog.records)
    missing = build_reading(settings_for(tmp_path, screen_reader="vlm"), store, transcriber)
    assert missing.reader is None and "gumd models pull smolvlm2-500m" in missing.status().last_error
    assert build_reading(settings_for(tmp_path), store, transcriber).status().mode == "ocr"
    store.close()
