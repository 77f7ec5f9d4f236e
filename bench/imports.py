"""Import speed (issue 14): one 1,000-measure plan, and 300 plans × 25 measures in one
`scheduler import` call, each a real `python -m scheduler import …` process on a temporary
SQLite database and config (bench/generate.py writes both). Wall time of the process, start-up
included (the goal), its CPU time (what a busy machine changes least), and its peak resident
memory (from the kernel's accounting of that one child).

The import counts from 1 March of the plans' year (`import --now`): a plan imported while its
year is under way, so the planning horizon (`reminders.horizon_weeks`) holds its full weeks of
reminders, and what was already behind it is not planned. Imported in December for the coming
year, a plan has fewer.

`python -m bench.imports` runs these alone and prints the rows; `BENCH_QUICK=1` runs small sizes
(a 100-measure plan, 10 plans) for a smoke test, with the same row texts.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.bytecode import compile_package
from bench.generate import YEAR, plan_files, write_plans
from bench.report import Row

ROOT = Path(__file__).resolve().parents[1]
ONE_PLAN = "1,000-measure plan import"
MANY_PLANS = "300 plans × 25 measures: one `import` call"
ONE_PLAN_GOAL_S = 3.0
MANY_PLANS_GOAL_S = 10.0
MANY_PLANS_GOAL_MB = 500
IMPORT_AT = f"{YEAR}-03-01T08:00"  # Swedish local time


@dataclass(frozen=True)
class Run:
    seconds: float  # wall time
    cpu_seconds: float  # user and system time of the process: telling on a busy machine
    peak_mb: float
    output: str

    @property
    def measured(self) -> str:
        return f"{self.seconds:.1f} s ({self.cpu_seconds:.1f} s CPU), {self.peak_mb:,.0f} MB peak"


def quick() -> bool:
    return os.environ.get("BENCH_QUICK") == "1"


def run_scheduler(config: Path, *argv: str) -> Run:
    """One `python -m scheduler --config CONFIG …` process: its wall time and peak RSS."""
    command = [sys.executable, "-m", "scheduler", "--config", str(config), *argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err)
        # wait4 gives this child's own resource use (RUSAGE_CHILDREN would be the largest of
        # every child so far); the output goes to files, so nothing blocks while it runs.
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command[:6])} … failed: {err.read().decode(errors='replace')}"
            )
        cpu = usage.ru_utime + usage.ru_stime
        return Run(seconds, cpu, usage.ru_maxrss / 1024, out.read().decode())  # ru_maxrss: KiB


def import_files(folder: Path, count: int, measures: int) -> Run:
    """Generate `count` plans of `measures` measures, bring a new database up, import them all
    in one call."""
    config = write_plans(folder, count, measures,
                         database_url=f"sqlite:///{folder / 'bench.sqlite3'}")  # fmt: skip
    run_scheduler(config, "db", "upgrade")
    return run_scheduler(config, "import", "--now", IMPORT_AT, *map(str, plan_files(folder)))


def rows() -> list[Row]:
    compile_package()  # as installed (bench/bytecode.py); done once, then nothing to do
    measures, count = (100, 10) if quick() else (1000, 300)
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as many:
        single = import_files(Path(one), 1, measures)
        several = import_files(Path(many), count, 25)
    return [
        Row(ONE_PLAN, f"< {ONE_PLAN_GOAL_S:g} s",
            f"{single.measured} ({measures:,} measures)",
            single.seconds < ONE_PLAN_GOAL_S),
        Row(MANY_PLANS, f"< {MANY_PLANS_GOAL_S:g} s, < {MANY_PLANS_GOAL_MB} MB peak",
            f"{several.measured} ({count} plans × 25 measures)",
            several.seconds < MANY_PLANS_GOAL_S and several.peak_mb < MANY_PLANS_GOAL_MB),
    ]  # fmt: skip


def main() -> None:
    for row in rows():
        print(f"{row.figure}: {row.measured} (goal {row.goal}: {row.verdict or '-'})")


if __name__ == "__main__":
    main()
