"""The outbox as `scheduler remind list` and the workspace's /paminnelser show it: each email with
its status, due time, role, recipient, subject and the reason where there is one; and a failed
one sent again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from scheduler.model.mail import OutboxMail
from scheduler.store.outbox import list_outbox, resend_failed


def outbox_mails(
    engine: Engine, *, status: str | None = None, organisation: str | None = None
) -> list[OutboxMail]:
    """The outbox by due time: every email, or those of `status`, of `organisation`'s plans."""
    return list_outbox(engine, status=status, organisation=organisation)


def send_again(engine: Engine, mail_id: int, *, organisation: str, now: datetime) -> bool:
    """A failed email back to pending, due now and its attempts reset, so the dispatcher sends
    it at its next pass: only while it is failed, still useful (its meeting has not begun) and
    of one of `organisation`'s plans. True when put back; else nothing changed."""
    return resend_failed(engine, mail_id, organisation=organisation, now=now)
