"""Emails the schedule calls for, as values: what the planning computes and the outbox stores.

A reminder's key names the occurrence, the kind and the start it was made for; the outbox reads
the start back to tell a reminder made for a meeting that has since moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.model.occurrence import Occurrence

# An outbox row's life: pending → sending (claimed) → sent | failed | skipped | cancelled.
PENDING, SENDING, SENT, FAILED, SKIPPED, CANCELLED = (
    "pending", "sending", "sent", "failed", "skipped", "cancelled",
)  # fmt: skip
STATUSES = (PENDING, SENDING, SENT, FAILED, SKIPPED, CANCELLED)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def subject_only(subject: str) -> RenderedEmail:
    """A reminder as planned: its subject, no bodies; they are rendered when it is claimed."""
    return RenderedEmail(subject, "", "")


def rendered_at_claim(text: str, html: str) -> bool:
    """An outbox row without bodies is a reminder rendered when it is claimed for sending."""
    return not text and not html


@dataclass(frozen=True)
class PlannedMail:
    key: str
    kind: str
    occurrence_id: int | None
    role: str
    recipient: str
    due_at: datetime
    useful_until: datetime | None
    email: RenderedEmail  # a reminder: subject_only (bodies rendered at claim); a digest: whole
    attachment: str | None  # an .ics to attach (METHOD:PUBLISH); a reminder's is made at claim


def reminder_key(row: Occurrence, kind: str) -> str:
    """Names the occurrence, the kind and the start the reminder was made for."""
    return f"{row.uid}|{kind}|{row.start.isoformat()}"


def made_for_start(key: str) -> datetime | None:
    """The start a reminder's key was made for (None for keys of other mail, e.g. digests)."""
    parts = key.rsplit("|", 2)
    if len(parts) != 3:
        return None
    try:
        start = datetime.fromisoformat(parts[2])
    except ValueError:
        return None
    return start if start.tzinfo else None
