"""A role of an organisation as a coordinator set it in the workspace (/roller)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoredRole:
    organisation: str
    role: str  # the role's name as shown ("Kommunpolis")
    person: str | None
    email: str | None
    updated_at: datetime
