"""Follow-up campaign and answers in the database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scheduler.base.errors import UsageError
from scheduler.model.followup import Answer, Campaign
from scheduler.store.outbox import cancel_pending
from scheduler.store.tables import CampaignRow, FollowUpRow


class SubmittedAnswerError(UsageError):
    """A draft may not replace a submitted answer: the export publishes submitted answers, so a
    draft saved over one would be published as if submitted. A submitted answer is changed by
    submitting again."""


@dataclass(frozen=True)
class AnswerInput:
    measure_id: int
    status: str | None
    text: str


def campaign_value(row: CampaignRow) -> Campaign:
    assert row.id is not None  # read or flushed: the database gave it its id
    return Campaign(row.id, row.plan_id, row.started_at, row.deadline)


def get_campaign(engine: Engine, plan_id: int) -> Campaign | None:
    with Session(engine) as session:
        row = session.exec(select(CampaignRow).where(CampaignRow.plan_id == plan_id)).first()
        return None if row is None else campaign_value(row)


def create_campaign(
    engine: Engine, *, plan_id: int, deadline: datetime, now: datetime
) -> tuple[Campaign, bool]:
    """The plan's campaign, created now unless it exists: (row, created). Two processes starting it
    at once create it once (the unique plan_id decides)."""
    existing = get_campaign(engine, plan_id)
    if existing is not None:
        return existing, False
    try:
        with Session(engine) as session, session.begin():
            row = CampaignRow(
                plan_id=plan_id, started_at=now.astimezone(UTC), deadline=deadline.astimezone(UTC)
            )
            session.add(row)
            session.flush()
            session.expunge(row)
            return campaign_value(row), True
    except IntegrityError:
        winner = get_campaign(engine, plan_id)
        assert winner is not None
        return winner, False


def set_deadline(engine: Engine, plan_id: int, deadline: datetime) -> Campaign:
    """The campaign's new deadline: later to extend it, now to close it."""
    with Session(engine) as session, session.begin():
        row = session.exec(select(CampaignRow).where(CampaignRow.plan_id == plan_id)).one()
        row.deadline = deadline.astimezone(UTC)
        session.flush()
        session.expunge(row)
        return campaign_value(row)


def answer_value(row: FollowUpRow) -> Answer:
    return Answer(
        measure_id=row.measure_id, role=row.role, status=row.status, text=row.text,
        submitted=row.submitted, by_coordinator=row.by_coordinator, updated_at=row.updated_at,
        submitted_at=row.submitted_at,
    )  # fmt: skip


def answers(engine: Engine, plan_id: int) -> dict[int, Answer]:
    """Every answer of the plan, by measure id."""
    with Session(engine) as session:
        rows = session.exec(select(FollowUpRow).where(FollowUpRow.plan_id == plan_id))
        return {row.measure_id: answer_value(row) for row in rows}


def save_answers(
    engine: Engine, *, plan_id: int, role: str, items: Iterable[AnswerInput], submit: bool,
    by_coordinator: bool, now: datetime, nudge_keys_prefix: str | None = None,
) -> None:  # fmt: skip
    """Store a role's answers in one transaction. Submitting also cancels the role's pending
    nudges, so nobody is reminded of what they have just sent. A draft over a submitted answer
    raises SubmittedAnswerError and stores nothing."""
    with Session(engine) as session, session.begin():
        current = {
            row.measure_id: row
            for row in session.exec(select(FollowUpRow).where(FollowUpRow.plan_id == plan_id))
        }
        for item in items:
            row = current.get(item.measure_id)
            if not submit and row is not None and row.submitted:
                raise SubmittedAnswerError(
                    "Svaret är redan inskickat; ett utkast kan inte ersätta det. Skicka in "
                    "ändringen i stället."
                )
            if row is None:
                row = FollowUpRow(
                    plan_id=plan_id, measure_id=item.measure_id, role=role, updated_at=now
                )
                session.add(row)
            row.role, row.status, row.text, row.updated_at = role, item.status, item.text, now
            row.by_coordinator = by_coordinator
            if submit:
                row.submitted, row.submitted_at = True, now
        if submit and nudge_keys_prefix:
            cancel_pending(
                session, key_prefix=nudge_keys_prefix, reason="Svaret har kommit in.", now=now
            )
