"""An event of the audit record, as a value: who did what, when and from which address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    organisation: str
    actor: str  # the username, or what was typed at a failed sign-in
    client_address: str
    action: str  # Swedish, as /logg shows it: "Inloggning", "Misslyckad inloggning", "Ändring"
    detail: str
