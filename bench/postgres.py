"""PostgreSQL beside SQLite (issue 29): the 300 plans × 25 measures import in one `scheduler
import` call, and `scheduler feeds export --all` of them, each on a fresh SQLite file and on a
fresh PostgreSQL schema in the same run, one after the other, so that the ratio compares like
with like on a machine whose load changes. Goal: PostgreSQL within 1.5× of SQLite, and under
10 s, for each.

Runs only when `BENCH_POSTGRES_URL` (else `SCHEDULER_TEST_DATABASE_URL`, as the tests and `.ci/run`
set it) names a reachable server: each run gets a schema of its own, dropped after. Without one
the rows say so. `python -m bench.postgres` runs these alone; `BENCH_QUICK=1` imports 10 plans.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.bytecode import compile_package
from bench.generate import plan_files, write_plans
from bench.imports import IMPORT_AT, Run, run_scheduler
from bench.report import Row

# A schema of its own on the server, dropped after: the tests' way (tests/conftest.py).
from tests.support.databases import postgres_schema as schema_of

ROOT = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("BENCH_QUICK") == "1"
PLANS, MEASURES = (10, 25) if QUICK else (300, 25)
RATIO_GOAL, SECONDS_GOAL = 1.5, 10.0
EXPORT_AT = IMPORT_AT  # the plans' year under way, as bench/feeds.py exports


def postgres_url() -> str | None:
    """The server to measure on, when one is named and answers."""
    url = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("SCHEDULER_TEST_DATABASE_URL")
    if not url:
        return None
    from sqlalchemy import create_engine, text

    from scheduler.store.engine import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
    except Exception:  # not reachable: the rows say so
        return None
    finally:
        engine.dispose()
    return url


@dataclass(frozen=True)
class Measured:
    imported: Run
    exported: Run
    files: int


def measure(folder: Path, url: str) -> Measured:
    """Plans generated, the schema made, every plan imported in one call, then exported."""
    config = write_plans(folder, PLANS, MEASURES, database_url=url)
    run_scheduler(config, "db", "upgrade")
    imported = run_scheduler(config, "import", "--now", IMPORT_AT, *map(str, plan_files(folder)))
    target = folder / "kalendrar"
    exported = run_scheduler(config, "feeds", "export", str(target), "--all", "--now", EXPORT_AT)
    return Measured(imported, exported, sum(1 for _ in target.rglob("*.ics")))


def _row(figure: str, postgres: Run, sqlite: Run) -> Row:
    ratio = postgres.seconds / sqlite.seconds
    return Row(figure, f"≤ {RATIO_GOAL:g}× SQLite, < {SECONDS_GOAL:g} s",
               f"{ratio:.2f}×: PostgreSQL {postgres.measured}; SQLite {sqlite.measured}",
               ratio <= RATIO_GOAL and postgres.seconds < SECONDS_GOAL)  # fmt: skip


def rows() -> list[Row]:
    size = f"{PLANS} plans × {MEASURES} measures"
    figures = (f"{size}: one `import` call, PostgreSQL vs SQLite",
               f"`feeds export --all` of {size}, PostgreSQL vs SQLite")  # fmt: skip
    base = postgres_url()
    if base is None:
        return [Row(figure, f"≤ {RATIO_GOAL:g}× SQLite", "not measured: set BENCH_POSTGRES_URL "
                    "to a PostgreSQL server that answers")
                for figure in figures]  # fmt: skip
    compile_package()
    with tempfile.TemporaryDirectory() as lite, tempfile.TemporaryDirectory() as pg:
        sqlite = measure(Path(lite), f"sqlite:///{Path(lite) / 'bench.sqlite3'}")
        with schema_of(base) as url:
            postgres = measure(Path(pg), url)
    if postgres.files != sqlite.files:
        raise RuntimeError(f"the exports differ: {postgres.files} files vs {sqlite.files}")
    return [_row(figures[0], postgres.imported, sqlite.imported),
            _row(figures[1], postgres.exported, sqlite.exported)]  # fmt: skip


def main() -> None:
    started = time.perf_counter()
    for row in rows():
        print(f"{row.figure}: {row.measured} (goal {row.goal}: {row.verdict or '-'})")
    print(
        f"({time.perf_counter() - started:.0f} s, load {os.getloadavg()[0]:.1f})", file=sys.stderr
    )


if __name__ == "__main__":
    main()
