"""The tray icon's state for each /v1/status answer, without a display."""

from gumd.tray import tray_state


def test_state_names_follow_the_status_answer():
    def status(capture="capturing", busy=False, error=None):
        return {"capture": {"state": capture, "paused_until": None}, "engine": {"busy": busy, "last_error": error}}

    assert tray_state(None) == "stopped"
    assert tray_state(status()) == "capturing"
    assert tray_state(status("paused")) == "paused"
    assert tray_state(status(busy=True)) == "processing"
    assert tray_state(status("paused", busy=True)) == "paused"  # a backlog in work does not hide a pause
    assert tray_state(status("off", busy=True)) == "processing"  # capture off by setting: the engine's work shows
    assert tray_state(status(busy=True, error="model: answer cut off")) == "error"
    assert tray_state(status("off")) == "off"
