"""The rows of `make bench` as a Markdown table: figure, goal, measured, met."""

from __future__ import annotations

from collections.abc import Sequence

from bench.report import Row

HEADER = ("figure", "goal", "measured", "met")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rows: Sequence[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "| " + " | ".join("---" for _ in HEADER) + " |"]
    for row in rows:
        verdict = {True: "**ja**", False: "**nej**", None: ""}[row.met]
        cells = (row.figure, row.goal, row.measured, verdict)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def print_rows(rows: Sequence[Row]) -> None:
    """Plain columns for the terminal, each row as soon as its module is done."""
    for row in rows:
        goal = f"  (mål {row.goal}: {row.verdict})" if row.goal else ""
        print(f"{row.figure}: {row.measured}{goal}", flush=True)
