"""The command line around the schedule: cadence, agenda, check, rollover, move, cancel, feeds."""

from __future__ import annotations

import json
from pathlib import Path

from scheduler.store.engine import upgrade_store
from tests.support.cli import Cli
from tests.support.seed import SEED_PLAN


def test_cadence_json_is_the_documented_contract(sqlite_cli: Cli) -> None:
    result = sqlite_cli("cadence", "Möten 4 ggr/år", "--year", "2025", "--json")
    data = json.loads(result.out)
    assert set(data) == {
        "text",
        "kind",
        "as_needed",
        "continuous",
        "deadline",
        "occurrences",
        "series",
        "warnings",
        "partial",
        # issue 23: the reading's parts, added beside the keys above
        "parts",
        "deadline_period",
        "valid_years",
        "words_used",
        "words_not_used",
    }
    assert (data["kind"], data["occurrences"], data["series"][0]["count"]) == ("recurring", 4, 4)
    (part,) = data["parts"]
    assert (part["count"], part["per"], part["alternatives"], part["days"]) == (4, "year", [], [])
    # "Möten" says it is a meeting (the kind), "4 ggr/år" how often
    assert data["words_used"] == ["Möten", "4", "ggr/år"] and data["words_not_used"] == []
    assert all(day.startswith("2025-") for day in data["series"][0]["dates"])
    nonsense = sqlite_cli("cadence", "blå elefanter ((", "--json")
    assert nonsense.code == 0 and json.loads(nonsense.out)["kind"] == "unspecified"


def test_cadence_prints_in_swedish(sqlite_cli: Cli) -> None:
    out = sqlite_cli("cadence", "En gång per år/vid behov", "--year", "2025").out
    assert "återkommande, samt vid behov" in out and "1 tillfälle 2025" in out


def test_cadence_without_year_uses_the_imported_plans_year(sqlite_cli: Cli) -> None:
    """No plan (an upgraded, empty database): this year; after an import: the plan's year."""
    from datetime import UTC, datetime

    from scheduler.base.time import STOCKHOLM

    this_year = datetime.now(UTC).astimezone(STOCKHOLM).year
    before = sqlite_cli("cadence", "Möten 4 ggr/år").out
    assert f"4 tillfällen {this_year}" in before
    sqlite_cli("import", str(SEED_PLAN))
    plan_year = json.loads(sqlite_cli("plan", "--json").out)["year"]
    after = sqlite_cli("cadence", "Möten 4 ggr/år", "--json")
    dates = json.loads(after.out)["series"][0]["dates"]
    assert dates and all(day.startswith(f"{plan_year}-") for day in dates)


def test_agenda_lists_dated_items_filtered_by_role_and_window(sqlite_cli: Cli) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    everything = json.loads(sqlite_cli("agenda", "--json").out)
    assert 60 <= len(everything) <= 90
    assert all(e["date"].startswith("2024-") for e in everything)
    ssp = json.loads(sqlite_cli("agenda", "--role", "preventionssamordnaren", "--json").out)
    assert len(ssp) == 8 and {e["title"] for e in ssp} == {"SSP"}
    assert {e["series"] for e in ssp} == {"Mellan- och högstadiet", "Gymnasiet"}
    march = json.loads(
        sqlite_cli("agenda", "--from", "2024-03-01", "--to", "2024-03-31", "--json").out
    )
    assert march and all(e["date"].startswith("2024-03") for e in march)
    text = sqlite_cli("agenda", "--from", "2024-03-01", "--to", "2024-03-31").out
    assert "Möte: EST" in text and "sammankallande: Trygghetssamordnare" in text
    assert sqlite_cli("agenda", "--from", "2024-05-01", "--to", "2024-04-01").code == 2


def test_check_reports_a_nar_that_cannot_be_read(sqlite_cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'organisation = "X"\nyear = 2025\n[[areas]]\nname = "A"\n'
        '[[areas.measures]]\ntitle = "Oklart"\nwhen_text = "när andan faller på"\n'
        'responsible_text = "Trygghetssamordnaren sammankallar."\n',
        encoding="utf-8",
    )
    sqlite_cli("import", str(plan))
    out = sqlite_cli("check").out
    assert "A › Oklart: När kunde inte tolkas: «när andan faller på»" in out


def test_rollover_copies_the_plan_without_follow_ups(sqlite_cli: Cli) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    assert "Skapade planen för 2025 från 2024" in sqlite_cli("rollover", "2025").out
    plan = json.loads(sqlite_cli("plan", "--json").out)
    assert plan["year"] == 2025
    measures = [m for a in plan["areas"] for m in a["measures"]]
    assert len(measures) == 23 and all(m["followup_text"] == "" for m in measures)
    assert json.loads(sqlite_cli("plan", "--json", "--year", "2024").out)["areas"][0]["measures"][
        0
    ]["followup_text"]
    agenda = json.loads(sqlite_cli("agenda", "--json").out)
    assert agenda and all(e["date"].startswith("2025-") for e in agenda)


def test_move_and_cancel_keep_the_uid_and_bump_the_sequence(sqlite_cli: Cli) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    first = json.loads(sqlite_cli("agenda", "--role", "Preventionssamordnare", "--json").out)[0]
    moved = sqlite_cli("move", first["uid"], "2024-02-15", "13:00", "--note", "Lokalen upptagen")
    assert moved.code == 0 and "2024-02-15 13:00" in moved.out
    after = next(
        e for e in json.loads(sqlite_cli("agenda", "--json").out) if e["uid"] == first["uid"]
    )
    assert (after["start"][:16], after["sequence"]) == ("2024-02-15T13:00", 1)
    # A re-import of the unchanged plan leaves a moved meeting where the person put it.
    sqlite_cli("import", str(SEED_PLAN))
    again = next(
        e for e in json.loads(sqlite_cli("agenda", "--json").out) if e["uid"] == first["uid"]
    )
    assert again["start"][:16] == "2024-02-15T13:00"
    assert sqlite_cli("cancel", first["uid"]).code == 0
    cancelled = next(
        e for e in json.loads(sqlite_cli("agenda", "--json").out) if e["uid"] == first["uid"]
    )
    assert (cancelled["status"], cancelled["sequence"]) == ("cancelled", 2)
    unknown = sqlite_cli("cancel", "nope@x")
    assert unknown.code == 3 and "UID nope@x" in unknown.err


def test_feed_links_are_created_listed_revoked_and_exported(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    created = sqlite_cli("feeds", "create", "SSP-gruppen", "--scope", "atgard-ssp")
    assert created.code == 0 and "webcal://" in created.out and "/atgard-ssp.ics" in created.out
    assert "plan.ics" not in created.out and "atgard-ssp-gymnasiet" not in created.out
    # An old id name (measure 1 is SSP) is still understood, and stored as the name that lasts.
    old_name = sqlite_cli("feeds", "create", "SSP-gruppen 2", "--scope", "atgard-1")
    assert old_name.code == 0 and "/atgard-ssp.ics" in old_name.out
    assert "/atgard-1.ics" not in old_name.out
    assert "SSP-gruppen 2  ·  atgard-ssp  ·" in sqlite_cli("feeds", "list").out
    listed = sqlite_cli("feeds", "list").out
    assert "SSP-gruppen" in listed and "aktiv" in listed
    token = created.out.split("/feeds/")[1].split("/")[0]
    assert token not in listed  # the secret is shown once, never stored
    assert "återkallad" in sqlite_cli("feeds", "revoke", "1").out
    assert "återkallad" in sqlite_cli("feeds", "list").out
    bad_scope = sqlite_cli("feeds", "create", "X", "--scope", "finns-inte")
    assert bad_scope.code == 2 and "Välj bland" in bad_scope.err

    folder = tmp_path / "static"
    exported = sqlite_cli("feeds", "export", str(folder))
    assert exported.code == 0
    names = {p.name for p in folder.iterdir()}
    assert {
        "plan.ics",
        "plan.todo.ics",
        "atgard-ssp.ics",
        "atgard-ssp.serie.ics",
        "atgard-ssp-gymnasiet.ics",
        "roll-preventionssamordnare.ics",
    } <= names
    assert not [n for n in names if n.startswith(".")]  # no temporary files left behind
    assert not [n for n in names if n[len("atgard-") :][:1].isdigit()]  # no database ids
    assert (folder / "plan.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    again = {p.name: p.read_bytes() for p in folder.iterdir()}
    sqlite_cli("feeds", "export", str(folder))
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == again  # deterministic bytes


def test_migrations_match_the_tables(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    engine = upgrade_store(f"sqlite:///{tmp_path / 'm.sqlite3'}")[0]
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []
