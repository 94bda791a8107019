"""The capture side of /v1/status, assembled from the capture parts' own statuses, against its schema."""

import time

from gumd.api.schemas import CaptureStatus
from gumd.capture.handoff import Handoff
from gumd.capture.loop import CaptureLoop, Events, capture_status
from gumd.capture.pipeline import Pipeline
from gumd.capture.writes import HeldWrites
from gumd.models.ocr import TesseractOcr
from gumd.privacy import CaptureControl
from gumd.store import Store
from gumd.transcribe import Transcriber


def test_capture_status_fills_every_field_of_its_schema_and_no_other(tmp_path):
    store = Store(tmp_path / "g.db")
    control = CaptureControl(enabled=False)
    loop = CaptureLoop(Pipeline(Handoff(Transcriber(TesseractOcr())), HeldWrites(store), control=control), Events())
    status = capture_status(control, loop, None, time.time())
    CaptureStatus.model_validate(status)  # extra="forbid": a field the schema lacks fails here
    assert set(status) == set(CaptureStatus.model_fields)
    assert (status["state"], status["display"], status["last_error"]) == ("off", None, None)
    store.close()
