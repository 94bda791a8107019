"""Each setting is declared once (default, check, help); loading and docs/configuration.md follow from it.
`gumd config reference` itself: tests/integration/test_config_cli.py."""

from pathlib import Path

import gumd
from gumd.config import load_settings
from gumd.settings import AREAS, DECLARED, Settings, declaration, reference

REFERENCE = Path(gumd.__file__).resolve().parent.parent / "docs" / "configuration.md"


def test_the_committed_configuration_reference_is_what_the_declarations_generate():
    assert REFERENCE.read_text() == reference(), \
        "docs/configuration.md is out of date: run `gumd config reference > docs/configuration.md`"


def test_every_setting_is_in_the_reference_under_a_known_area_with_help():
    text = reference()
    for key in DECLARED:
        assert declaration(key).area in AREAS and declaration(key).help.strip(), key
        assert text.count(f"| `{key}` |") == 1, key


def test_every_default_passes_its_own_check(tmp_path):
    defaults = Settings()
    for key in DECLARED:
        value = getattr(defaults, key)
        loaded = load_settings({key: value}, environ={}, config_file=tmp_path / "none.toml")
        assert getattr(loaded, key) == value, key


def test_the_model_api_key_never_shows_in_the_settings_repr():
    assert "sk-private" not in repr(Settings(model_api_key="sk-private"))
