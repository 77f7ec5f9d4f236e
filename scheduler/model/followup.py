"""What a responsible role reported about one measure at year end, as a value."""

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
