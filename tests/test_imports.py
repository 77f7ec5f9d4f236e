"""Plan imports and the store under careless input (issue 9): whose plan a file updates, imports
that would empty a plan, `agenda` after a measure left, and database trouble as one `Fel:` line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from scheduler.base.errors import PlanFileError, StoreError
from scheduler.model.plan import Area, Plan
from scheduler.plan.files import read_plan, write_plan
from scheduler.store.engine import open_store, write_transaction
from scheduler.store.tables import AreaRow, MeasureRow, OccurrenceRow, OutboxRow, PlanRow
from tests.support.cli import Cli, upgraded_cli, write_config
from tests.support.seed import ROOT, SEED_PLAN

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"  # organisation.name in the test config
NORRMALM = "Norrmalms stadsdelsförvaltning"


def seed() -> Plan:
    return read_plan(SEED_PLAN).plan


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Everything an import writes, per table, in a stable order."""
    engine = open_store(url)
    try:
        with Session(engine) as session:
            return {
                "plan": sorted(
                    (p.organisation, p.year, p.revision, p.updated_at)
                    for p in session.exec(select(PlanRow))
                ),
                "area": sorted(
                    (a.plan_id, a.name, a.retired) for a in session.exec(select(AreaRow))
                ),
                "measure": sorted(
                    (m.plan_id, m.key, m.when_text, m.retired, m.updated_at)
                    for m in session.exec(select(MeasureRow))
                ),
                "occurrence": sorted(
                    (o.uid, o.status, o.start, o.sequence)
                    for o in session.exec(select(OccurrenceRow))
                ),
                "outbox": sorted(
                    (r.key, r.status, r.due_at) for r in session.exec(select(OutboxRow))
                ),
            }
    finally:
        engine.dispose()


def plans_by_organisation(url: str) -> dict[tuple[str, int], int]:
    """(organisation, year) → active measures (of the workbook: not the plan's own tasks)."""
    engine = open_store(url)
    try:
        with Session(engine) as session:
            rows = session.exec(
                select(PlanRow.organisation, PlanRow.year, func.count(col(MeasureRow.id)))
                .join(MeasureRow, col(MeasureRow.plan_id) == col(PlanRow.id))
                .where(col(MeasureRow.retired).is_(False), col(MeasureRow.plan_task).is_(None))
                .group_by(col(PlanRow.organisation), col(PlanRow.year))
            ).all()
        return {(organisation, year): count for organisation, year, count in rows}
    finally:
        engine.dispose()


def norrmalm_plan() -> Plan:
    """Norrmalm's 2024 plan: a few measures of its own, nothing like Kungsholmen's."""
    first = seed().areas[0]
    return Plan(organisation=NORRMALM, year=2024,
                areas=(Area("Trygghet i Norrmalm", first.measures[:2]),))  # fmt: skip


# -- 1. whose plan a file updates ---------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".toml", ".xlsx"])
def test_a_file_naming_norrmalm_updates_norrmalms_plan_not_the_configs_kungsholmen(
    cli: Cli, store_url: str, tmp_path: Path, suffix: str
) -> None:
    """TOML `organisation = …` and the workbook cell "Organisation: …" come before the config."""
    assert cli("import", str(SEED_PLAN)).code == 0
    kungsholmen_before = snapshot(store_url)
    path = tmp_path / f"norrmalm-2024{suffix}"
    write_plan(norrmalm_plan(), path)

    result = cli("import", str(path))

    assert result.code == 0, result.err
    assert f"Importerade {NORRMALM} 2024" in result.out
    assert "borttagna" in result.out and "23 borttagna" not in result.out
    assert plans_by_organisation(store_url) == {(KUNGSHOLMEN, 2024): 23, (NORRMALM, 2024): 2}
    after = snapshot(store_url)
    assert [p for p in after["plan"] if p[0] == KUNGSHOLMEN] == kungsholmen_before["plan"]
    assert set(kungsholmen_before["occurrence"]) <= set(after["occurrence"])
    assert {o for o in after["occurrence"] if o[1] == "cancelled"} == set()


def test_organisation_precedence_is_option_then_file_then_config(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    with_name = tmp_path / "norrmalm.toml"
    write_plan(norrmalm_plan(), with_name)
    without_name = tmp_path / "utan-namn.toml"
    without_name.write_text(
        "\n".join(
            line
            for line in with_name.read_text(encoding="utf-8").splitlines()
            if not line.startswith("organisation =")
        ),
        encoding="utf-8",
    )
    assert cli("import", str(with_name), "--organisation", "Östermalm").code == 0
    assert cli("import", str(without_name)).code == 0
    assert cli("import", str(with_name)).code == 0
    assert plans_by_organisation(store_url) == {
        ("Östermalm", 2024): 2, (KUNGSHOLMEN, 2024): 2, (NORRMALM, 2024): 2,
    }  # fmt: skip


def test_commands_without_organisation_keep_acting_on_the_configs_plan(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    """`plan`, `export`, the follow-up and `rollover` stay on Kungsholmen's plan after Norrmalm's
    file was imported (later, so the newest); `--organisation` picks Norrmalm's."""
    assert cli("import", str(SEED_PLAN)).code == 0
    norrmalm = tmp_path / "norrmalm.toml"
    write_plan(norrmalm_plan(), norrmalm)
    assert cli("import", str(norrmalm)).code == 0

    assert json.loads(cli("plan", "--json").out)["organisation"] == KUNGSHOLMEN
    chosen = json.loads(cli("plan", "--json", "--organisation", NORRMALM).out)
    assert chosen["organisation"] == NORRMALM
    exported = tmp_path / "export.toml"
    assert cli("export", str(exported), "--organisation", NORRMALM).code == 0
    assert read_plan(exported).plan == norrmalm_plan()
    assert cli("export", str(exported)).code == 0
    assert read_plan(exported).plan.organisation == KUNGSHOLMEN
    missing = cli("plan", "--organisation", "Östermalm")
    assert missing.code == 3 and missing.err.startswith("Fel: ") and "Östermalm" in missing.err

    # The dispatcher's follow-up step starts Kungsholmen's campaign (its 7 responsible roles).
    assert cli("remind", "run-due", "--now", "2024-11-16T08:00").code == 0
    assert "Uppföljning 2024: 0 av 7 roller" in cli("followup", "status").out

    assert cli("rollover", "2025", "--from", "2024").code == 0
    assert cli("rollover", "2025", "--organisation", NORRMALM).code == 0
    assert plans_by_organisation(store_url) == {
        (KUNGSHOLMEN, 2024): 23, (KUNGSHOLMEN, 2025): 23, (NORRMALM, 2024): 2, (NORRMALM, 2025): 2,
    }  # fmt: skip


# -- 3. an import that would empty a plan -------------------------------------------------------


def headers_only_workbook(path: Path) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Område"
    sheet.append(["Prioriterat samverkansområde", "Orsak", "Åtgärd", "När", "Vem", "Uppföljning"])
    workbook.save(path)
    return path


def test_a_headers_only_workbook_for_an_existing_year_is_refused_and_names_what_would_go(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    assert cli("import", str(SEED_PLAN)).code == 0
    before = snapshot(store_url)
    empty = headers_only_workbook(tmp_path / "atgardsplan-2024.xlsx")

    result = cli("import", str(empty))

    assert result.code == 2
    assert result.err.startswith("Fel: ") and result.err.count("\n") == 1
    assert "23 av 23 åtgärder" in result.err and "«SSP»" in result.err
    assert "och 18 till" in result.err and "--force" in result.err
    assert snapshot(store_url) == before

    forced = cli("import", str(empty), "--force")
    assert forced.code == 0, forced.err
    assert "23 borttagna" in forced.out
    assert plans_by_organisation(store_url) == {}


def test_retiring_half_a_plan_is_allowed_but_more_than_half_needs_force(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    plan = Plan(KUNGSHOLMEN, 2024, (Area("A", tuple(seed().areas[0].measures[:4])),))
    full = tmp_path / "full.toml"
    write_plan(plan, full)
    assert cli("import", str(full)).code == 0
    half = tmp_path / "half.toml"
    write_plan(replace(plan, areas=(Area("A", plan.areas[0].measures[:2]),)), half)
    assert cli("import", str(half)).code == 0
    one = tmp_path / "one.toml"
    write_plan(replace(plan, areas=(Area("A", plan.areas[0].measures[:0]),)), one)
    refused = cli("import", str(one))
    assert refused.code == 2 and "2 av 2 åtgärder" in refused.err


# -- 4. agenda after a measure left the plan ----------------------------------------------------


def test_agenda_after_a_reimport_that_drops_a_measure_lists_the_rest(
    cli: Cli, tmp_path: Path
) -> None:
    """It raised KeyError on the retired measure's cancelled occurrences."""
    assert cli("import", str(SEED_PLAN)).code == 0
    plan = seed()
    ssp = plan.areas[0].measures[0]
    dropped = replace(plan, areas=(replace(plan.areas[0], measures=plan.areas[0].measures[1:]),
                                   *plan.areas[1:]))  # fmt: skip
    path = tmp_path / "utan-ssp.toml"
    write_plan(dropped, path)
    assert cli("import", str(path)).code == 0

    listed = cli("agenda", "--json")
    assert listed.code == 0, listed.err
    entries = json.loads(listed.out)
    assert entries and ssp.title not in {e["title"] for e in entries}
    assert cli("agenda").code == 0


# -- 6. database trouble as one line ------------------------------------------------------------


def test_duplicate_area_names_reaching_the_store_are_one_fel_line_and_change_nothing(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    assert cli("import", str(SEED_PLAN)).code == 0
    before = snapshot(store_url)
    area = seed().areas[0]
    path = tmp_path / "dubbel.toml"
    write_plan(Plan(KUNGSHOLMEN, 2024, (area, replace(area, measures=area.measures[:1]))), path)

    result = cli("import", str(path))

    assert result.code == 2
    assert result.err.startswith("Fel: ") and area.name in result.err
    assert "Traceback" not in result.err
    assert snapshot(store_url) == before


def test_an_integrity_error_in_a_store_transaction_is_a_store_error_and_rolls_back(
    engine: Engine,
) -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    with (
        pytest.raises(StoreError, match="inget ändrades"),
        write_transaction(engine) as connection,
        Session(connection) as session,
    ):
        session.add(PlanRow(organisation="A", year=2024, created_at=now, updated_at=now))
        session.flush()
        session.add(PlanRow(organisation="A", year=2024, created_at=now, updated_at=now))
        session.flush()
    with Session(engine) as session:
        assert session.exec(select(PlanRow)).all() == []


def test_the_store_refuses_two_areas_of_one_name_whatever_reader_let_them_through(
    engine: Engine,
) -> None:
    from scheduler.store.plans import import_plan

    area = seed().areas[0]
    with pytest.raises(PlanFileError, match="finns två gånger"):
        import_plan(engine, Plan(KUNGSHOLMEN, 2024, (area, area)), source="x.toml",
                    now=datetime(2024, 1, 1, tzinfo=UTC))  # fmt: skip


def test_a_database_url_pointing_at_a_text_file_is_one_fel_line(tmp_path: Path) -> None:
    text_file = tmp_path / "anteckningar.txt"
    text_file.write_text("inte en databas\n" * 100, encoding="utf-8")
    cli = Cli(write_config(tmp_path / "config.toml", f"sqlite:///{text_file}"))
    for argv in (("plan",), ("import", str(SEED_PLAN))):
        result = cli(*argv)
        assert result.code == 2, result.err
        assert result.err.startswith("Fel: ") and result.err.count("\n") == 1
        assert "ingen databas" in result.err and str(text_file) in result.err
    assert text_file.read_text(encoding="utf-8") == "inte en databas\n" * 100


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user may write in (pytest's own are private to their owner)."""
    with tempfile.TemporaryDirectory(prefix="scheduler-ro-") as name:
        os.chmod(name, 0o777)
        yield Path(name)


@pytest.mark.processes
def test_a_read_only_database_file_is_one_fel_line_and_reading_still_works(
    shared_dir: Path,
) -> None:
    """The database file may be read but not written by the user running the command (as root,
    the command runs as `nobody`, since root may write any file)."""
    database = shared_dir / "plan.sqlite3"
    config = write_config(shared_dir / "config.toml", f"sqlite:///{database}")
    edited = shared_dir / "plan.toml"
    plan = seed()
    write_plan(replace(plan, areas=(replace(plan.areas[0], name="Nytt namn"), *plan.areas[1:])),
               edited)  # fmt: skip
    assert upgraded_cli(config)("import", str(SEED_PLAN)).code == 0
    before = snapshot(f"sqlite:///{database}")
    database.chmod(0o444)
    for path in (config, edited):
        path.chmod(0o644)
    as_other = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*(as_other if os.geteuid() == 0 else []), sys.executable, "-m", "scheduler",
             "--config", str(config), *argv],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    written = run("import", str(edited))
    assert written.returncode == 2, written.stderr
    assert written.stderr.startswith("Fel: ") and written.stderr.count("\n") == 1
    assert "skrivskyddad" in written.stderr and str(database) in written.stderr
    read = run("plan", "--json")
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout)["areas"][0]["name"] == plan.areas[0].name
    database.chmod(0o644)
    assert snapshot(f"sqlite:///{database}") == before
