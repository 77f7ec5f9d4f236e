"""What each memo cache saves (scheduler/base/caches.py): one workload, run in a fresh process
with every cache, and once more per cache with that one cache off.

The workload is what the caches are for: PLANS generated plans × 25 measures read and imported
into a new SQLite database (reading När texts and Vem texts, placing and spreading, reminder
subjects, the bulk inserts), then every organisation's feeds exported (`feeds export --all`'s
work, in this one process). A cache is switched off by setting its bound to 0 before the program
is imported (functools then keeps nothing; the function is called every time). The figure is the
CPU time of the workload in that process, the median of REPEAT runs, against the same with every
cache on: what that cache saves there. A cache for a value made once per process (`once.*`), or
one that is there for identity rather than speed, shows little here and says so in its `why`.

`python -m bench.caches [NAME …]` prints the rows, for every cache or the ones named (not one of
`make bench`'s modules: it takes a few minutes). BENCH_QUICK=1: 5 plans, one run each;
BENCH_CACHES_PLANS=N: N plans.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Row

ROOT = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("BENCH_QUICK") == "1"
PLANS = int(os.environ.get("BENCH_CACHES_PLANS", 5 if QUICK else 10))
REPEAT = 1 if QUICK else 2
TIMEOUT_S = 600  # a cache whose absence makes the workload this slow is reported as such


def workload(without: str | None) -> float:
    """The workload's CPU seconds in this process, `without` that cache (None: every cache)."""
    from scheduler.base import caches

    if without is not None:
        caches.KEPT[without] = replace(caches.KEPT[without], size=0)
    from bench.generate import plan_files, write_plans
    from scheduler.plan.files import read_plan
    from scheduler.services.feed_export import export_all
    from scheduler.services.refresh import import_and_schedule
    from scheduler.settings.config import load_settings
    from scheduler.store.engine import upgrade_store

    with tempfile.TemporaryDirectory(prefix="bench-caches-") as name:
        folder = Path(name)  # the same plans in every process (write_plans' seed)
        config_path = write_plans(folder, PLANS, 25, database_url=f"sqlite:///{folder / 'db.sqlite3'}")  # fmt: skip
        config = load_settings(str(config_path), environ={})
        engine = upgrade_store(config.database_url)[0]
        imported_at = datetime(2025, 3, 1, 7, 0, tzinfo=UTC)
        started = time.process_time()
        for path in plan_files(folder):
            import_and_schedule(engine, config, read_plan(path).plan, source=str(path), now=imported_at)  # fmt: skip
        export_all(engine, config, folder / "feeds", now=imported_at, workers=1)
        spent = time.process_time() - started
        engine.dispose()
    return spent


def run(without: str | None) -> float | None:
    """The workload's CPU seconds in a fresh process; None when it took over TIMEOUT_S."""
    command = [sys.executable, "-m", "bench.caches", "--child", without or ""]
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True,
                              timeout=TIMEOUT_S)  # fmt: skip
    except subprocess.TimeoutExpired:
        return None
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


def rows(names: list[str] | None = None) -> list[Row]:
    from scheduler.base.caches import KEPT

    chosen = names or list(KEPT)
    found: dict[str | None, list[float | None]] = {}
    for _ in range(REPEAT):  # every variant once per round: load on the machine hits all alike
        for without in (None, *chosen):
            found.setdefault(without, []).append(run(without))
    base = statistics.median(t for t in found[None] if t is not None)
    result = [Row(f"memo caches: {PLANS} plans × 25 measures imported, their feeds exported, "
                  "every cache on", "", f"{base:.2f} s CPU")]  # fmt: skip
    for name in chosen:
        times = [t for t in found[name] if t is not None]
        if not times:
            measured = f"over {TIMEOUT_S} s"
        else:
            spent = statistics.median(times)
            measured = f"{spent:.2f} s CPU ({(spent - base) / base * 100:+.0f}%)"
        result.append(Row(f"  without `{name}`", "", measured))
    return result


def main(argv: list[str]) -> None:
    if argv[:1] == ["--child"]:
        print(workload(argv[1] or None))
        return
    for row in rows(argv or None):
        print(f"{row.figure}: {row.measured}")


if __name__ == "__main__":
    main(sys.argv[1:])
