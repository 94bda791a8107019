"""What gumd writes to its log: private files that rotate, in the platform's log dir unless the data dir is
moved, and no screen text when a model's answer is malformed."""

from __future__ import annotations

import logging

from gumd.daemon import PrivateRotatingLog


def test_rotated_logs_stay_private(tmp_path):
    log_path = tmp_path / "logs" / "gumd.log"
    log_path.parent.mkdir()
    handler = PrivateRotatingLog(log_path, maxBytes=200, backupCount=2)
    logger = logging.getLogger("gumd.test.rotation")
    logger.addHandler(handler)
    try:
        for i in range(20):
            logger.warning("line %d of a log that rotates every 200 bytes", i)
    finally:
        logger.removeHandler(handler)
        handler.close()
    files = sorted(log_path.parent.iterdir())
    assert [f.name for f in files] == ["gumd.log", "gumd.log.1", "gumd.log.2"]
    assert {oct(f.stat().st_mode & 0o777) for f in files} == {"0o600"}


def test_log_goes_to_the_platform_log_dir_unless_the_data_dir_is_overridden(tmp_path):
    from gumd.config import default_log_dir, load_settings

    default = load_settings({}, environ={}, config_file=tmp_path / "none.toml")
    assert default.log_path == default_log_dir() / "gumd.log"
    assert "log" in default_log_dir().parts[-1].lower() or "Logs" in default_log_dir().parts
    moved = load_settings({"data_dir": str(tmp_path / "d")}, environ={}, config_file=tmp_path / "none.toml")
    assert moved.log_path == tmp_path / "d" / "gumd.log"
    chosen = load_settings({"data_dir": str(tmp_path / "d"), "log_dir": str(tmp_path / "l")}, environ={},
                           config_file=tmp_path / "none.toml")
    assert chosen.log_path == tmp_path / "l" / "gumd.log"


def test_a_malformed_model_answer_is_logged_without_the_screen_text_it_echoes(caplog):
    from pydantic import BaseModel

    from gumd.models.lm import Generation, LanguageModel, SchemaViolation

    secret_screen = "Dear Marta, the alarm code is 4417 and the key is under the blue pot"

    class EchoingModel(LanguageModel):  # a unit-test stand-in: answers with broken JSON quoting the screen
        name = "echo"

        def _generate(self, messages, schema, max_tokens, retry=False):
            return Generation(text='{"items": ["' + secret_screen, finish_reason="stop")

    class Answer(BaseModel):
        items: list[str]

    with caplog.at_level(logging.INFO):
        try:
            EchoingModel().complete_json([{"role": "user", "content": secret_screen}], Answer)
        except SchemaViolation as e:
            stored_error = str(e)
    assert "unusable answer" in caplog.text and "json_invalid" not in caplog.text
    assert "alarm code" not in caplog.text and "Marta" not in caplog.text
    assert "alarm code" not in stored_error  # the batch's error, stored and shown in status, is clean too
