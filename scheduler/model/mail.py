"""Emails the schedule calls for, as values: what the planning computes and the outbox stores.

A reminder's key names the occurrence, the kind and the start it was made for; the outbox reads
the start back to tell a reminder made for a meeting that has since moved. A change notice's key
names the occurrence, the SEQUENCE the change gave it and the start the convener last knew of.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from scheduler.model.occurrence import Occurrence


class OutboxStatus(StrEnum):
    """An outbox row's life: pending → sending (claimed) → sent | failed | skipped | cancelled.
    What users read is `scheduler.model.display_words.OUTBOX_STATUS_WORDS`."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class MailKind(StrEnum):
    """What an outbox email is, as stored. A reminder ahead of a meeting or a task's day also
    stores how many days ahead it is (`lead_days`), in a column of its own."""

    MEETING_REMINDER = "meeting-reminder"
    TASK_REMINDER = "task-reminder"
    HELD_QUESTION = "held"  # after a meeting: was it held?
    TASK_DONE_QUESTION = "task-overdue"  # after a task's day: was it done?
    DIGEST = "digest"  # Monday's overview per convening role
    CHANGE_MOVED = "change-moved"  # a person moved a meeting or task
    CHANGE_CANCELLED = "change-cancelled"  # a person cancelled one
    FOLLOWUP_START = "followup-start"
    FOLLOWUP_NUDGE = "followup-nudge"
    FOLLOWUP_SUMMARY = "followup-summary"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class OutboxMail:
    """One email of the outbox as stored: a reminder, a held-or-not question, a digest, a
    follow-up prompt, a change notice; with where it is in its life (`status`)."""

    id: int
    key: str  # unique per occurrence and kind: a reminder is stored once however often synced
    kind: str  # a MailKind's code (kept as stored: a newer version's kind is told, not raised)
    plan_id: int | None
    occurrence_id: int | None
    role: str
    recipient: str  # an address
    due_at: datetime
    useful_until: datetime | None  # after this (the meeting has begun) it is skipped, not sent
    subject: str
    body_text: str  # empty, as body_html: rendered when claimed (`rendered_at_claim`)
    body_html: str
    attachment: str | None  # .ics text
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime | None
    claimed_by: str | None
    claimed_until: datetime | None
    sent_at: datetime | None
    last_error: str  # the mail server's answer, or why it was skipped or cancelled
    created_at: datetime
    updated_at: datetime
    lead_days: int | None = None  # a reminder ahead: how many days ahead


def subject_only(subject: str) -> RenderedEmail:
    """A reminder as planned: its subject, no bodies; they are rendered when it is claimed."""
    return RenderedEmail(subject, "", "")


def rendered_at_claim(text: str, html: str) -> bool:
    """An outbox row without bodies is a reminder rendered when it is claimed for sending."""
    return not text and not html


@dataclass(frozen=True)
class PlannedMail:
    key: str
    kind: MailKind
    occurrence_id: int | None
    role: str
    recipient: str
    due_at: datetime
    useful_until: datetime | None
    email: RenderedEmail  # a reminder: subject_only (bodies rendered at claim); a digest: whole
    attachment: str | None  # an .ics to attach (METHOD:PUBLISH); a reminder's is made at claim
    lead_days: int | None = None  # a reminder ahead: how many days ahead


def reminder_key(row: Occurrence, kind: MailKind, lead_days: int | None = None) -> str:
    """Names the occurrence, the kind and the start the reminder was made for. A reminder ahead
    is named as versions before the `lead_days` column named its kind ("meeting-14d"), so that
    a reminder stored then is recognised and never planned twice."""
    if lead_days is not None:
        ahead = "meeting" if kind == MailKind.MEETING_REMINDER else "task"
        return f"{row.uid}|{ahead}-{lead_days}d|{row.start.isoformat()}"
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


# What the keys of the email to the convener when a person moves or cancels a meeting or task
# begin with.
CHANGE_PREFIX = "change"


def is_change(kind: str) -> bool:
    return kind in (MailKind.CHANGE_MOVED, MailKind.CHANGE_CANCELLED)


def change_key(uid: str, sequence: int, known_start: datetime) -> str:
    """One key per change (the occurrence and the SEQUENCE the change gave it), so a repeat
    never adds a second row. It also carries the start the convener last heard of (the start
    before the change, or before earlier changes that were never sent), which the email shows
    as "from": the occurrence itself keeps only where it is now. A change is made under the
    store's write lock, so one SEQUENCE always comes with one such start."""
    return f"{CHANGE_PREFIX}|{uid}|{sequence}|{known_start.isoformat()}"


def change_key_prefix(uid: str) -> str:
    """What the keys of every change notice of one occurrence begin with."""
    return f"{CHANGE_PREFIX}|{uid}|"


def change_known_start(key: str) -> datetime:
    """The start a change notice's key says the convener knew of."""
    return datetime.fromisoformat(key.rsplit("|", 1)[1])


def earliest_known_start(keys: Iterable[str]) -> datetime | None:
    """Of change notices of one occurrence never sent, what the oldest knew: where the convener
    last knew the meeting to be (None: there were none)."""
    oldest = min(keys, key=lambda key: int(key.rsplit("|", 2)[1]), default=None)
    return None if oldest is None else change_known_start(oldest)
