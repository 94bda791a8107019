"""Settings through the `gumd` command: what it refuses before it starts (a bad value, a data dir of another
user, a symlinked log or database; each stops with one line and writes nothing), and `gumd config reference`."""

import os
import stat
import subprocess

from gumd.settings import reference
from tests.support.environment import GUMD


def test_cli_stops_on_a_bad_value_with_one_line(tmp_path):
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml"), "GUMD_BATCH_MAX_OBSERVATIONS": "9999"}
    r = subprocess.run([*GUMD, "--data-dir", str(tmp_path), "status"], env=env, capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1
    assert "batch_max_observations" in r.stderr and "from 1 to 200" in r.stderr


NOBODY = 65534


def test_a_data_dir_of_another_user_is_refused_before_anything_is_written(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    os.chmod(theirs, 0o777)
    os.chown(theirs, NOBODY, NOBODY)
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    r = subprocess.run([*GUMD, "--data-dir", str(theirs), "run", "--no-capture"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert f"belongs to uid {NOBODY}" in r.stderr and "Traceback" not in r.stderr
    assert list(theirs.iterdir()) == [] and stat.S_IMODE(theirs.stat().st_mode) == 0o777  # not chmodded either


def test_a_symlinked_log_or_database_in_the_data_dir_is_refused_and_not_written_through(tmp_path):
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    for name in ("gumd.log", "gumd.db", "gumd.lock"):
        data, target = tmp_path / f"data-{name}", tmp_path / f"target-{name}"
        data.mkdir(mode=0o700)
        target.write_text("")
        (data / name).symlink_to(target)
        r = subprocess.run([*GUMD, "--data-dir", str(data), "run", "--no-capture"], env=env, capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 2 and "is a symlink" in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert target.read_text() == "" and sorted(p.name for p in data.iterdir()) == [name]


def test_gumd_config_reference_prints_the_reference(tmp_path):
    env = {**os.environ, "GUMD_CONFIG": str(tmp_path / "none.toml")}
    r = subprocess.run([*GUMD, "--data-dir", str(tmp_path), "config", "reference"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and r.stdout == reference(), r.stderr
