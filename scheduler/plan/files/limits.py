"""[limits] in config.toml: how much of a plan file is read before it is refused (the keys are
declared in scheduler.settings.model).

A plan is a few dozen measures; these bounds keep a hostile or broken file (a zip bomb, a sheet
formatted down to row 1,048,576, a pasted novel in one cell) from taking the machine's memory.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from scheduler.base.swedish import grouped
from scheduler.settings.model import EXCEL_MAX_CELL_CHARS, Limits

__all__ = ["EXCEL_MAX_CELL_CHARS", "ReadLimits", "default_limits", "too_long"]


@dataclass(frozen=True)
class ReadLimits:
    """The keys of [limits] a reader of plan files holds to (their defaults and meaning:
    scheduler.settings.model.Limits), made only by `from_section`; `default_limits()` when the
    caller has no settings."""

    max_rows_per_sheet: int
    max_cells_per_sheet: int
    max_text_chars: int
    max_uncompressed_mb: int
    max_measures_per_plan: int  # counted as soon as the file is read (plan/budget.py)
    max_nesting: int

    @classmethod
    def from_section(cls, limits: Limits) -> ReadLimits:
        # The section's keys this reader knows: [limits] also holds the plan's budget.
        return cls(**{field.name: getattr(limits, field.name) for field in fields(cls)})

    @property
    def max_bytes(self) -> int:
        return self.max_uncompressed_mb * 1024 * 1024


def default_limits() -> ReadLimits:
    """The limits of a config that does not set them."""
    return ReadLimits.from_section(Limits())


def too_long(length: int, limits: ReadLimits) -> str:
    """The Swedish message for a text over the limit, naming the limit's key."""
    return (
        f"texten har {grouped(length)} tecken; gränsen är {grouped(limits.max_text_chars)} "
        "tecken (limits.max_text_chars i config.toml)"
    )
