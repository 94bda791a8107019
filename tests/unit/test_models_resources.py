"""Resource care: lazy load, idle unload, priority, power source, and the settings that steer them."""

from __future__ import annotations

import os
import threading
import time
import tomllib
from pathlib import Path

import pytest
from tests.support.environment import settings_for, wait_for

from gumd.config import ConfigError, save_setting
from gumd.models.resources import LazyModel, batch_interval, on_battery


class Weights:
    """A stand-in for a loaded model that knows whether it was closed."""

    def __init__(self, log: list[str]):
        self.log = log
        log.append("load")

    def close(self) -> None:
        self.log.append("close")


def test_model_loads_on_first_call_and_unloads_after_idle_period():
    log: list[str] = []
    lazy = LazyModel("weights", lambda: Weights(log), idle_unload_s=0.2, close=Weights.close)
    assert log == [] and not lazy.loaded
    assert lazy.call(lambda w: w.log is log) and lazy.call(lambda w: True)
    assert log == ["load"]
    wait_for(lambda: not lazy.loaded, 10, what="idle unload")
    assert log == ["load", "close"]
    lazy.call(lambda w: True)
    assert log == ["load", "close", "load"] and lazy.loaded


def test_a_call_longer_than_the_idle_period_does_not_unload_the_model_after_it():
    log: list[str] = []
    lazy = LazyModel("weights", lambda: Weights(log), idle_unload_s=1.0, close=Weights.close)
    lazy.call(lambda w: None)
    lazy.call(lambda w: time.sleep(2.5))  # the idle timer fires while this runs
    lazy.call(lambda w: None)
    assert log == ["load"]


def test_ready_starts_one_load_and_waits_for_it_no_longer_than_asked():
    log: list[str] = []
    release = threading.Event()
    lazy = LazyModel("weights", lambda: release.wait(10) and Weights(log))
    started = time.monotonic()
    assert not lazy.ready(0.2) and not lazy.ready(0.2)  # the load goes on behind
    assert time.monotonic() - started < 5 and log == []
    release.set()
    assert lazy.ready(10) and lazy.loaded and lazy.ready(0)
    assert log == ["load"]


def test_model_work_thread_is_niced_and_errors_reach_the_caller():
    lazy = LazyModel("weights", lambda: Weights([]), nice=3)
    with pytest.raises(ZeroDivisionError):
        lazy.call(lambda w: 1 / 0)
    assert os.getpriority(os.PRIO_PROCESS, lazy.thread_id) >= 3
    assert lazy.loaded and lazy.idle_unload_s == 0


def power_supply(root: Path, **supplies: dict[str, str]) -> Path:
    for name, files in supplies.items():
        (root / name).mkdir(parents=True)
        for key, value in files.items():
            (root / name / key).write_text(value + "\n")
    return root


def test_power_source_is_read_from_sysfs(tmp_path):
    plugged = power_supply(tmp_path / "a", AC={"type": "Mains", "online": "1"},
                           BAT0={"type": "Battery", "present": "1", "status": "Charging"})
    unplugged = power_supply(tmp_path / "b", AC={"type": "Mains", "online": "0"},
                             BAT0={"type": "Battery", "present": "1", "status": "Discharging"})
    desktop = power_supply(tmp_path / "c", AC={"type": "Mains", "online": "1"})
    assert on_battery(plugged) is False
    assert on_battery(unplugged) is True
    assert on_battery(desktop) is False
    assert on_battery(tmp_path / "absent") is None


def test_batches_slow_down_or_wait_on_battery():
    assert batch_interval(60, 900, battery=False) == 60
    assert batch_interval(60, 900, battery=None) == 60
    assert batch_interval(60, 900, battery=True) == 900
    assert batch_interval(60, 0, battery=True) is None


@pytest.mark.parametrize("key, value", [
    ("model_nice", "25"), ("model_timeout_s", "0"), ("model_json_mode", "xml"), ("model_url", "gpu-box:8080"),
    ("embedder", "bert"), ("model_prompt_cache_mb", "-1"), ("battery_batch_interval_s", "-5"),
])
def test_bad_model_settings_are_refused_with_what_is_allowed(tmp_path, key, value):
    with pytest.raises(ConfigError, match=f"{key} = .*expected"):
        settings_for(tmp_path, **{key: value})


def test_model_settings_from_the_environment(tmp_path):
    from gumd.config import load_settings

    s = load_settings(environ={"GUMD_MODEL_URL": "http://gpu-box:8080/v1", "GUMD_MODEL_API_KEY": "sk-1",
                               "GUMD_MODEL_NICE": "0"}, config_file=tmp_path / "absent.toml")
    assert (s.model_url, s.model_api_key, s.model_nice) == ("http://gpu-box:8080/v1", "sk-1", 0)
    assert "sk-1" not in repr(s)


def test_save_setting_replaces_one_key_and_keeps_the_rest(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('# my settings\nmodel = "old"\nmodel_threads = 2\n')
    save_setting("model", 'C:\\models\\"odd".gguf', config)
    save_setting("model_nice", "4", config)
    assert config.read_text().startswith("# my settings\n")
    assert tomllib.loads(config.read_text()) == {"model": 'C:\\models\\"odd".gguf', "model_threads": 2, "model_nice": 4}
    with pytest.raises(ConfigError):
        save_setting("model_nice", "99", config)
