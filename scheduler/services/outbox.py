"""The outbox as `scheduler remind list` and the workspace's /paminnelser show it: each email with
its status, due time, role, recipient, subject, measure and the reason where there is one; the
copy of a sent one as it went out; and a failed one sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from scheduler.mail.sent_copy import SentCopy, read_sent
from scheduler.model.mail import OutboxMail
from scheduler.store.outbox import list_outbox, outbox_measures, resend_failed, sent_message


def outbox_mails(
    engine: Engine, *, status: str | None = None, organisation: str | None = None
) -> list[OutboxMail]:
    """The outbox by due time: every email, or those of `status`, of `organisation`'s plans."""
    return list_outbox(engine, status=status, organisation=organisation)


@dataclass(frozen=True)
class ListedMail:
    """An email as the reminders page lists it: the row, and the measure it is about ("" for
    mail about no one measure: a digest, the follow-up)."""

    mail: OutboxMail
    measure_id: int | None
    measure: str

    @property
    def moment(self) -> datetime:
        """When it went out, or else when it is (was) due."""
        return self.mail.sent_at or self.mail.due_at


def listed_mails(engine: Engine, *, organisation: str) -> list[ListedMail]:
    """`organisation`'s outbox, newest first: by when it was sent, or else when it is due."""
    measures = outbox_measures(engine, organisation=organisation)
    listed = [
        ListedMail(mail, *measures.get(mail.id, (None, "")))
        for mail in list_outbox(engine, organisation=organisation)
    ]
    return sorted(listed, key=lambda item: (item.moment, item.mail.id), reverse=True)


def sent_copy(engine: Engine, mail_id: int, *, organisation: str) -> SentCopy | None:
    """Email `mail_id` exactly as it was sent (headers, text, HTML, attachments), when it is one
    of `organisation`'s and its copy is still kept; else None."""
    raw = sent_message(engine, mail_id, organisation=organisation)
    return None if raw is None else read_sent(raw)


def send_again(engine: Engine, mail_id: int, *, organisation: str, now: datetime) -> bool:
    """A failed email back to pending, due now and its attempts reset, so the dispatcher sends
    it at its next pass: only while it is failed, still useful (its meeting has not begun) and
    of one of `organisation`'s plans. True when put back; else nothing changed."""
    return resend_failed(engine, mail_id, organisation=organisation, now=now)
