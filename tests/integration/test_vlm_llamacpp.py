"""The in-process vision backend wired up to llama-cpp-python's multimodal chat handler, as far as these
machines allow: no vision weights can be downloaded here, so the packaged text model stands in for the model
and a GGUF header of architecture "clip" for its projector. What is proved: the checks that run before
anything is loaded, and that the handler is built with the projector and fails with one clear line."""

import struct

import pytest
from PIL import Image

from gumd.capture.reading import ScreenReading
from gumd.models.vision import ImagesRefused, LlamaCppVision, MissingProjector, load_screen_reader
from gumd.observers.base import Frame
from gumd.store import NewObservation, Store
from gumd.transcribe import Transcript
from tests.support.environment import settings_for


def projector_header(path):
    """A GGUF that says it is a projector (general.architecture = clip) and holds no tensors."""
    def string(s: str) -> bytes:
        return struct.pack("<Q", len(s)) + s.encode()

    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + string("general.architecture") + struct.pack("<I", 8)
                     + string("clip"))
    return path


def test_the_settings_name_a_gguf_model_and_its_projector(tmp_path, model_path):
    with pytest.raises(MissingProjector, match="needs its projector"):
        load_screen_reader(settings_for(tmp_path, screen_reader="vlm", vlm_model=str(model_path)))
    with pytest.raises(MissingProjector, match="is not a projector .*'qwen2'"):
        load_screen_reader(settings_for(tmp_path, screen_reader="vlm", vlm_model=str(model_path),
                                        vlm_mmproj=str(model_path)))
    reader = load_screen_reader(settings_for(tmp_path, screen_reader="vlm", vlm_model=str(model_path),
                                             vlm_mmproj=str(projector_header(tmp_path / "mmproj.gguf"))))
    assert isinstance(reader, LlamaCppVision) and reader.info()["handler"] == "mtmd"


def test_a_projector_that_does_not_fit_the_model_is_one_clear_line_and_the_ocr_text_stays(tmp_path, model_path):
    reader = LlamaCppVision(model_path, projector_header(tmp_path / "mmproj.gguf"), threads=2, context=1024)
    store = Store(tmp_path / "g.db")
    reading = ScreenReading(store, reader, "vlm")
    frame = Frame(at=1.0, image=Image.new("RGB", (320, 200), "white"))
    obs = NewObservation(1.0, 1.0, "xterm", "notes", "Marigold field notes", "", "screen")
    obs_id = store.observations.add(obs, "reading")
    reading.queue(obs_id, reading.choose(frame, "xterm", "notes"), frame, Transcript(obs, [[]]))
    reading.read_queued()
    assert store.observations.get(obs_id).text == "Marigold field notes"
    status = reading.status()
    assert status.reader is None and status.frames_failed == 1
    assert "cannot read images" in status.last_error and "Failed to load mtmd context" in status.last_error
    assert "\n" not in status.last_error
    with pytest.raises(ImagesRefused):
        reader.describe(b"", "")
    store.close()
