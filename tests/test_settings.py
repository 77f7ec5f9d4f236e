"""One typed settings object (issue 10): every key of config.toml declared once, one formatter for
its errors (one Swedish line naming the key), the environment read at start, the settings built
once and handed to the web app, and the time zone no longer a setting."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import logging
import os
import pkgutil
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from scheduler.base.errors import ConfigError
from scheduler.cadence import CalendarPolicy
from scheduler.followup.settings import FollowupSettings
from scheduler.mail.settings import EmailSettings
from scheduler.reminders.settings import ReminderSettings
from scheduler.services import followup as campaign
from scheduler.services.feeds import FeedSettings
from scheduler.settings.config import load_settings, settings_from_mapping
from scheduler.settings.model import Calendar, Settings
from scheduler.store.feed_tokens import create_token
from scheduler.store.followups import get_campaign
from scheduler.web.app import create_app
from tests.support.cli import Cli, write_config
from tests.support.feeds_fixture import IMPORTED_AT, scheduled_plan
from tests.support.followup_fixture import followup_world, local
from tests.support.seed import ROOT, SEED_ORGANISATION


def error_for(raw: dict[str, Any], *, environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping(raw, environ=environ)
    return str(caught.value)


# -- the formatter -----------------------------------------------------------------------------


def test_an_unknown_key_is_named_with_the_keys_its_table_knows() -> None:
    assert error_for({"feeds": {"refresh_hour": 3}}) == (
        "okänd nyckel «feeds.refresh_hour» (kända: cache_entries, keep_cancelled_days, max_events, "
        "max_kb, past_days, recheck_seconds, refresh_hours, series_max_rules, warn_kb)."
    )
    assert error_for({"kalender": {}}) == (
        "okänd nyckel «kalender» (kända: audit, calendar, database, email, feeds, followup, "
        "limits, oidc, organisation, organisations, plan_cycle, reminders, roles, server)."
    )


def test_a_wrong_type_says_what_the_key_should_be_and_what_it_got() -> None:
    assert error_for({"reminders": {"meeting_days": 14}}) == (
        "«reminders.meeting_days» ska vara en lista med dagar 0–365, t.ex. [14, 2] (fick 14)."
    )
    # TOML's types are kept: a text is not a number, true is not 1.
    assert error_for({"server": {"port": "8000"}}) == (
        '«server.port» ska vara ett portnummer 1–65535 (fick "8000").'
    )
    assert error_for({"reminders": {"digest_weeks": True}}) == (
        "«reminders.digest_weeks» ska vara ett antal veckor 1–12 (fick true)."
    )
    assert error_for({"email": {"backend": "post"}}) == (
        '«email.backend» ska vara ett av "file", "smtp" (fick "post").'
    )
    assert error_for({"feeds": 3}) == "«feeds» ska vara en tabell ([feeds]) (fick 3)."


def test_a_value_out_of_range_shows_the_whole_value_as_written() -> None:
    assert error_for({"reminders": {"overdue_days": 61}}) == (
        "«reminders.overdue_days» ska vara ett antal dagar 0–60 (fick 61)."
    )
    # One bad item of a list: the key and the list as written, not a position in it.
    assert error_for({"reminders": {"meeting_days": [14, 400]}}) == (
        "«reminders.meeting_days» ska vara en lista med dagar 0–365, t.ex. [14, 2] (fick [14, 400])."
    )
    assert error_for({"feeds": {"refresh_hours": float("inf")}}) == (
        "«feeds.refresh_hours» ska vara ett tal 1–168 (fick inf)."
    )


def test_a_nested_role_key_is_named_with_its_role() -> None:
    assert error_for({"roles": {"polis": {"epost": "a@b.se"}}}) == (
        "okänd nyckel «roles.polis.epost» (kända: aliases, email, name, person)."
    )
    assert error_for({"roles": {"säkerhetschef": {"email": "säk at example"}}}) == (
        '«roles."säkerhetschef".email» ska vara en e-postadress, t.ex. "namn@exempel.se" '
        '(fick "säk at example").'
    )
    assert error_for({"roles": {"polis": "lpo@polisen.se"}}) == (
        '«roles.polis» ska vara en tabell ([roles.polis]) (fick "lpo@polisen.se").'
    )


def test_a_rule_between_keys_names_both() -> None:
    assert error_for({"followup": {"start": "12-20", "deadline": "12-15"}}) == (
        "«followup.deadline» måste ligga efter «followup.start» under året."
    )


def test_the_cli_prints_the_formatted_line_with_the_file(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path}/x.sqlite3",
        extra="[reminders]\nmeeting_days = 14\n",
    )  # fmt: skip
    result = Cli(config)("plan")
    assert result.code == 2
    assert result.err == (
        f"Fel: {config}: «reminders.meeting_days» ska vara en lista med dagar 0–365, "
        "t.ex. [14, 2] (fick 14).\n"
    )


def _sections(model: type[BaseModel]) -> list[type[BaseModel]]:
    found = [model]
    for field in model.model_fields.values():
        inner = field.annotation
        args = getattr(inner, "__args__", ())
        for candidate in (inner, *args):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                found += _sections(candidate)
    return found


def test_every_key_says_in_swedish_what_it_must_be() -> None:
    """The formatter quotes each key's own words; a key added without them would say nothing."""
    for section in _sections(Settings):
        for name, field in section.model_fields.items():
            assert field.description, f"{section.__name__}.{name}"


def test_the_repo_config_and_an_empty_one_are_valid() -> None:
    settings = load_settings(str(ROOT / "config.toml"), environ={})
    assert settings.organisation.email == "trygghet@kungsholmen.example.org"
    assert settings.role("skolan") is not None and settings.role("rektor") is None
    assert settings_from_mapping({}) == Settings()


def _views_of_the_settings() -> list[type]:
    """Every dataclass in scheduler/ made from the settings (with `from_section` or
    `from_settings`): the domains' views of a table."""
    import scheduler

    found: dict[str, type] = {}
    for module in pkgutil.walk_packages(scheduler.__path__, "scheduler."):
        if ".migrations" in module.name or module.name.endswith("__main__"):
            continue
        for _, value in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            made = hasattr(value, "from_section") or hasattr(value, "from_settings")
            if made and dataclasses.is_dataclass(value) and value.__module__ == module.name:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[name] for name in sorted(found)]


def test_the_views_of_the_settings_have_no_defaults_of_their_own() -> None:
    """A key's default is declared once, in scheduler.settings.model: the objects the domains
    read are made from the validated tables, with no second default that could drift."""
    views = _views_of_the_settings()
    names = {view.__name__ for view in views}
    assert {"ReminderSettings", "FollowupSettings", "CalendarPolicy", "ReadLimits", "PlanBudget",
            "FeedSettings", "EmailSettings", "SessionRules", "SignInPolicy", "RequestLimits"} <= names  # fmt: skip
    for view in views:
        defaults = [field.name for field in dataclasses.fields(view)
                    if field.default is not dataclasses.MISSING
                    or field.default_factory is not dataclasses.MISSING]  # fmt: skip
        assert defaults == [], f"{view.__name__} has defaults of its own: {defaults}"


def test_the_views_carry_what_the_tables_say() -> None:
    """A value given in config.toml reaches the domain's view (a key not passed on would keep
    nothing but its name)."""
    given = settings_from_mapping({
        "reminders": {"meeting_days": [3], "horizon_weeks": 20, "retry_minutes": [1]},
        "followup": {"start": "10-01", "nudge_days": 3},
        "calendar": {"default_weekday": "torsdag", "activity_defaults": {"nattvandring": {"time": "22:00"}}},
        "feeds": {"refresh_hours": 2, "past_days": 5},
    })  # fmt: skip
    reminders = ReminderSettings.from_section(given.reminders)
    assert (reminders.meeting_days, reminders.horizon_weeks, reminders.max_attempts) == (
        (3,),
        20,
        2,
    )
    followup = FollowupSettings.from_section(given.followup)
    assert (followup.start, followup.deadline, followup.nudge_days) == ((10, 1), (12, 15), 3)
    policy = CalendarPolicy.from_section(given.calendar)
    assert policy.default_weekday == "TH"
    walk = policy.activity_for("Nattvandringar i Rålambshovsparken")
    assert walk is not None and (walk.weekday, walk.time, walk.duration_minutes) == (
        "FR",
        time(22, 0),
        180,
    )
    feeds = FeedSettings.from_settings(given)
    assert (feeds.refresh, feeds.past) == (timedelta(hours=2), timedelta(days=5))
    assert CalendarPolicy.from_section(Settings().calendar) == CalendarPolicy.from_section(
        Calendar()
    )


# -- the environment ---------------------------------------------------------------------------


def test_the_environment_overrides_the_database_url_and_the_secret_key(tmp_path: Path) -> None:
    raw = {"database": {"url": "sqlite:///fil.sqlite3"}, "server": {"secret_key": "i-filen"}}
    settings = settings_from_mapping(raw, path=tmp_path / "config.toml", environ={})
    assert settings.database_url == f"sqlite:///{tmp_path / 'fil.sqlite3'}"
    assert settings.server.secret_key == "i-filen"
    overridden = settings_from_mapping(raw, path=tmp_path / "config.toml", environ={
        "SCHEDULER_DATABASE_URL": "postgresql://db/plan", "SCHEDULER_SECRET_KEY": "i-miljön"})  # fmt: skip
    assert overridden.database_url == "postgresql://db/plan"
    assert overridden.server.secret_key == "i-miljön"


def test_the_smtp_password_comes_from_the_variable_the_config_names(tmp_path: Path) -> None:
    raw = {"email": {"backend": "smtp", "smtp_username": "u", "smtp_password_env": "SMTP_LÖSEN"}}
    settings = settings_from_mapping(raw, environ={"SMTP_LÖSEN": "hemligt-lösenord"})
    assert EmailSettings.from_settings(settings).smtp_password == "hemligt-lösenord"
    assert "hemligt" not in repr(settings)
    assert error_for(raw, environ={}) == (
        "«email.smtp_password_env» pekar på miljövariabeln SMTP_LÖSEN, som inte är satt."
    )


def test_paths_in_the_config_are_relative_to_its_folder(tmp_path: Path) -> None:
    (tmp_path / "ca.pem").write_text("", encoding="utf-8")
    raw = {"email": {"outbox_dir": "ut", "smtp_ca_file": "ca.pem"}}
    email = settings_from_mapping(raw, path=tmp_path / "config.toml").email
    assert (email.outbox_dir, email.smtp_ca_file) == (tmp_path / "ut", tmp_path / "ca.pem")
    assert error_for({"email": {"smtp_ca_file": "saknas.pem"}}).startswith(
        "«email.smtp_ca_file»: filen "
    )


# -- built once --------------------------------------------------------------------------------


def test_the_web_app_does_not_read_the_config_file_per_request(tmp_path: Path) -> None:
    scheduled = scheduled_plan(tmp_path)
    app = create_app(scheduled.engine, scheduled.config, clock=lambda: IMPORTED_AT)
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=IMPORTED_AT
    )[1]
    (tmp_path / "config.toml").write_text("[feeds]\nrefresh_hours = 0\n", encoding="utf-8")
    assert TestClient(app).get(f"/feeds/{secret}/plan.ics").status_code == 200
    (tmp_path / "config.toml").unlink()
    assert TestClient(app).get(f"/feeds/{secret}/plan.ics").status_code == 200


def test_the_web_app_keeps_the_secret_key_it_started_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment is read once, at start: a link signed then stays valid for the server's
    life, even if SCHEDULER_SECRET_KEY changes in its environment afterwards."""
    monkeypatch.delenv("SCHEDULER_DATABASE_URL", raising=False)
    monkeypatch.setenv("SCHEDULER_SECRET_KEY", "nyckeln-vid-start")
    world = followup_world(tmp_path)
    try:
        settings = load_settings(str(tmp_path / "config.toml"))
        campaign.start(world.engine, settings, now=local("2024-11-15T08:00"))
        app = create_app(world.engine, settings, clock=lambda: local("2024-11-16T10:00"))
        row = get_campaign(world.engine, world.plan_id)
        assert row is not None
        url = campaign.form_link(world.engine, settings, row, "Preventionssamordnare",
                                 FollowupSettings.from_section(settings.followup))  # fmt: skip
        monkeypatch.setenv("SCHEDULER_SECRET_KEY", "en-annan-nyckel")
        response = TestClient(app).get(url.removeprefix(settings.base_url))
        assert response.status_code == 200, response.text
    finally:
        world.close()


# -- the time zone -----------------------------------------------------------------------------


def test_an_old_config_with_the_stockholm_zone_still_works_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="scheduler.settings"):
        settings = settings_from_mapping({"calendar": {"timezone": "Europe/Stockholm"}})
    assert settings.calendar == Settings().calendar
    assert "«calendar.timezone» behövs inte längre" in caplog.text


def test_a_config_naming_another_zone_is_refused_naming_the_key(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path}/x.sqlite3",
        extra='[calendar]\ntimezone = "Europe/Helsinki"\n',
    )  # fmt: skip
    result = Cli(config)("plan")
    assert result.code == 2
    assert result.err == (
        f"Fel: {config}: «calendar.timezone» finns inte längre: schemaläggaren arbetar alltid i "
        'Europe/Stockholm (fick "Europe/Helsinki"); ta bort nyckeln.\n'
    )


def test_no_module_reads_the_config_or_the_environment_but_the_settings() -> None:
    """config.toml tables and SCHEDULER_* variables are read in scheduler/settings/ only."""
    offenders = []
    for path in (ROOT / "scheduler").rglob("*.py"):
        if path.parent.name == "settings" or path.name == "logs.py":  # logs: its own log file
            continue
        text = path.read_text(encoding="utf-8")
        if ".table(" in text or ("os.environ" in text and "SCHEDULER_" in text):
            offenders.append(os.path.relpath(path, ROOT))
    assert offenders == []


# -- several organisations ---------------------------------------------------------------------


def test_several_organisations_cannot_be_mixed_with_the_single_district_form() -> None:
    both = error_for({"organisation": {"name": "A"}, "organisations": {"b": {"name": "B"}}})
    assert "«organisations»" in both and "«organisation.name»" in both
    roles = error_for({"roles": {"polis": {}}, "organisations": {"b": {"name": "B"}}})
    assert "[roles]" in roles


def test_two_organisations_of_one_name_are_refused_naming_both() -> None:
    message = error_for({"organisations": {"a": {"name": "Norrmalm"}, "b": {"name": "norrmalm"}}})
    assert "«organisations.b»" in message and "«organisations.a»" in message


def test_an_organisation_needs_a_name_and_its_keys_are_named_in_errors() -> None:
    assert "«organisations.a.name»" in error_for({"organisations": {"a": {}}})
    bad = error_for(
        {"organisations": {"a": {"name": "A", "roles": {"polis": {"email": "inte en adress"}}}}}
    )
    assert bad.startswith("«organisations.a.roles.polis.email» ska vara en e-postadress")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_organisation_in_a_file_of_its_own(tmp_path: Path) -> None:
    (tmp_path / "districts").mkdir()
    write(tmp_path / "districts" / "norrmalm.toml",
          '[organisation]\nname = "Norrmalm"\ncoordinator_role = "Samordnare"\n'
          '[roles.samordnare]\nemail = "s@norrmalm.example.org"\n')  # fmt: skip
    config = write(
        tmp_path / "config.toml", '[organisations.norrmalm]\nfile = "districts/norrmalm.toml"\n'
    )
    settings = load_settings(str(config), environ={})
    view = settings.for_organisation("norrmalm")
    role = view.role("samordnare")
    assert view.organisation.name == "Norrmalm" and role is not None
    assert role.email == "s@norrmalm.example.org"
    assert view.organisation.coordinator_role == "Samordnare"


@pytest.mark.parametrize(
    ("entry", "file_text", "expected"),
    [
        ('file = "saknas.toml"', None, "finns inte"),
        ('file = "n.toml"\nname = "N"', "", "anges bara med file"),
        ('file = "n.toml"', '[organisation]\nname = "N"\n[calendar]\n', "okänd tabell «calendar»"),
        ('file = "n.toml"', "[organisation\n", "ogiltig TOML"),
    ],
)
def test_a_bad_organisation_file_is_one_message_naming_it(
    tmp_path: Path, entry: str, file_text: str | None, expected: str
) -> None:
    if file_text is not None:
        write(tmp_path / "n.toml", file_text)
    config = write(tmp_path / "config.toml", f"[organisations.n]\n{entry}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(str(config), environ={})
    assert expected in str(caught.value)
    assert "«organisations.n.file»" in str(caught.value) or "n.toml" in str(caught.value)


def test_one_district_keeps_its_roles_from_a_plan_of_another_name() -> None:
    settings = settings_from_mapping(
        {"organisation": {"name": "Kungsholmen"}, "roles": {"polis": {"email": "p@k.example.org"}}}
    )
    assert settings.for_organisation("Kungsholmen") is settings
    other = settings.for_organisation("Norrmalm")
    assert other.organisation.name == "Norrmalm" and other.all_roles == ()
    unnamed = settings_from_mapping({"roles": {"polis": {"email": "p@k.example.org"}}})
    assert unnamed.for_organisation("Vem som helst") is unnamed


def test_the_plan_cycle_hand_in_day_and_a_districts_own_dates_over_the_shared_ones() -> None:
    settings = settings_from_mapping({})
    hand_in = settings.plan_cycle.hand_in
    assert hand_in is not None and (hand_in.month, hand_in.day, hand_in.tertial) == (4, 30, 1)
    dated = settings_from_mapping({"plan_cycle": {"hand_in": "05-15"}}).plan_cycle.hand_in
    assert dated is not None and (dated.month, dated.day, dated.tertial) == (5, 15, None)
    assert settings_from_mapping({"plan_cycle": {"hand_in": False}}).plan_cycle.hand_in is None
    assert "«plan_cycle.hand_in» ska vara" in error_for({"plan_cycle": {"hand_in": "tertial 4"}})
    several = settings_from_mapping({
        "followup": {"start": "11-01"},
        "organisations": {
            "a": {"name": "A", "followup": {"deadline": "12-10"}, "plan_cycle": {"hand_in": False}},
            "b": {"name": "B"},
        },
    })  # fmt: skip
    a, b = several.for_organisation("a"), several.for_organisation("b")
    assert (a.followup.start, a.followup.deadline) == ((11, 1), (12, 10))
    assert a.plan_cycle.hand_in is None
    assert (b.followup.start, b.followup.deadline) == ((11, 1), (12, 15))
    assert b.plan_cycle.hand_in is not None
