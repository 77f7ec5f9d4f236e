"""Commands load only what they use (issue 10): `--help` and reading a När text load no
database, spreadsheet or migration module, so they start fast and work without a database."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import write_config
from tests.support.seed import ROOT

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`

HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "psycopg", "openpyxl", "scheduler.store")

# Runs the command in a fresh interpreter and prints which of the heavy modules it loaded.
PROBE = (
    "import contextlib, io, json, sys\n"
    "from scheduler.cli import main\n"
    "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
    "    try:\n"
    "        code = main(sys.argv[1:])\n"
    "    except SystemExit as exit:\n"
    "        code = exit.code\n"
    "heavy = sorted({m for m in sys.modules if m.split('.')[0] in {'sqlalchemy', 'sqlmodel',"
    " 'alembic', 'psycopg', 'openpyxl'} or m.startswith('scheduler.store')})\n"
    "print(json.dumps({'code': code, 'heavy': heavy, 'out': out.getvalue()}))\n"
)


def _loaded(tmp_path: Path, *argv: str) -> dict[str, object]:
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'ingen.sqlite3'}")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "--config", str(config), *argv],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    report: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return report


@pytest.mark.parametrize(
    "argv",
    [
        ("--help",),
        ("cadence", "4 ggr/år", "--json"),
        ("cadence", "Varannan tisdag", "--year", "2025"),
    ],
)
def test_help_and_reading_a_when_text_load_no_database_or_spreadsheet_module(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    report = _loaded(tmp_path, *argv)
    assert report["code"] == 0
    assert report["heavy"] == [], report["heavy"]
    assert not (tmp_path / "ingen.sqlite3").exists()  # nothing was created either


def test_the_probe_sees_the_store_when_a_command_uses_it(tmp_path: Path) -> None:
    """The check can fail: a command that reads the database does load the store."""
    report = _loaded(tmp_path, "plan")
    assert "scheduler.store.engine" in report["heavy"]  # type: ignore[operator]


def test_commands_that_open_the_store_load_no_migration_module(tmp_path: Path) -> None:
    """Opening the store checks the schema's revision without Alembic (every cron pass and
    command opens it); only `db upgrade` migrates, and loads it."""
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'plan.sqlite3'}")
    upgraded = subprocess.run([sys.executable, "-m", "scheduler", "--config", str(config), "db",
                               "upgrade"], cwd=ROOT, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert upgraded.returncode == 0, upgraded.stderr
    report = _loaded(tmp_path, "agenda")
    heavy = report["heavy"]
    assert isinstance(heavy, list)
    assert "scheduler.store.engine" in heavy
    assert not [m for m in heavy if m.split(".")[0] == "alembic"], heavy


def test_the_revision_written_in_the_code_is_the_newest_migration_script(tmp_path: Path) -> None:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from scheduler.store.engine import (
        HEAD_REVISION,
        _alembic_config,
        current_revision,
        upgrade_store,
    )

    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == HEAD_REVISION
    engine = upgrade_store(f"sqlite:///{tmp_path / 'plan.sqlite3'}")[0]
    with engine.connect() as connection:
        assert (
            current_revision(engine)
            == MigrationContext.configure(connection).get_current_revision()
        )
    engine.dispose()
