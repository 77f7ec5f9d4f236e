"""The outbox: emails as rows. Created when the schedule is made (a reminder with its subject only:
its bodies and .ics are rendered when it is claimed), claimed before sending with a
conditional update (so two dispatchers, on one host or several, never send the same row), marked
sent, retried with growing delays, or skipped with a reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, Engine, and_, func, or_, update
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from scheduler.model.mail import (
    CHANGE_PREFIX,
    MailKind,
    OutboxMail,
    OutboxStatus,
    PlannedMail,
    is_change,
)
from scheduler.store.bulk import insert_many
from scheduler.store.engine import Bind
from scheduler.store.tables import MeasureRow, OccurrenceRow, OutboxRow, PlanRow

# The copy of a sent message is large and read one at a time (`sent_message`): lists leave it.
_DEFER_SENT_MESSAGE = defer(cast("QueryableAttribute[str | None]", OutboxRow.sent_message))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def mail_value(row: OutboxRow) -> OutboxMail:
    """The row as a value; its times aware (UTC)."""
    assert row.id is not None  # read or flushed: the database gave it its id
    return OutboxMail(
        row.id, row.key, row.kind, row.plan_id, row.occurrence_id, row.role, row.recipient,
        _aware(row.due_at) or row.due_at, _aware(row.useful_until), row.subject, row.body_text,
        row.body_html, row.attachment, OutboxStatus(row.status), row.attempts, _aware(row.next_attempt_at),
        row.claimed_by, _aware(row.claimed_until), _aware(row.sent_at), row.last_error,
        row.created_at, row.updated_at, row.lead_days,
    )  # fmt: skip


@dataclass(frozen=True)
class OutboxSync:
    added: int
    updated: int
    cancelled: int

    @property
    def changed(self) -> int:
        return self.added + self.updated + self.cancelled


def sync_outbox(
    bind: Bind,
    *,
    planned: Iterable[PlannedMail],
    kinds_owned: tuple[MailKind, ...],
    plan_id: int,
    now: datetime,
    until: datetime | None = None,
) -> OutboxSync:
    """Make the pending rows match what the schedule calls for. Rows already sent, failed or
    skipped are history and stay as they are; `kinds_owned` says which kinds this call may cancel.
    `until`: the planning horizon `planned` was made for; a pending row due at or after it is
    beyond what this call speaks for, and is left for the refresh whose horizon reaches it. A
    pending row no longer of use at `now` is not planned again either: it is left for the
    dispatcher to skip, with that reason."""
    added = updated = cancelled = 0
    with Session(bind) as session, session.begin():
        existing = {
            row.key: row
            for row in session.exec(
                select(OutboxRow)
                .options(_DEFER_SENT_MESSAGE)  # history's copies: not compared
                .where(OutboxRow.plan_id == plan_id)
            )
        }
        seen: set[str] = set()
        new_rows: list[tuple[Any, ...]] = []
        for mail in planned:
            seen.add(mail.key)
            row = existing.get(mail.key)
            # Who, when and the subject tell a change. A reminder carries no bodies and no .ics
            # (rendered at claim), so there is nothing more to compare; the empty values also
            # clear bodies a row kept from before. Mail planned whole (the digest) keeps its own.
            values = (mail.kind, mail.occurrence_id, mail.role, mail.recipient, mail.due_at,
                      mail.useful_until, mail.email.subject, mail.email.text, mail.email.html,
                      mail.attachment, mail.lead_days)  # fmt: skip
            if row is None:
                new_rows.append((mail.key, plan_id, OutboxStatus.PENDING, now, now, *values))
            elif row.status in (OutboxStatus.PENDING, OutboxStatus.CANCELLED) and _differs(
                row, values
            ):
                # Compare and set: a dispatcher may have claimed the row since it was read here,
                # and a row being sent must not be put back to pending (it would go out twice).
                updated += _update_if(session, row, (OutboxStatus.PENDING, OutboxStatus.CANCELLED), status=OutboxStatus.PENDING,
                                      updated_at=now, **dict(zip(_MAIL_COLUMNS, values, strict=True)))  # fmt: skip
        for key, row in existing.items():
            if (key not in seen and row.status == OutboxStatus.PENDING and row.kind in kinds_owned
                    and _before_horizon(row, until) and not _past_use(row, now)):  # fmt: skip
                cancelled += _update_if(session, row, (OutboxStatus.PENDING,), status=OutboxStatus.CANCELLED, updated_at=now,
                                        last_error="Mötet eller uppgiften har ändrats eller ställts in.")  # fmt: skip
        added = _insert_new(session, _NEW_MAIL_COLUMNS, new_rows)
    return OutboxSync(added, updated, cancelled)


# What sync_outbox compares and writes of a planned mail, in its order; a new row has these after
# _NEW_MAIL_COLUMNS' first five.
_MAIL_COLUMNS = ("kind", "occurrence_id", "role", "recipient", "due_at", "useful_until", "subject",
                 "body_text", "body_html", "attachment", "lead_days")  # fmt: skip
_NEW_MAIL_COLUMNS = ("key", "plan_id", "status", "created_at", "updated_at", *_MAIL_COLUMNS)


def _before_horizon(row: OutboxRow, until: datetime | None) -> bool:
    due = _aware(row.due_at)
    return until is None or due is None or due < until


def _past_use(row: OutboxRow, now: datetime) -> bool:
    useful_until = _aware(row.useful_until)
    return useful_until is not None and useful_until <= now


def enqueue_once(bind: Bind, rows: Iterable[Mapping[str, object]], *, now: datetime) -> int:
    """Add mail that is sent once, ever (the follow-up's start, nudges and summary, a change
    notice): a row whose key exists is left as it is, whatever its status. Two dispatchers
    reaching the same step at once both insert; the database's unique key decides, and neither
    fails. Returns rows added."""
    added = 0
    with Session(bind) as session, session.begin():
        for values in rows:  # one by one: callers' rows need not have the same keys
            added += _insert_new(session, (*values, "status", "created_at", "updated_at"),
                                 [(*values.values(), OutboxStatus.PENDING, now, now)])  # fmt: skip
    return added


_OUTBOX = OutboxRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes


def _insert_new(session: Session, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> int:
    """Insert the rows (values in the order of `columns`) whose key does not exist yet, in one
    statement (`INSERT … ON CONFLICT (key) DO NOTHING`: executemany, or for a large batch on
    PostgreSQL a COPY into a temporary table and one INSERT … SELECT; scheduler/store/bulk.py):
    checking first and inserting after loses to another process doing the same, which then fails
    on the unique key. The row that is there stands. Returns how many were added."""
    return insert_many(session.connection(), _OUTBOX, columns, rows, skip_existing="key")


def cancel_pending(session: Session, *, key_prefix: str, reason: str, now: datetime) -> int:
    """Cancel the pending rows whose key starts with `key_prefix`, inside the caller's
    transaction (a submitted answer cancels its nudges with it). Conditional on still pending: a
    row a dispatcher has claimed meanwhile is being sent, and is not marked cancelled."""
    result = session.execute(
        update(OutboxRow)
        .where(col(OutboxRow.key).startswith(key_prefix, autoescape=True),
               col(OutboxRow.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error=reason, updated_at=now)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    return int(getattr(result, "rowcount", 0) or 0)


def withdraw_pending(bind: Bind, *, key_prefix: str, reason: str, now: datetime) -> list[str]:
    """Cancel the pending rows whose key starts with `key_prefix` and return their keys (a later
    change notice replaces an earlier one not yet sent, and takes over what it knew).
    Conditional on still pending: a row a dispatcher is sending is left to be sent."""
    with Session(bind) as session, session.begin():
        rows = session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.key).startswith(key_prefix, autoescape=True),
                   col(OutboxRow.status) == OutboxStatus.PENDING)
            .values(status=OutboxStatus.CANCELLED, last_error=reason, updated_at=now)
            .returning(col(OutboxRow.key))
            .execution_options(synchronize_session=False)
        ).all()  # fmt: skip
    return [key for (key,) in rows]


def _update_if(session: Session, row: OutboxRow, statuses: tuple[str, ...], **values: Any) -> int:
    result = session.execute(
        update(OutboxRow)
        .where(col(OutboxRow.id) == row.id, col(OutboxRow.status).in_(statuses))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _differs(row: OutboxRow, values: tuple[Any, ...]) -> bool:
    for name, value in zip(_MAIL_COLUMNS, values, strict=True):
        current = getattr(row, name)
        if isinstance(current, datetime):
            current = _aware(current)
        if current != value:
            return True
    return row.status == OutboxStatus.CANCELLED


def skip_stale(engine: Engine, *, now: datetime) -> int:
    """Rows due but no longer useful (the meeting has begun): skipped, with the reason."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(OutboxRow)
            .where(
                col(OutboxRow.status) == OutboxStatus.PENDING, col(OutboxRow.useful_until) <= now
            )
            .values(
                status=OutboxStatus.SKIPPED,
                last_error="Inte längre aktuellt: tiden har redan passerat.",
                updated_at=now,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _due(now: datetime) -> ColumnElement[bool]:
    """Pending, due, and not waiting for a retry."""
    return and_(col(OutboxRow.status) == OutboxStatus.PENDING, col(OutboxRow.due_at) <= now,
                or_(col(OutboxRow.next_attempt_at).is_(None), col(OutboxRow.next_attempt_at) <= now))  # fmt: skip


def _ready(now: datetime) -> ColumnElement[bool]:
    """Due, or claimed by a sender whose lease ran out (a crashed dispatcher)."""
    return or_(
        _due(now),
        and_(col(OutboxRow.status) == OutboxStatus.SENDING, col(OutboxRow.claimed_until) < now),
    )


def due_ids(engine: Engine, *, now: datetime, limit: int) -> list[int]:
    """Rows ready to send, oldest due first, including claims that expired (a crashed sender)."""
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxRow.id)
            .where(_ready(now))
            .order_by(col(OutboxRow.due_at), col(OutboxRow.id))
            .limit(limit)
        )
        return [row_id for row_id in rows if row_id is not None]


def superseded_ids(engine: Engine, *, now: datetime) -> list[int]:
    """Due reminders overtaken by a later one for the same occurrence (after downtime, the 14-day
    and the 2-day reminder may both be due): only the latest is worth sending."""
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxRow.id, OutboxRow.occurrence_id, OutboxRow.kind, OutboxRow.due_at)
            .where(col(OutboxRow.status) == OutboxStatus.PENDING, col(OutboxRow.due_at) <= now,
                   col(OutboxRow.occurrence_id).is_not(None))
        ).all()  # fmt: skip
    latest: dict[tuple[int | None, str], tuple[datetime, int | None]] = {}
    overtaken: list[int] = []
    for row_id, occurrence_id, kind, due in sorted(rows, key=lambda r: r[3]):
        # The 14 and the 2 days' reminders are one family; so are all change notices of a meeting.
        family = CHANGE_PREFIX if is_change(kind) else kind
        key = (occurrence_id, family)
        if key in latest and latest[key][1] is not None:
            overtaken.append(latest[key][1])  # type: ignore[arg-type]
        latest[key] = (due, row_id)
    return overtaken


def claim(
    engine: Engine, row_id: int, *, worker: str, now: datetime, lease: timedelta
) -> OutboxMail | None:
    """Take one row for sending, or None when another dispatcher has it. The WHERE clause repeats
    the whole readiness test, so of two dispatchers racing for a row exactly one update matches,
    and a row another one has meanwhile sent, put back for a retry later, or that a sync has
    changed, is left alone."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id) == row_id, _ready(now))
            .values(
                status=OutboxStatus.SENDING,
                claimed_by=worker,
                claimed_until=now + lease,
                updated_at=now,
            )
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        row = session.get(OutboxRow, row_id)
        assert row is not None
        return mail_value(row)


def list_outbox(
    engine: Engine, *, status: str | None = None, organisation: str | None = None
) -> list[OutboxMail]:
    """The outbox by due time: every row, or those of `status`, of `organisation`'s plans."""
    with Session(engine) as session:
        query = (
            select(OutboxRow)
            .options(_DEFER_SENT_MESSAGE)
            .order_by(col(OutboxRow.due_at), col(OutboxRow.id))
        )
        if status:
            query = query.where(OutboxRow.status == status)
        if organisation is not None:
            plans = select(PlanRow.id).where(PlanRow.organisation == organisation)
            query = query.where(col(OutboxRow.plan_id).in_(plans))
        return [mail_value(row) for row in session.exec(query)]


def sent_message(engine: Engine, row_id: int, *, organisation: str) -> str | None:
    """The kept copy of row `row_id` as it was sent, when it is one of `organisation`'s plans'
    and still kept; else None."""
    plans = select(PlanRow.id).where(PlanRow.organisation == organisation)
    with Session(engine) as session:
        found = session.exec(
            select(OutboxRow.sent_message).where(
                col(OutboxRow.id) == row_id, col(OutboxRow.plan_id).in_(plans)
            )
        ).first()
    return found


def prune_sent_messages(engine: Engine, *, before: datetime) -> int:
    """Forget the copies of messages sent before `before` (`[reminders] keep_sent_days`); the
    rows themselves stay, as the history of what was sent when. Returns copies dropped."""
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.sent_message).is_not(None), col(OutboxRow.sent_at) < before)
            .values(sent_message=None)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def outbox_measures(engine: Engine, *, organisation: str) -> dict[int, tuple[int, str]]:
    """For each of `organisation`'s rows about a meeting or task: its measure's id and title."""
    plans = select(PlanRow.id).where(PlanRow.organisation == organisation)
    with Session(engine) as session:
        rows = session.exec(
            select(OutboxRow.id, MeasureRow.id, MeasureRow.title)
            .join(OccurrenceRow, col(OccurrenceRow.id) == col(OutboxRow.occurrence_id))
            .join(MeasureRow, col(MeasureRow.id) == col(OccurrenceRow.measure_id))
            .where(col(OutboxRow.plan_id).in_(plans))
        ).all()
    return {row_id: (measure_id, title) for row_id, measure_id, title in rows
            if row_id is not None and measure_id is not None}  # fmt: skip


def reminder_counts(engine: Engine, *, now: datetime) -> tuple[int, int]:
    """(due, failed): rows ready to send now (a dispatcher should be at them), and rows that
    failed for good (someone should look at them)."""
    with Session(engine) as session:
        due = session.exec(select(func.count()).select_from(OutboxRow).where(_due(now))).one()
        failed = session.exec(
            select(func.count())
            .select_from(OutboxRow)
            .where(col(OutboxRow.status) == OutboxStatus.FAILED)
        ).one()
    return int(due), int(failed)


def next_due(engine: Engine) -> datetime | None:
    """When the dispatcher should wake next: the earliest pending due time or retry, or when a
    claim by another dispatcher runs out (it may have crashed). Not the due time of a row being
    sent: that is in the past, and would wake the dispatcher every second until it is sent.
    Aggregates in the database: the runner asks every few seconds, whatever the outbox holds."""
    pending, retry, due = (
        col(OutboxRow.status) == OutboxStatus.PENDING,
        col(OutboxRow.next_attempt_at),
        col(OutboxRow.due_at),
    )
    with Session(engine) as session:
        times = session.exec(
            select(
                select(func.min(due)).where(pending, or_(retry.is_(None), retry <= due)).scalar_subquery(),
                select(func.min(retry)).where(pending, retry > due).scalar_subquery(),
                select(func.min(col(OutboxRow.claimed_until)))
                .where(col(OutboxRow.status) == OutboxStatus.SENDING).scalar_subquery(),
            )
        ).one()  # fmt: skip
    return min(
        (t if t.tzinfo else t.replace(tzinfo=UTC) for t in times if t is not None), default=None
    )


def resend_failed(engine: Engine, row_id: int, *, organisation: str, now: datetime) -> bool:
    """A failed row back to pending, due now and with its attempts reset, so the dispatcher sends
    it at its next pass. One conditional update: only a row that is failed (not one already put
    back, or being sent), still useful, of one of `organisation`'s plans. True when put back."""
    plans = select(PlanRow.id).where(PlanRow.organisation == organisation)
    with Session(engine) as session, session.begin():
        result = session.execute(
            update(OutboxRow)
            .where(col(OutboxRow.id) == row_id, col(OutboxRow.status) == OutboxStatus.FAILED,
                   col(OutboxRow.plan_id).in_(plans),
                   # Past its use (the meeting has begun) it would only be skipped.
                   or_(col(OutboxRow.useful_until).is_(None), col(OutboxRow.useful_until) > now))
            .values(status=OutboxStatus.PENDING, due_at=now, attempts=0, next_attempt_at=None, claimed_by=None,
                    claimed_until=None, last_error="", updated_at=now)
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        return getattr(result, "rowcount", 0) == 1
