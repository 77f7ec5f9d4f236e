"""`make bench` as a smoke test: `python -m bench` with BENCH_QUICK=1 (small sizes) runs every
bench module present and writes its table to the given file, keeping the hand-written notes.
No figure is held to anything here: speed is for BENCHMARKS.md, not for tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bench.__main__ import BEGIN, END, updated
from tests.conftest import ROOT

# The figures of the modules this branch has: the goals for dispatch and startup.
FIGURES = (
    "`scheduler --help` and `scheduler cadence TEXT --json`: no database, spreadsheet or migration module imported",
    "due reminders to a local aiosmtpd vs a bare stdlib loop",
    "delay from due time to SMTP hand-over under `scheduler serve`, p99",
    "render the whole-plan feed",
)  # fmt: skip


def test_bench_prints_every_figure_and_writes_the_table_above_the_notes(tmp_path: Path) -> None:
    output = tmp_path / "BENCHMARKS.md"
    output.write_text("# Benchmarks\n\nHand-written notes.\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULER_", "BENCH_"))}
    done = subprocess.run([sys.executable, "-m", "bench"], cwd=ROOT, capture_output=True, text=True,
                          env=env | {"BENCH_QUICK": "1", "BENCH_OUTPUT": str(output)}, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    written = output.read_text(encoding="utf-8")
    table = written.split(BEGIN, 1)[1].split(END, 1)[0]
    for figure in FIGURES:
        assert figure in done.stdout, figure
        assert figure in table, figure
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) >= len(FIGURES)
    assert not [row for row in rows if "failed:" in row], rows  # every module present ran
    for name in ("CPU", "cores", "memory", "Python", "OS", "date", "load average at start"):
        assert f"- {name}" in table, name
    assert written.startswith("# Benchmarks\n\n" + BEGIN)
    assert written.rstrip().endswith("Hand-written notes.")


def test_a_rerun_replaces_only_the_generated_section() -> None:
    first = updated("# Benchmarks\n\nNotes.\n", f"{BEGIN}\nrun 1\n{END}\n")
    assert first == f"# Benchmarks\n\n{BEGIN}\nrun 1\n{END}\n\nNotes.\n"
    second = updated(first + "More notes.\n", f"{BEGIN}\nrun 2\n{END}\n")
    assert second == f"# Benchmarks\n\n{BEGIN}\nrun 2\n{END}\n\nNotes.\nMore notes.\n"
    assert updated("Notes only.\n", f"{BEGIN}\nrun\n{END}\n") == (
        f"# Benchmarks\n\n{BEGIN}\nrun\n{END}\n\nNotes only.\n"
    )
