"""The dispatcher: one pass sends what is due, once. Work lives in the outbox, not in memory, so
any number of dispatchers may run (cron, `scheduler serve` on several hosts) and a killed one
loses nothing: its claim expires and the row is sent again, with the same Message-ID.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import Message

from sqlalchemy import Engine

from scheduler.base.errors import ConfigError
from scheduler.mail.delivery import Delivery, DeliveryError, pass_session
from scheduler.mail.render import Attachment, address, build_message
from scheduler.mail.sent_copy import wire_text
from scheduler.mail.settings import EmailSettings
from scheduler.model.mail import MailKind, OutboxMail, RenderedEmail
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.reminder_mail import Gone, MailContent, ReminderRenderer
from scheduler.settings.model import Settings
from scheduler.store.heartbeat import PassCounts, record_pass
from scheduler.store.outbox import due_ids, prune_sent_messages, skip_stale, superseded_ids
from scheduler.store.outbox_pass import PassLedger, pass_ledger

log = logging.getLogger(__name__)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class PassResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    lost_to_others: int = 0
    cancelled: int = 0  # its meeting was cancelled or moved since the reminder was made
    taken: int = 0  # due rows the pass went through (at most max_per_pass): all, if fewer
    errors: list[str] = field(default_factory=list)

    def add(self, other: PassResult) -> None:
        """Another pass's counts added to these (a wake of the runner may make several)."""
        for name in (
            "sent",
            "retried",
            "failed",
            "skipped",
            "lost_to_others",
            "cancelled",
            "taken",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


def attachment_name(kind: str) -> str:
    """What the attached .ics is called: a task's reminder carries a task, not a meeting."""
    task = kind in (MailKind.TASK_REMINDER, MailKind.TASK_DONE_QUESTION)
    return "uppgift.ics" if task else "mote.ics"


def message_for(
    row: OutboxMail,
    email: EmailSettings,
    *,
    now: datetime,
    content: MailContent | None = None,
    sender_name: str | None = None,
) -> Message:
    """The message for `row`: its `content` as rendered at claim, or else as stored. The
    Message-ID comes from the row's key, so every attempt at one row carries the same."""
    content = content or MailContent(
        RenderedEmail(row.subject, row.body_text, row.body_html), row.attachment
    )
    attachments = (
        (Attachment(content.filename or attachment_name(row.kind), content.attachment.encode("utf-8"),
                    params=(("charset", "utf-8"), ("method", content.method))),)
        if content.attachment
        else ()
    )  # fmt: skip
    return build_message(
        content.email,
        sender=address(email.sender, sender_name or email.sender_name),
        recipient=address(row.recipient, row.role),
        key=row.key,
        date=now,
        attachments=attachments,
    )


def handle_one(
    ledger: PassLedger, row_id: int, *, delivery: Delivery, email: EmailSettings,
    settings: ReminderSettings, renderer: ReminderRenderer, now: datetime, result: PassResult,
) -> None:  # fmt: skip
    """Claim, render and send one row; its outcome goes to the ledger (written with the next
    claim, before the next send)."""
    claimed = ledger.claim(row_id, now=now)
    if claimed is None:
        result.lost_to_others += 1
        return
    row = claimed.row
    assert row.id is not None
    if row.useful_until is not None and row.useful_until <= now:
        ledger.skipped(row.id, now=now, reason="Inte längre aktuellt: tiden har redan passerat.")
        result.skipped += 1
        return
    if claimed.outdated is not None:
        ledger.cancelled(row.id, now=now, reason=claimed.outdated)
        result.cancelled += 1
        return
    attempts = row.attempts + 1
    try:
        # A reminder: rendered now, from its meeting as it is now (as of the claim).
        content = renderer.content(row, plan_state=claimed.plan_state)
        sender_name = renderer.sender_name(row)  # with several districts: the row's own
        message = message_for(row, email, now=now, content=content, sender_name=sender_name)
        # Written out first: that fixes the MIME boundaries, so the copy kept is what is sent.
        sent_copy = wire_text(message)
        delivery.send(message)
    except Gone as gone:  # its meeting, task or measure is no more
        ledger.skipped(row.id, now=now, reason=str(gone))
        result.skipped += 1
        return
    except ConfigError as exc:  # a malformed address: no retry helps
        ledger.failed(row.id, now=now, attempts=attempts, error=str(exc))
        result.failed += 1
        result.errors.append(f"{row.recipient}: {exc}")
        return
    except Exception as exc:  # SMTP trouble, or anything else: this row only, never the pass
        if not isinstance(exc, DeliveryError):  # a bug, not the mail server: keep its traceback
            log.exception("sending outbox row %s failed", row.id)
            exc = DeliveryError(f"{exc.__class__.__name__}: {exc}", permanent=False)
        if exc.permanent or attempts >= settings.max_attempts:
            ledger.failed(row.id, now=now, attempts=attempts, error=str(exc))
            result.failed += 1
            log.warning("reminder %s to %s failed for good: %s", row.id, row.recipient, exc)
        else:
            retry_at = now + settings.retry_delay(attempts)
            ledger.retry(row.id, now=now, attempts=attempts, retry_at=retry_at, error=str(exc))
            result.retried += 1
            # Expected trouble (a mail server away, a full disk): one line, no traceback.
            log.warning("reminder %s to %s not sent, retry at %s: %s", row.id, row.recipient,
                        retry_at.isoformat(timespec="minutes"), exc)  # fmt: skip
        result.errors.append(f"{row.recipient}: {exc}")
        return
    # Kept with the row: a reminder's text is rendered now and would otherwise be lost.
    ledger.sent(row.id, now=now, attempts=attempts, message=sent_copy)
    result.sent += 1


def run_due(
    engine: Engine, *, config: Settings, delivery: Delivery, email: EmailSettings,
    settings: ReminderSettings, now: datetime, worker: str | None = None,
    clock: Callable[[], datetime] | None = None, renderer: ReminderRenderer | None = None,
) -> PassResult:  # fmt: skip
    """One pass: skip what is stale, then send at most `max_per_pass` due rows, oldest first,
    each reminder rendered as it is claimed (from `config` and the stored plan; the schedule is
    computed once per state of the plan, by `renderer`, which may outlive the pass), all over
    one session of `delivery` (one SMTP connection, opened
    again once when the server drops it). `clock`, when given, is read before each send so
    leases match real time in long passes."""
    worker = worker or worker_name()
    result = PassResult()
    renderer = renderer or ReminderRenderer(engine, config)
    result.skipped += skip_stale(engine, now=now)
    prune_sent_messages(engine, before=now - timedelta(days=settings.keep_sent_days))
    lease = timedelta(minutes=settings.claim_minutes)
    # One connection for the pass's claims and marks; one SMTP connection for its messages,
    # opened at its first message (none when nothing is due).
    # The ledger ends first: the last row is marked before the SMTP connection says goodbye.
    with (
        pass_session(delivery) as session,
        pass_ledger(engine, worker=worker, lease=lease) as ledger,
    ):
        result.skipped += ledger.skip(superseded_ids(engine, now=now), now=now,
                                      reason="Ersatt av en senare påminnelse.")  # fmt: skip
        for row_id in due_ids(engine, now=now, limit=settings.max_per_pass):
            result.taken += 1
            moment = clock() if clock else now
            handle_one(ledger, row_id, delivery=session, email=email, settings=settings,
                       renderer=renderer, now=moment, result=result)  # fmt: skip
    log.info("dispatcher pass at %s: sent %d, retried %d, failed %d, skipped %d, cancelled %d, "
             "claimed by others %d", now.isoformat(timespec="seconds"), result.sent, result.retried,
             result.failed, result.skipped, result.cancelled, result.lost_to_others)  # fmt: skip
    record_pass(engine, PassCounts(result.sent, result.retried, result.failed, result.skipped,
                                   result.cancelled, result.lost_to_others), worker=worker, now=now)  # fmt: skip
    return result
