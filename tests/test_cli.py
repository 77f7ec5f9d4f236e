"""The command line: import, plan, check, export; bad input ends in one Swedish line, exit 2."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, select

from scheduler.store.tables import MeasureRow
from tests.support.cli import Cli, upgraded_cli, write_config
from tests.support.seed import ROOT, SEED_PLAN, SEED_TEXT


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_import_then_plan_json_gives_the_seed_verbatim(cli: Cli) -> None:
    assert cli("import", str(SEED_PLAN)).code == 0
    result = cli("plan", "--json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    assert (plan["organisation"], plan["year"]) == ("Kungsholmens stadsdelsförvaltning", 2024)
    assert len(plan["areas"]) == 5
    measures = [m for area in plan["areas"] for m in area["measures"]]
    assert len(measures) == 23
    seed = _squash(SEED_TEXT.read_text(encoding="utf-8"))
    for measure in measures:
        for field in ("title", "cause", "action", "when_text", "responsible_text", "followup_text"):
            assert _squash(measure[field]) in seed, (measure["title"], field)
    assert measures[0]["convener"] == "Preventionssamordnare"
    assert measures[3]["convener"] is None  # ANDTS-programmet: Vem is empty


def test_plan_prints_areas_measures_and_conveners(sqlite_cli: Cli) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    out = sqlite_cli("plan").out
    assert "5 områden, 23 åtgärder" in out
    assert "3. Systemhotade brottslighet (0 åtgärder)" in out
    assert "Sammankallande: Sekreterare för rådet för funktionshinderfrågor" in out


def test_exported_workbook_imports_back_to_the_same_plan(cli: Cli, tmp_path: Path) -> None:
    cli("import", str(SEED_PLAN))
    before = cli("plan", "--json").out
    exported = tmp_path / "export" / "plan.xlsx"
    assert cli("export", str(exported)).code == 0
    again = cli("import", str(exported))
    assert again.code == 0 and "inget ändrades" in again.out
    assert cli("plan", "--json").out == before


def test_export_to_toml_round_trips(sqlite_cli: Cli, tmp_path: Path) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    path = tmp_path / "plan.toml"
    sqlite_cli("export", str(path))
    assert "inget ändrades" in sqlite_cli("import", str(path)).out


def test_check_reports_missing_conveners_and_empty_when(sqlite_cli: Cli) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    result = sqlite_cli("check")
    assert result.code == 1
    assert "ANDTS-programmet: ingen sammankallande roll" in result.out
    assert "Platsaktivering/platssamverkan: När är tomt" in result.out


def test_check_reports_roles_missing_from_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/x.sqlite3"\n', encoding="utf-8")
    cli = upgraded_cli(config)
    cli("import", str(SEED_PLAN), "--organisation", "X")
    out = cli("check").out
    assert "rollen «Trygghetssamordnare» finns inte under [roles]" in out


def _measure_rows(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with Session(engine) as session:
        rows = [
            (m.id, m.title, m.when_text, m.updated_at) for m in session.exec(select(MeasureRow))
        ]
    engine.dispose()
    return sorted(rows, key=str)


BROKEN_WORKBOOK_HEADER = "broken-header"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("plan.toml", 'organisation = "X"\nyear = 2025\n[[areas]\n', "rad 3"),
        ("plan.toml", 'organisation = "X"\nyear = 2025\n[[areas]]\nname = "A"\n[[areas.measures]]\n'
                      'cause = "utan titel"\n', "saknar titel"),
        ("plan.xlsx", "inte en arbetsbok", "ingen Excel-arbetsbok"),
        ("plan-2025.xlsx", BROKEN_WORKBOOK_HEADER, "«När» saknas"),
        ("plan.pdf", "x", "okänd filtyp"),
        ("saknas.toml", None, "filen finns inte"),
    ],
)  # fmt: skip
def test_bad_plan_files_end_with_a_clear_message_and_change_nothing(
    cli: Cli, store_url: str, tmp_path: Path, name: str, content: str | None, expected: str
) -> None:
    cli("import", str(SEED_PLAN))
    before = _measure_rows(store_url)
    path = tmp_path / name
    if content == BROKEN_WORKBOOK_HEADER:
        from openpyxl import Workbook

        workbook = Workbook()
        workbook.active.append(
            ["Prioriterat samverkansområde", "Orsak", "Åtgärd", "Vem", "Uppföljning"]
        )
        workbook.save(path)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    result = cli("import", str(path))
    assert result.code == 2
    assert result.err.startswith("Fel: ") and expected in result.err and str(path) in result.err
    assert "Traceback" not in result.err + result.out
    assert _measure_rows(store_url) == before


def _run(
    *argv: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *argv], capture_output=True, text=True, cwd=cwd,
        env={**os.environ, **(env or {})}, timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.processes
def test_a_bad_config_key_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[database]\nuri = "sqlite:///x.sqlite3"\n', encoding="utf-8")
    result = _run("--config", str(config), "plan")
    assert result.returncode == 2
    assert "okänd nyckel «database.uri»" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.processes
def test_a_bad_role_address_in_config_is_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[roles.polis]\nemail = "polis at example"\n', encoding="utf-8")
    result = _run("--config", str(config), "plan")
    assert (
        result.returncode == 2 and "«roles.polis.email» ska vara en e-postadress" in result.stderr
    )


@pytest.mark.processes
def test_config_comes_from_the_environment_and_the_database_url_too(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/from-config.sqlite3")
    env = {"SCHEDULER_CONFIG": str(config),
           "SCHEDULER_DATABASE_URL": f"sqlite:///{tmp_path}/from-env.sqlite3"}  # fmt: skip
    assert _run("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    result = _run("import", str(SEED_PLAN), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "from-env.sqlite3").exists()
    assert not (tmp_path / "from-config.sqlite3").exists()


def test_plan_before_any_import_says_what_to_do(sqlite_cli: Cli) -> None:
    result = sqlite_cli("plan")
    assert result.code == 3 and "Ingen plan är importerad" in result.err


def test_an_unknown_command_is_a_usage_error(sqlite_cli: Cli) -> None:
    result = sqlite_cli("importera")
    assert result.code == 2 and "scheduler" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('[calendar]\ndefault_weekday = "tisdg"\n', "calendar.default_weekday"),
        ("[reminders]\nmeeting_days = 14\n", "«reminders.meeting_days» ska vara en lista"),
        ('[email]\nbackend = "post"\n', "«email.backend» ska vara ett av"),
        ('[followup]\nstart = "15 nov"\n', "«followup.start»"),
        ("[feeds]\nrefresh_hour = 3\n", "okänd nyckel «feeds.refresh_hour»"),
        ('[server]\nport = "åttatusen"\n', "«server.port»"),
    ],
)
def test_every_config_table_is_checked_at_start_by_any_command(
    tmp_path: Path, extra: str, expected: str
) -> None:
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path}/x.sqlite3", extra=extra)
    result = Cli(config)("plan")
    assert result.code == 2 and expected in result.err and "Traceback" not in result.err


def test_only_db_upgrade_changes_the_schema_and_other_commands_say_to_run_it(
    tmp_path: Path,
) -> None:
    """Issue 10: migrations no longer run on every command; an empty or old database is named,
    with the command that fixes it, and nothing is created behind the user's back."""
    database = tmp_path / "fresh.sqlite3"
    config = write_config(tmp_path / "config.toml", f"sqlite:///{database}")
    cli = Cli(config)
    refused = cli("import", str(SEED_PLAN))
    assert refused.code == 5 and "är tom" in refused.err and "scheduler db upgrade" in refused.err
    assert "Traceback" not in refused.err
    first = cli("db", "upgrade")
    assert first.code == 0 and "uppgraderad: schemaversion tom →" in first.out
    again = cli("db", "upgrade")
    assert again.code == 0 and "redan uppgraderad" in again.out
    assert cli("import", str(SEED_PLAN)).code == 0


def test_an_old_schema_is_named_with_both_versions(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config as AlembicConfig

    from scheduler.store.engine import MIGRATIONS, create_store_engine

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_store_engine(url)
    alembic = AlembicConfig()
    alembic.set_main_option("script_location", MIGRATIONS)
    with engine.begin() as connection:
        alembic.attributes["connection"] = connection
        command.upgrade(alembic, "0002")
    engine.dispose()
    result = Cli(write_config(tmp_path / "config.toml", url))("plan")
    assert result.code == 5
    assert "har schemaversion 0002" in result.err and "scheduler db upgrade" in result.err


def test_upgrades_started_together_all_succeed_on_sqlite_and_postgresql(store_url: str) -> None:
    """Several processes (web workers, a dispatcher, `make run`) upgrading one new database at
    once: the lock lets one migrate while the others wait and then find nothing to do."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        results = list(pool.map(_upgrade_in_another_process, [store_url] * 4))
    assert all(after == results[0][1] for _, after in results)
    assert sum(1 for before, _ in results if before is None) == 1


def _upgrade_in_another_process(url: str) -> tuple[str | None, str]:
    from scheduler.store.engine import upgrade_store

    engine, before, after = upgrade_store(url)
    engine.dispose()
    return before, after
