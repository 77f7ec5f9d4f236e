"""The configuration reference, docs/configuration.md, is written from the settings model
(`python -m scheduler.settings.reference`): it fails here when the model changed and the file was
not written again, every key explains itself, and the defaults it shows are the model's own."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from scheduler.settings.config import settings_from_mapping
from scheduler.settings.model import Section, Settings, key_doc
from scheduler.settings.reference import COMMAND, OUTPUT, defaults_toml, main, render
from tests.support.seed import ROOT


def _sections(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for field in model.model_fields.values():
        for candidate in (field.annotation, *getattr(field.annotation, "__args__", ())):
            if isinstance(candidate, type) and issubclass(candidate, Section):
                found += [inner for inner in _sections(candidate) if inner not in found]
    return found


def test_the_reference_is_what_the_model_says() -> None:
    written = (ROOT / OUTPUT).read_text(encoding="utf-8")
    assert written == render(), f"{OUTPUT} is stale: run `{COMMAND}` and commit it"


def test_every_key_says_what_it_does_and_what_it_must_be() -> None:
    """A key added without its English `doc` (or its Swedish words) would be a blank row."""
    for section in _sections(Settings)[1:]:
        assert section.__doc__, section.__name__
        for name, field in section.model_fields.items():
            assert key_doc(field), f"{section.__name__}.{name}: key(…, doc=…)"
            assert field.description, f"{section.__name__}.{name}"


def test_every_key_of_the_model_is_in_the_reference() -> None:
    text = render()
    for header, section in (("organisation", Settings.model_fields["organisation"]),
                            ("server", Settings.model_fields["server"])):  # fmt: skip
        model = section.annotation
        assert isinstance(model, type) and issubclass(model, Section)
        for name in model.model_fields:
            assert f"| `{header}.{name}` |" in text, name
    assert "| `calendar.activity_defaults.<ord>.weekday` |" in text
    assert "| `organisations.<kort namn>.plan_cycle` |" in text
    assert "| `email.from` |" in text  # by the name config.toml uses, not the attribute's


def test_the_defaults_shown_are_a_valid_config_equal_to_the_models_defaults() -> None:
    """The "every default" block, read as config.toml, gives exactly the settings of no file:
    each default is shown as it is written (a weekday by name, a time as "HH:MM")."""
    shown = tomllib.loads(defaults_toml())
    assert settings_from_mapping(shown, environ={}) == Settings()
    assert shown["calendar"]["default_weekday"] == "tisdag"
    assert shown["reminders"]["send_time"] == "08:00"
    assert shown["plan_cycle"]["hand_in"] == "tertial 1"
    assert shown["calendar"]["blackouts"] == ["12-24..01-06"]
    assert shown["calendar"]["activity_defaults"]["nattvandring"] == {
        "weekday": "fredag", "time": "21:00", "duration_minutes": 180,
    }  # fmt: skip


def test_a_changed_default_makes_the_file_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The check can fail: the command says so, with exit code 1, and writing it mends it."""
    stale = tmp_path / "configuration.md"
    stale.write_text(render().replace("| `8000` |", "| `8080` |"), encoding="utf-8")
    assert main(["--output", str(stale), "--check"]) == 1
    assert "is stale" in capsys.readouterr().err
    assert main(["--output", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == render()
    assert main(["--output", str(stale), "--check"]) == 0
