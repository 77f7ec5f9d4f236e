"""`make bench-smoke` (`python -m bench.smoke`): `python -m bench` at small sizes (BENCH_QUICK=1)
into a scratch copy of BENCHMARKS.md, then a check that every figure was printed and written to the
table above the hand-written notes, with the machine it ran on, and that no module failed.

It runs outside the test suite (it takes minutes of both cores); no figure is held to anything
here: speed is for BENCHMARKS.md. Exit code 1 with the reasons when a check fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.__main__ import BEGIN, END, ROOT

# The figures of the modules the harness must show: the goals for dispatch and startup.
FIGURES = (
    "`scheduler --help` and `scheduler cadence TEXT --json`: no database, spreadsheet or migration module imported",
    "due reminders to a local aiosmtpd vs a bare stdlib loop",
    "delay from due time to SMTP hand-over under `scheduler serve`, p99",
    "render the whole-plan feed",
)  # fmt: skip
MACHINE = ("CPU", "cores", "memory", "Python", "OS", "date", "load average at start")
NOTES = "# Benchmarks\n\nHand-written notes.\n"


def problems(stdout: str, written: str) -> list[str]:
    """What is wrong with a quick run's output and the file it wrote (nothing: it worked)."""
    if BEGIN not in written or END not in written:
        return ["the generated section is missing"]
    found: list[str] = []
    table = written.split(BEGIN, 1)[1].split(END, 1)[0]
    found += [f"not printed: {figure}" for figure in FIGURES if figure not in stdout]
    found += [f"not in the table: {figure}" for figure in FIGURES if figure not in table]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line][1:]
    if len(rows) < len(FIGURES):
        found.append(f"{len(rows)} rows, fewer than the {len(FIGURES)} figures")
    found += [f"a module failed: {row}" for row in rows if "failed:" in row]
    found += [f"the machine's {name} is missing" for name in MACHINE if f"- {name}" not in table]
    if not written.startswith("# Benchmarks\n\n" + BEGIN):
        found.append("the table is not at the top")
    if not written.rstrip().endswith("Hand-written notes."):
        found.append("the hand-written notes were not kept")
    return found


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "BENCHMARKS.md"
        output.write_text(NOTES, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULER_", "BENCH_"))}
        done = subprocess.run([sys.executable, "-m", "bench"], cwd=ROOT, capture_output=True, text=True,
                              env=env | {"BENCH_QUICK": "1", "BENCH_OUTPUT": str(output)}, timeout=900,
                              check=False)  # fmt: skip
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            print(f"python -m bench exited with {done.returncode}", file=sys.stderr)
            return 1
        found = problems(done.stdout, output.read_text(encoding="utf-8"))
    for problem in found:
        print(problem, file=sys.stderr)
    if not found:
        print("bench smoke: every figure printed and written, no module failed")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
