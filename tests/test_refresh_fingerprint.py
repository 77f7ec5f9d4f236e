"""Commands that read, read (issue 10): a schedule refresh whose plan, occurrences and settings
are unchanged computes, renders and writes nothing, and takes no write lock; a change to any of
them still refreshes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlmodel import Session, select

from scheduler.store.engine import upgrade_store
from scheduler.store.tables import OutboxRow
from tests.support.cli import upgraded_cli, write_config
from tests.support.seed import SEED_PLAN, YEAR_OF_REMINDERS, upcoming_seed


def _pending_keys(url: str) -> set[str]:
    engine = upgrade_store(url)[0]
    try:
        with Session(engine) as session:
            return {
                r.key for r in session.exec(select(OutboxRow).where(OutboxRow.status == "pending"))
            }
    finally:
        engine.dispose()


def test_agenda_on_an_unchanged_plan_needs_no_write_lock(tmp_path: Path) -> None:
    """Another process holds the database's write lock (an import in progress): `agenda` still
    answers, since it has nothing to write. Before, it re-planned a year of reminders and waited
    for the lock (30 s), then failed."""
    database = tmp_path / "plan.sqlite3"
    cli = upgraded_cli(write_config(tmp_path / "config.toml", f"sqlite:///{database}"))
    assert cli("import", str(SEED_PLAN)).code == 0
    writer = sqlite3.connect(database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        result = cli("agenda", "--from", "2024-03-01", "--to", "2024-03-31")
        assert result.code == 0, result.err
        assert "SSP" in result.out or "EST" in result.out
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_changed_setting_still_refreshes_the_reminders(tmp_path: Path) -> None:
    """Next year's plan, its whole year of reminders ahead of the real now (`agenda` refreshes at
    it)."""
    url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    cli = upgraded_cli(write_config(tmp_path / "config.toml", url, extra=YEAR_OF_REMINDERS))
    plan_file, _year = upcoming_seed(tmp_path)
    assert cli("import", str(plan_file)).code == 0
    before = _pending_keys(url)
    assert any("|meeting-14d|" in key for key in before)
    changed = upgraded_cli(
        write_config(
            tmp_path / "other.toml", url, extra=YEAR_OF_REMINDERS + "meeting_days = [10, 3]\n"
        )
    )
    assert changed("agenda").code == 0
    after = _pending_keys(url)
    assert any("|meeting-10d|" in key for key in after)
    assert not any("|meeting-14d|" in key for key in after)


def test_a_moved_meeting_is_a_change_the_refresh_sees(tmp_path: Path) -> None:
    """Moving changes the occurrence, which is part of the fingerprint: its reminders follow."""
    url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    cli = upgraded_cli(write_config(tmp_path / "config.toml", url, extra=YEAR_OF_REMINDERS))
    plan_file, year = upcoming_seed(tmp_path)
    assert cli("import", str(plan_file)).code == 0
    agenda = cli("agenda", "--from", f"{year}-09-01", "--to", f"{year}-09-30", "--json")
    import json

    first = next(item for item in json.loads(agenda.out) if item["kind"] == "meeting")
    before = {k for k in _pending_keys(url) if k.startswith(first["uid"])}
    assert cli("move", first["uid"], f"{year}-09-27", "10:00").code == 0
    after = {k for k in _pending_keys(url) if k.startswith(first["uid"])}
    assert before and after and before != after
