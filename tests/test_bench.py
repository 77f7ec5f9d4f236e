"""`make bench` keeps its notes: a rerun replaces only the generated table. The whole harness at
small sizes (every module runs and writes its figures) is `make bench-smoke` (bench/smoke.py),
outside the suite; here its checks are held to a good and a broken output, so they can fail."""

from __future__ import annotations

from bench.__main__ import BEGIN, END, updated
from bench.smoke import FIGURES, MACHINE, NOTES, problems


def test_a_rerun_replaces_only_the_generated_section() -> None:
    first = updated("# Benchmarks\n\nNotes.\n", f"{BEGIN}\nrun 1\n{END}\n")
    assert first == f"# Benchmarks\n\n{BEGIN}\nrun 1\n{END}\n\nNotes.\n"
    second = updated(first + "More notes.\n", f"{BEGIN}\nrun 2\n{END}\n")
    assert second == f"# Benchmarks\n\n{BEGIN}\nrun 2\n{END}\n\nNotes.\nMore notes.\n"
    assert updated("Notes only.\n", f"{BEGIN}\nrun\n{END}\n") == (
        f"# Benchmarks\n\n{BEGIN}\nrun\n{END}\n\nNotes only.\n"
    )


def _run(rows: list[str]) -> tuple[str, str]:
    machine = "\n".join(f"- {name}: x" for name in MACHINE)
    table = "| figure | goal |\n| --- | --- |\n" + "".join(f"{row}\n" for row in rows)
    written = updated(NOTES, f"{BEGIN}\n{machine}\n\n{table}{END}\n")
    return "\n".join(FIGURES), written


def test_the_smoke_check_passes_a_whole_run_and_names_what_a_broken_one_lacks() -> None:
    rows = [f"| {figure} | met |" for figure in FIGURES]
    assert problems(*_run(rows)) == []
    stdout, written = _run([*rows[1:], "| bench/feeds.py | failed: OSError |"])
    assert problems(stdout, written) == [
        f"not in the table: {FIGURES[0]}",
        "a module failed: | bench/feeds.py | failed: OSError |",
    ]
    assert problems(stdout, written.replace("Hand-written notes.", ""))[-1:] == [
        "the hand-written notes were not kept"
    ]
