"""A plan's size budget (`[limits]` in config.toml): how many measures one plan may have, and how
many dated meetings and tasks in its year.

Every district of an installation shares its processes and its database. A plan file of 2,000
measures whose När is "måndag–fredag" made 422,001 occurrences: three minutes of one process and
700 MB, while every other district's requests waited. The budget refuses such a plan before the
work: the measures are counted as soon as the file is read, the occurrences as the measures are
placed, and the first measure over either cap is named, with the key that raises it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from scheduler.base.swedish import grouped
from scheduler.model.plan import Plan
from scheduler.settings.model import Limits

MEASURES_KEY: Final = "limits.max_measures_per_plan"
OCCURRENCES_KEY: Final = "limits.max_occurrences_per_plan"
# A plan refused for its size is refused before anything is written, and one already stored is
# left as it was.
NOTHING_CHANGED: Final = "Inget ändrades."


@dataclass(frozen=True)
class PlanBudget:
    """`limits.max_measures_per_plan` and `limits.max_occurrences_per_plan` (their defaults:
    scheduler.settings.model.Limits), made only by `from_section`."""

    max_measures: int
    max_occurrences: int

    @classmethod
    def from_section(cls, limits: Limits) -> PlanBudget:
        return cls(limits.max_measures_per_plan, limits.max_occurrences_per_plan)


def measure_named(area: str, title: str) -> str:
    """A measure as the plan file shows it: its title and its area (sheet)."""
    return f"«{title}» i området «{area}»"


def first_measure_over(
    measures: Iterable[tuple[str, str]], max_measures: int
) -> tuple[int, str, str] | None:
    """(its number from 1, area, title) of the first measure past `max_measures`, of the
    (area, title) pairs in plan order; None when they fit."""
    for number, (area, title) in enumerate(measures, start=1):
        if number > max_measures:
            return number, area, title
    return None


def measures_of(plan: Plan) -> Iterable[tuple[str, str]]:
    """(area, title) of the plan's measures, in plan order."""
    return ((area.name, measure.title) for area in plan.areas for measure in area.measures)


def too_many_measures(number: int, area: str, title: str, max_measures: int) -> str:
    """The Swedish refusal of a plan with more measures than the budget."""
    return (
        f"planen har fler än {grouped(max_measures)} åtgärder: åtgärd {grouped(number)}, "
        f"{measure_named(area, title)}, får inte plats ({MEASURES_KEY} i config.toml). Dela upp "
        "planen, eller höj gränsen"
    )


def too_many_occurrences(
    plan: Plan, *, number: int, area: str, title: str, total: int, max_occurrences: int
) -> str:
    """The Swedish refusal of a plan whose measures give more dated meetings and tasks in its
    year than the budget, naming the measure that crosses it (`number` from 1, `total` the count
    with it)."""
    return (
        f"planen {plan.organisation} {plan.year} får fler än {grouped(max_occurrences)} möten "
        f"och uppgifter under året: med åtgärd {grouped(number)}, {measure_named(area, title)}, "
        f"blir de {grouped(total)} ({OCCURRENCES_KEY} i config.toml). Glesa ut När-texterna, "
        "dela upp planen, eller höj gränsen"
    )
