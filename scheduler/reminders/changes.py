"""The email that tells a convener a person moved, cancelled or restored their meeting or task.
Pure.

It is planned when the change is made (who gets it, the subject `remind list` shows, and the start
the convener last knew of, carried in its key) and rendered when the dispatcher claims it, from
the occurrence as it is then: a meeting moved twice before the dispatcher runs goes out once, as
it is after the second move. What it says follows that state, not the kind stored: a meeting
whose move is followed by its cancellation is reported cancelled.

The .ics is an iTIP message to the convener (RFC 5546): METHOD:REQUEST with the entry as it is
now, or METHOD:CANCEL with STATUS:CANCELLED; the feeds' UID, the occurrence's SEQUENCE, DTSTAMP
the time of the change and the feeds' ORGANIZER, so the entry in their own calendar follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler.feeds.ical import CANCEL, REQUEST, Attendee
from scheduler.mail.render import render_email, render_subject
from scheduler.model.mail import MailKind, PlannedMail, RenderedEmail, change_key, subject_only
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus
from scheduler.reminders.planning import calendar_file, mail_facts
from scheduler.schedule.occurrences import MeasureSchedule
from scheduler.settings.model import RoleConfig, Settings


@dataclass(frozen=True)
class ChangeContent:
    email: RenderedEmail
    calendar: str  # .ics text
    method: str  # of the .ics: REQUEST or CANCEL
    filename: str


def _change_kind(row: Occurrence, restored: bool) -> MailKind:
    if _cancelled(row):
        return MailKind.CHANGE_CANCELLED
    return MailKind.CHANGE_RESTORED if restored else MailKind.CHANGE_MOVED


def _cancelled(row: Occurrence) -> bool:
    return row.status == OccurrenceStatus.CANCELLED


def _template(row: Occurrence) -> str:
    return "meeting_cancelled" if _cancelled(row) else "meeting_moved"


def _context(
    item: MeasureSchedule, row: Occurrence, known_start: datetime, config: Settings,
    restored: bool = False,
) -> dict[str, Any]:  # fmt: skip
    return {
        "restored": restored and not _cancelled(row),  # back after a cancellation
        **mail_facts(item, row, config),
        "known_start": known_start,  # where the convener last knew it to be
        "moved": known_start != row.start,  # else only its length changed, or it moved back
        "note": row.note,
    }


def change_subject(
    item: MeasureSchedule, row: Occurrence, known_start: datetime, config: Settings,
    restored: bool = False,
) -> str:  # fmt: skip
    return render_subject(_template(row), _context(item, row, known_start, config, restored))


def render_change(
    item: MeasureSchedule,
    row: Occurrence,
    known_start: datetime,
    convener: Attendee,
    config: Settings,
    restored: bool = False,
) -> ChangeContent:
    """The whole email, from the occurrence as it is now, with its iTIP .ics. `restored`: the
    notice was of a cancelled one brought back (told so unless it is cancelled again)."""
    email = render_email(_template(row), _context(item, row, known_start, config, restored))
    method = CANCEL if _cancelled(row) else REQUEST
    calendar = calendar_file(item, row, config, method=method, attendees=(convener,))
    filename = "uppgift.ics" if row.kind == OccurrenceKind.TASK else "mote.ics"
    return ChangeContent(email, calendar, method, filename)


def planned_change(
    item: MeasureSchedule,
    row: Occurrence,
    *,
    known_start: datetime,
    role: RoleConfig,
    config: Settings,
    now: datetime,
    restored: bool = False,
) -> PlannedMail:
    """The notice of the change that gave `row` its SEQUENCE: due now, to the convener's
    address, useful until the meeting has passed both where it was and where it is."""
    assert row.id is not None and role.email
    return PlannedMail(
        key=change_key(row.uid, row.sequence, known_start),
        kind=_change_kind(row, restored),
        occurrence_id=row.id,
        role=role.name,
        recipient=role.email,
        due_at=now,
        useful_until=max(row.end, known_start + (row.end - row.start)),
        email=subject_only(change_subject(item, row, known_start, config, restored)),
        attachment=None,
    )
