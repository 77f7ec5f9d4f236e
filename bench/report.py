"""One figure of `make bench`: what was measured, the goal it is held to, and whether it met it.

Every bench module (bench/<name>.py) exposes `rows() -> list[Row]`; `python -m bench` runs them
side by side in one run, prints the table and writes it to BENCHMARKS.md with the machine and
the date. No test asserts a time: the goals are read by people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    figure: str  # what was measured, e.g. "feed 200 vs nginx static, same bytes, one worker each"
    goal: str  # the goal as text, e.g. "≥ 0.25×"; "" for a context figure
    measured: str  # the figure as text, e.g. "0.31× (14,200 vs 45,800 req/s)"
    met: bool | None = None  # None: a context figure with no goal

    @property
    def verdict(self) -> str:
        return {True: "ja", False: "nej", None: ""}[self.met]
