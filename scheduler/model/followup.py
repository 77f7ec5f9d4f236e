"""The year-end follow-up as values: the campaign of a plan, and what a responsible role
reported about one measure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Answer:
    """A draft can be saved and resumed; a submitted answer can be changed until the deadline
    by submitting again. The coordinator may answer on a role's behalf, which is recorded."""

    measure_id: int
    role: str
    status: str | None
    text: str
    submitted: bool
    by_coordinator: bool
    updated_at: datetime
    submitted_at: datetime | None


@dataclass(frozen=True)
class Campaign:
    """The year-end follow-up of one plan: started once, whatever starts it (date or hand)."""

    id: int
    plan_id: int
    started_at: datetime
    deadline: datetime  # the midnight that ends the last day answers are taken
