"""`scheduler import FILE...`: many plan files in one process, each its own transaction and
report; the result is the same as importing them one by one, and a bad file changes nothing and
stops nothing (issue 14)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from bench.generate import YEAR, plan_files, write_plans
from scheduler.plan.files import read_plan, write_plan
from scheduler.store.engine import open_store
from tests.support.cli import upgraded_cli
from tests.support.databases import postgres_schema

# Written at the moment of the import (no command takes a `now` here), or computed from such a
# moment; everything else an import writes must be the same however the files were given.
MOMENT_COLUMNS = {"created_at", "updated_at", "changed_at", "schedule_fingerprint"}
TABLES = ("plan", "area", "measure", "occurrence", "outbox")
IMPORTED = f"{YEAR}-01-08T08:00"  # the start of the generated plans' year (import --now)

Rows = dict[str, list[str]]


@pytest.fixture
def other_store_url(
    store_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A second empty database on the same kind of server as `store_url`."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'other.sqlite3'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


def table_data(url: str) -> Rows:
    """Every row of the tables an import writes, as data: database ids replaced by what they
    stand for (a plan by organisation and year, a measure by its key, an occurrence by its UID),
    the moment of the import left out, in a stable order."""
    engine = open_store(url)
    try:
        with engine.connect() as connection:

            def rows(table: str) -> list[dict[str, object]]:
                return [dict(r) for r in connection.execute(text(f"select * from {table}")).mappings()]  # fmt: skip

            plans = {r["id"]: (r["organisation"], r["year"]) for r in rows("plan")}
            refs: dict[str, dict[object, object]] = {
                "plan_id": dict(plans),
                "area_id": {r["id"]: (plans[r["plan_id"]], r["name"]) for r in rows("area")},
                "measure_id": {r["id"]: (plans[r["plan_id"]], r["key"]) for r in rows("measure")},
                "occurrence_id": {r["id"]: r["uid"] for r in rows("occurrence")},
            }

            def as_data(row: dict[str, object]) -> str:
                kept = [(name, refs[name].get(value) if name in refs else value)
                        for name, value in row.items() if name != "id" and name not in MOMENT_COLUMNS]  # fmt: skip
                return repr(sorted(kept))

            return {table: sorted(as_data(row) for row in rows(table)) for table in TABLES}
    finally:
        engine.dispose()


def plans_and_configs(folder: Path, url: str, other_url: str) -> tuple[list[Path], Path, Path]:
    """Four generated plans (one of them as a workbook) and a config for each database."""
    config = write_plans(folder, count=4, measures=8, seed=3, database_url=url)
    other = folder / "other.toml"
    other.write_text(config.read_text(encoding="utf-8").replace(url, other_url), encoding="utf-8")
    files = plan_files(folder)
    workbook = files[1].with_suffix(".xlsx")
    write_plan(read_plan(files[1]).plan, workbook)
    files[1].unlink()
    return [files[0], workbook, *files[2:]], config, other


# Without workers, and with two reading and placing the next files ahead (import_ahead.py).
JOBS = pytest.mark.parametrize("jobs", ["0", "2"])


@JOBS
def test_one_import_of_many_files_stores_the_same_as_importing_them_one_by_one(
    tmp_path: Path, store_url: str, other_store_url: str, jobs: str
) -> None:
    files, config, other = plans_and_configs(tmp_path, store_url, other_store_url)
    together, apart = upgraded_cli(config), upgraded_cli(other)

    # At the start of the plans' year: every table has rows (reminders ahead) to compare.
    result = together("import", "--jobs", jobs, "--now", IMPORTED, *map(str, files))

    assert result.code == 0, result.err
    assert result.err == ""
    for path in files:
        assert apart("import", "--now", IMPORTED, str(path)).code == 0
    data = table_data(store_url)
    assert data == table_data(other_store_url)
    assert {table: bool(rows) for table, rows in data.items()} == dict.fromkeys(TABLES, True)
    lines = result.out.splitlines()
    assert lines[-1] == "4 planer importerade, 0 fel"
    for path in files:  # one report per file, every line of it naming the file
        assert any(line.startswith(f"{path}: Importerade ") for line in lines)
        assert any(line.startswith(f"{path}: Kalendern: ") for line in lines)
    assert all(line.startswith(tuple(f"{path}: " for path in files)) for line in lines[:-1])


@JOBS
def test_a_bad_file_among_good_ones_changes_nothing_stops_nothing_and_is_named(
    tmp_path: Path, store_url: str, other_store_url: str, jobs: str
) -> None:
    files, config, other = plans_and_configs(tmp_path, store_url, other_store_url)
    first, *good = files
    together, apart = upgraded_cli(config), upgraded_cli(other)
    for cli in (together, apart):
        assert cli("import", str(first)).code == 0
    # The first plan again, with one measure of its eight: refused as a wrong file (more than
    # half would go), so its stored plan must stay whole.
    plan = read_plan(first).plan
    shrunk = tmp_path / "shrunk.toml"
    write_plan(replace(plan, areas=(replace(plan.areas[0], measures=plan.areas[0].measures[:1]),)),
               shrunk)  # fmt: skip
    broken = tmp_path / "broken.toml"
    broken.write_text('organisation = "Norrby kommun"\nyear = \n', encoding="utf-8")
    missing = tmp_path / "missing.toml"

    result = together("import", "--jobs", jobs, str(good[0]), str(shrunk), str(broken),
                      *map(str, good[1:]), str(missing))  # fmt: skip

    assert result.code == 2
    for path in good:
        assert apart("import", str(path)).code == 0
    assert table_data(store_url) == table_data(other_store_url)
    errors = result.err.splitlines()
    assert len(errors) == 3
    for line, path in zip(errors, (shrunk, broken, missing), strict=True):
        assert line.startswith(f"Fel: fil {path}")
    assert result.out.splitlines()[-1] == "3 planer importerade, 3 fel"
    one = together("import", str(good[0]), str(broken))
    assert one.code == 2 and one.out.splitlines()[-1] == "1 plan importerad, 1 fel"


def test_one_file_reports_as_before_without_its_name_or_a_summary(
    tmp_path: Path, store_url: str, other_store_url: str
) -> None:
    files, config, _other = plans_and_configs(tmp_path, store_url, other_store_url)
    cli = upgraded_cli(config)

    result = cli("import", str(files[0]), "--now", IMPORTED)

    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].startswith("Importerade ")
    assert len(lines) == 3  # the plan, its calendar, its reminders
    again = cli("import", str(files[0]), "--now", IMPORTED)
    assert again.out.startswith("Planen ") and "redan importerad" in again.out
    missing = cli("import", str(tmp_path / "missing.toml"))
    assert (missing.code, missing.out) == (2, "")
    assert missing.err == f"Fel: fil {tmp_path / 'missing.toml'}: filen finns inte\n"
