"""`scheduler db backup FILE`: SQLite's online backup, restored to the same database."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

from sqlalchemy import inspect, text

from scheduler.store.engine import open_store
from tests.support.cli import Cli, upgraded_cli, write_config
from tests.support.seed import IMPORT_NOW, SEED_PLAN


def _contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows (sorted) and the schema's every object, of a SQLite file."""
    engine = open_store(f"sqlite:///{path}")  # also: at the newest schema, as a store opens
    try:
        with engine.connect() as connection:
            found: dict[str, list[tuple[object, ...]]] = {
                "sqlite_master": sorted(
                    tuple(row)
                    for row in connection.execute(
                        text("select type, name, tbl_name, sql from sqlite_master")
                    )
                )
            }
            for table in inspect(connection).get_table_names():
                rows = connection.execute(text(f'select * from "{table}"'))
                found[table] = sorted((tuple(row) for row in rows), key=repr)
    finally:
        engine.dispose()
    return found


def _database(cli: Cli) -> Path:
    config = cli.config.read_text(encoding="utf-8")
    return Path(config.split('url = "sqlite:///', 1)[1].split('"', 1)[0])


def _filled(sqlite_cli: Cli) -> Path:
    """The CLI's database with a plan, its schedule and outbox, and a calendar link."""
    assert sqlite_cli("import", str(SEED_PLAN), "--now", IMPORT_NOW).code == 0
    assert sqlite_cli("feeds", "create", "SSP-gruppen").code == 0
    return _database(sqlite_cli)


def test_backup_restores_to_an_identical_database(sqlite_cli: Cli, tmp_path: Path) -> None:
    database = _filled(sqlite_cli)
    copy = tmp_path / "kopior" / "scheduler-backup.sqlite3"

    result = sqlite_cli("db", "backup", str(copy))

    assert result.code == 0, result.err
    assert f"Säkerhetskopian {copy} är skriven" in result.out
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600  # password hashes and sessions inside
    original = _contents(database)
    assert len(original["occurrence"]) > 50 and original["outbox"] and original["feed_token"]
    # Restored: the copy put where a database is read from, and used by the program as one.
    restored = tmp_path / "restored.sqlite3"
    restored.write_bytes(copy.read_bytes())
    restored_cli = Cli(write_config(tmp_path / "restored.toml", f"sqlite:///{restored}"))
    assert restored_cli("plan").code == 0
    assert _contents(restored) == original
    assert restored_cli("feeds", "list").out == sqlite_cli("feeds", "list").out


def test_backup_is_one_commit_while_another_process_writes(sqlite_cli: Cli, tmp_path: Path) -> None:
    database = _filled(sqlite_cli)
    before = _contents(database)
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    writer.execute("update feed_token set audience = 'halvvägs'")
    try:
        result = sqlite_cli("db", "backup", str(tmp_path / "kopia.sqlite3"))
    finally:
        writer.execute("COMMIT")  # the writer was not stopped by the backup
        writer.close()

    assert result.code == 0, result.err
    assert _contents(tmp_path / "kopia.sqlite3") == before
    assert _contents(database)["feed_token"] != before["feed_token"]


def test_backup_replaces_an_older_copy_only_when_whole(sqlite_cli: Cli, tmp_path: Path) -> None:
    database = _filled(sqlite_cli)
    copy = tmp_path / "kopia.sqlite3"
    copy.write_bytes(b"last night's copy")

    assert sqlite_cli("db", "backup", str(copy)).code == 0

    assert _contents(copy) == _contents(database)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_backup_of_an_older_schema_before_an_upgrade(tmp_path: Path) -> None:
    """A backup is most wanted before `db upgrade`: it needs no current schema."""
    database = tmp_path / "old.sqlite3"
    with sqlite3.connect(database) as old:
        old.execute("create table alembic_version (version_num varchar(32) primary key)")
        old.execute("insert into alembic_version values ('0010')")
    old.close()
    cli = Cli(write_config(tmp_path / "config.toml", f"sqlite:///{database}"))

    assert cli("plan").code == 5  # every other command wants the upgrade first
    result = cli("db", "backup", str(tmp_path / "kopia.sqlite3"))

    assert result.code == 0, result.err
    with sqlite3.connect(tmp_path / "kopia.sqlite3") as copy:
        assert copy.execute("select version_num from alembic_version").fetchall() == [("0010",)]
    copy.close()


def test_backup_refuses_the_database_itself(sqlite_cli: Cli) -> None:
    database = _filled(sqlite_cli)
    before = _contents(database)

    result = sqlite_cli("db", "backup", str(database))

    assert result.code == 2
    assert "är själva databasen" in result.err
    assert _contents(database) == before


def test_backup_to_a_place_that_cannot_be_written(sqlite_cli: Cli, tmp_path: Path) -> None:
    _filled(sqlite_cli)
    blocking = tmp_path / "en-fil"
    blocking.write_text("", encoding="utf-8")

    result = sqlite_cli("db", "backup", str(blocking / "kopia.sqlite3"))

    assert result.code == 4
    assert "kopia.sqlite3" in result.err and "Traceback" not in result.err
    assert blocking.read_text(encoding="utf-8") == ""


def test_backup_of_a_database_not_there(tmp_path: Path) -> None:
    cli = Cli(write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'saknas.sqlite3'}"))

    result = cli("db", "backup", str(tmp_path / "kopia.sqlite3"))

    assert result.code == 3
    assert "finns inte" in result.err
    assert not (tmp_path / "kopia.sqlite3").exists()
    assert not (tmp_path / "saknas.sqlite3").exists()


def test_backup_on_postgresql_names_pg_dump(postgres_store_url: str, tmp_path: Path) -> None:
    cli = upgraded_cli(write_config(tmp_path / "config.toml", postgres_store_url))

    result = cli("db", "backup", str(tmp_path / "kopia.dump"))

    assert result.code == 2
    assert "pg_dump" in result.err and "docs/operations.md" in result.err
    assert postgres_store_url not in result.err
    assert not (tmp_path / "kopia.dump").exists()
