"""The email that tells a convener a person moved or cancelled their meeting or task. Pure.

It is planned when the change is made (who gets it, the subject `remind list` shows, and the start
the convener last knew of, carried in its key) and rendered when the dispatcher claims it, from
the occurrence as it is then: a meeting moved twice before the dispatcher runs goes out once, as
it is after the second move. What it says follows that state, not the kind stored: a meeting
whose move is followed by its cancellation is reported cancelled.

The .ics is an iTIP message to the convener (RFC 5546): METHOD:REQUEST with the entry as it is
now, or METHOD:CANCEL with STATUS:OccurrenceStatus.CANCELLED; the feeds' UID, the occurrence's SEQUENCE, DTSTAMP
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


def _cancelled(row: Occurrence) -> bool:
    return row.status == OccurrenceStatus.CANCELLED


def _template(row: Occurrence) -> str:
    return "meeting_cancelled" if _cancelled(row) else "meeting_moved"


def _context(
    item: MeasureSchedule, row: Occurrence, known_start: datetime, config: Settings
) -> dict[str, Any]:
    return {
        **mail_facts(item, row, config),
        "known_start": known_start,  # where the convener last knew it to be
        "moved": known_start != row.start,  # else only its length changed, or it moved back
        "note": row.note,
    }


def change_subject(
    item: MeasureSchedule, row: Occurrence, known_start: datetime, config: Settings
) -> str:
    return render_subject(_template(row), _context(item, row, known_start, config))


def render_change(
    item: MeasureSchedule,
    row: Occurrence,
    known_start: datetime,
    convener: Attendee,
    config: Settings,
) -> ChangeContent:
    """The whole email, from the occurrence as it is now, with its iTIP .ics."""
    email = render_email(_template(row), _context(item, row, known_start, config))
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
) -> PlannedMail:
    """The notice of the change that gave `row` its SEQUENCE: due now, to the convener's
    address, useful until the meeting has passed both where it was and where it is."""
    assert row.id is not None and role.email
    return PlannedMail(
        key=change_key(row.uid, row.sequence, known_start),
        kind=MailKind.CHANGE_CANCELLED if _cancelled(row) else MailKind.CHANGE_MOVED,
        occurrence_id=row.id,
        role=role.name,
        recipient=role.email,
        due_at=now,
        useful_until=max(row.end, known_start + (row.end - row.start)),
        email=subject_only(change_subject(item, row, known_start, config)),
        attachment=None,
    )
