"""Settings: defaults, file, environment and flags in that order; refusals that name the key; a private data dir."""

import os
import stat

import pytest

from gumd.config import ConfigError, Settings, ensure_data_dir, load_settings


def test_defaults_then_file_then_env_then_flags(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('model = "from-file.gguf"\nbatch_interval_s = 30\nlog_level = "warning"\n')
    s = load_settings({}, environ={}, config_file=cfg)
    assert (s.model, s.batch_interval_s, s.log_level) == ("from-file.gguf", 30.0, "WARNING")
    s = load_settings({}, environ={"GUMD_MODEL": "from-env.gguf", "GUMD_BATCH_INTERVAL_S": "12"}, config_file=cfg)
    assert (s.model, s.batch_interval_s) == ("from-env.gguf", 12.0)
    s = load_settings({"model": "from-flag.gguf"}, environ={"GUMD_MODEL": "from-env.gguf"}, config_file=cfg)
    assert s.model == "from-flag.gguf"
    assert s.batch_max_observations == Settings().batch_max_observations


def test_data_dir_sets_db_socket_and_log_paths(tmp_path):
    s = load_settings({}, environ={"GUMD_DATA_DIR": str(tmp_path / "d")}, config_file=tmp_path / "none.toml")
    assert s.db_path == tmp_path / "d" / "gumd.db"
    assert s.socket_path.parent == s.log_path.parent == tmp_path / "d"


@pytest.mark.parametrize(
    "source, key, expected",
    [
        ({"log_level": "LOUD"}, "log_level", "DEBUG, INFO, WARNING, ERROR"),
        ({"model_threads": "0"}, "model_threads", ">= 1"),
        ({"batch_interval_s": "soon"}, "batch_interval_s", "seconds"),
        ({"capture": "maybe"}, "capture", "true or false"),
        ({"ocr": "magic"}, "ocr", "tesseract"),
    ],
)
def test_bad_value_names_the_key_and_the_allowed_values(tmp_path, source, key, expected):
    with pytest.raises(ConfigError) as e:
        load_settings(source, environ={}, config_file=tmp_path / "none.toml")
    message = str(e.value)
    assert key in message and expected in message and "\n" not in message


def test_unknown_key_in_file_or_env_is_refused(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("modle = 'typo'\n")
    with pytest.raises(ConfigError, match="unknown setting 'modle'"):
        load_settings({}, environ={}, config_file=cfg)
    with pytest.raises(ConfigError, match="GUMD_COLOUR"):
        load_settings({}, environ={"GUMD_COLOUR": "red"}, config_file=tmp_path / "none.toml")


def test_broken_toml_is_a_config_error(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("model = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({}, environ={}, config_file=cfg)


def test_data_dir_is_private(tmp_path):
    s = load_settings({"data_dir": str(tmp_path / "private")}, environ={}, config_file=tmp_path / "none.toml")
    path = ensure_data_dir(s)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700


def test_the_log_file_is_opened_without_following_a_symlink(tmp_path):
    from gumd.daemon import PrivateRotatingLog

    target = tmp_path / "elsewhere.txt"
    target.write_text("")
    (tmp_path / "gumd.log").symlink_to(target)
    with pytest.raises(OSError):  # ELOOP: even when the link appears after the start-up check
        PrivateRotatingLog(str(tmp_path / "gumd.log"))
    assert target.read_text() == ""
