"""The follow-up campaign: who is asked about what, the emails (start, nudges, summary) and the
status. Started by hand (`scheduler followup start`) or by the dispatcher on the start date;
starting twice sends nothing twice, because every email has a key that is enqueued once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from scheduler.base.errors import UsageError
from scheduler.base.links import LinkSigner
from scheduler.feeds.scopes import slugify
from scheduler.followup.facts import MeasureFacts, measure_facts
from scheduler.followup.settings import FollowupSettings
from scheduler.mail.render import render_email
from scheduler.model.followup import Answer, Campaign
from scheduler.model.mail import MailKind
from scheduler.model.stored import PlanState, StoredPlan
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule
from scheduler.services.plan_state import mark_plan
from scheduler.services.refresh import (
    link_secret,
    plan_schedule,
    plans_in_time,
    settings_for_plan,
)
from scheduler.settings.model import Settings
from scheduler.store.followups import AnswerInput as AnswerInput
from scheduler.store.followups import SubmittedAnswerError as SubmittedAnswerError
from scheduler.store.followups import answers, create_campaign, get_campaign, save_answers
from scheduler.store.occurrences import list_occurrences
from scheduler.store.outbox import enqueue_once
from scheduler.store.plans import find_plan_id

FORM_PURPOSE = "followup"
COORDINATOR_PURPOSE = "followup-coordinator"


@dataclass(frozen=True)
class RoleTask:
    """One role's part of the follow-up: the measures it answers for, by area."""

    role: str
    email: str | None
    measures: tuple[MeasureSchedule, ...]

    @property
    def slug(self) -> str:
        return slugify(self.role)


@dataclass(frozen=True)
class RoleStatus:
    task: RoleTask
    answered: int  # measures with a saved answer (draft or submitted)
    submitted: int
    by_coordinator: int

    @property
    def done(self) -> bool:
        return self.submitted == len(self.task.measures)


def campaign_of(engine: Engine, plan_id: int) -> Campaign | None:
    """The plan's campaign; None before it has started."""
    return get_campaign(engine, plan_id)


def answers_of(engine: Engine, plan_id: int) -> dict[int, Answer]:
    """Every answer of the plan, draft or submitted, by measure id."""
    return answers(engine, plan_id)


def save_role_answers(
    engine: Engine, *, plan_id: int, task: RoleTask, items: Iterable[AnswerInput], submit: bool,
    by_coordinator: bool, now: datetime,
) -> None:  # fmt: skip
    """A role's answers stored in one transaction, from its form (or the coordinator's on its
    behalf). Submitting cancels the role's pending nudges: nobody is reminded of what they have
    just sent. A draft over a submitted answer raises SubmittedAnswerError and stores nothing."""
    save_answers(engine, plan_id=plan_id, role=task.role, items=items, submit=submit,
                 by_coordinator=by_coordinator, now=now,
                 nudge_keys_prefix=_nudge_key(plan_id, task))  # fmt: skip


def _nudge_key(plan_id: int, task: RoleTask, round_: int | None = None) -> str:
    """A nudge's outbox key, one per round; without a round, what all of the role's start with."""
    prefix = f"followup|{plan_id}|{task.slug}|nudge"
    return prefix if round_ is None else f"{prefix}|{round_}"


def close_after_deadline(engine: Engine, config: Settings, stored: StoredPlan, *, now: datetime) -> bool:  # fmt: skip
    """Exported after its deadline (`followup export`), the year's follow-up is done: the plan
    becomes `uppföljd`. True when it did now."""
    campaign = get_campaign(engine, stored.id)
    if stored.state == PlanState.FOLLOWED_UP or campaign is None or now < campaign.deadline:
        return False
    mark_plan(engine, config, stored.id, PlanState.FOLLOWED_UP, now=now)
    return True


def last_day(campaign: Campaign) -> datetime:
    """The deadline as people read it: the last day answers are taken (the deadline is the
    midnight that ends it)."""
    return campaign.deadline - timedelta(seconds=1)


def role_tasks(schedule: PlanSchedule, config: Settings) -> list[RoleTask]:
    """Each measure is answered by its convener; measures without one go to the coordinator (the
    plan's organisation's, as are the roles' addresses)."""
    config = config.for_organisation(schedule.stored.plan.organisation)
    coordinator = config.organisation.coordinator_role or "Samordnare"
    by_role: dict[str, list[MeasureSchedule]] = {}
    for item in schedule.workbook_measures:  # the plan's own tasks are not followed up
        role = item.responsibility.convener or coordinator
        by_role.setdefault(role, []).append(item)
    tasks = []
    for role, items in by_role.items():
        configured = config.role(role)
        tasks.append(RoleTask(role, configured.email if configured else None, tuple(items)))
    return tasks


def find_role(tasks: list[RoleTask], name: str) -> RoleTask:
    for task in tasks:
        if name in {task.role, task.slug}:
            return task
    raise UsageError(f"Rollen «{name}» har inga åtgärder att följa upp.")


def signers(engine: Engine, config: Settings) -> tuple[LinkSigner, LinkSigner]:
    secret = link_secret(engine, config)
    return LinkSigner(secret, purpose=FORM_PURPOSE), LinkSigner(secret, purpose=COORDINATOR_PURPOSE)


def form_link(
    engine: Engine, config: Settings, campaign: Campaign, role: str, settings: FollowupSettings
) -> str:
    signer, _ = signers(engine, config)
    token = signer.sign({"plan": campaign.plan_id, "role": role},
                        expires=campaign.deadline + timedelta(days=settings.link_grace_days))  # fmt: skip
    return f"{config.base_url}/uppfoljning/{token}"


def coordinator_link(engine: Engine, config: Settings, campaign: Campaign) -> str:
    _, signer = signers(engine, config)
    token = signer.sign({"plan": campaign.plan_id}, expires=campaign.deadline + timedelta(days=120))
    return f"{config.base_url}/uppfoljning/samordnare/{token}"


def facts_by_measure(engine: Engine, plan_id: int, *, now: datetime) -> dict[int, MeasureFacts]:
    rows = list_occurrences(engine, plan_id=plan_id)
    by_measure: dict[int, list[Any]] = {}
    for row in rows:
        by_measure.setdefault(row.measure_id, []).append(row)
    return {measure_id: measure_facts(items, now=now) for measure_id, items in by_measure.items()}


def statuses(tasks: list[RoleTask], stored: dict[int, Answer]) -> list[RoleStatus]:
    out = []
    for task in tasks:
        mine = [stored[m.stored.id] for m in task.measures if m.stored.id in stored]
        out.append(
            RoleStatus(
                task, len(mine), sum(r.submitted for r in mine), sum(r.by_coordinator for r in mine)
            )
        )
    return out


def _measure_lines(task: RoleTask, facts: dict[int, MeasureFacts]) -> list[dict[str, Any]]:
    return [{
        "area": item.stored.area, "title": item.stored.measure.title, "action": item.stored.measure.action,
        "when_text": item.stored.measure.when_text,
        "facts": facts.get(item.stored.id, MeasureFacts()).sentences(),
    } for item in task.measures]  # fmt: skip


def _mail(kind: MailKind, key: str, role: str, email: str, due: datetime, until: datetime | None,
          template: str, context: dict[str, Any], plan_id: int) -> dict[str, object]:  # fmt: skip
    rendered = render_email(template, context)
    return {"key": key, "kind": kind, "plan_id": plan_id, "occurrence_id": None, "role": role, "recipient": email,
            "due_at": due, "useful_until": until, "subject": rendered.subject, "body_text": rendered.text,
            "body_html": rendered.html, "attachment": None}  # fmt: skip


@dataclass(frozen=True)
class StartResult:
    campaign: Campaign
    created: bool
    emails: int
    roles_without_address: tuple[str, ...]


def start(
    engine: Engine,
    config: Settings,
    *,
    now: datetime,
    year: int | None = None,
    plan_id: int | None = None,
) -> StartResult:
    """Start (or resume) the campaign of the plan `plan_id` (else of `year`, else the newest):
    one email per responsible role of the plan's organisation, each sent once, ever."""
    settings = FollowupSettings.from_section(config.followup)
    if plan_id is None:
        plan_id = find_plan_id(engine, year=year, prefer=config.organisation.name)
    config = settings_for_plan(engine, config, plan_id=plan_id)
    schedule = plan_schedule(engine, config, plan_id=plan_id)
    deadline = settings.deadline_at(schedule.stored.plan.year)
    if now >= deadline and get_campaign(engine, plan_id) is None:
        raise UsageError(
            f"Sista svarsdag ({deadline:%Y-%m-%d}) har redan passerat; ändra followup.deadline."
        )
    campaign, created = create_campaign(engine, plan_id=plan_id, deadline=deadline, now=now)
    facts = facts_by_measure(engine, plan_id, now=now)
    mails, missing = [], []
    for task in role_tasks(schedule, config):
        if not task.email:
            missing.append(task.role)
            continue
        context = _context(engine, config, schedule, campaign, task, facts, settings)
        mails.append(_mail(MailKind.FOLLOWUP_START, f"followup|{plan_id}|{task.slug}|start", task.role, task.email,
                           now, campaign.deadline, "followup_start", context, plan_id))  # fmt: skip
    added = enqueue_once(engine, mails, now=now)
    return StartResult(campaign, created, added, tuple(missing))


def _context(engine: Engine, config: Settings, schedule: PlanSchedule, campaign: Campaign, task: RoleTask,
             facts: dict[int, MeasureFacts], settings: FollowupSettings) -> dict[str, Any]:  # fmt: skip
    return {
        "role": task.role, "year": schedule.stored.plan.year, "organisation": schedule.stored.plan.organisation,
        "deadline": last_day(campaign), "measures": _measure_lines(task, facts),
        "link": form_link(engine, config, campaign, task.role, settings),
    }  # fmt: skip


def tick(engine: Engine, config: Settings, *, now: datetime) -> int:
    """What the dispatcher does for the follow-up before each pass: start the campaign on its date,
    nudge those who have not submitted every `nudge_days`, and send the coordinator a summary at
    the deadline. Returns the number of emails enqueued."""
    # The plans whose follow-up may be under way now: this year's and last year's (its summary
    # after a December deadline, or a dispatcher that was down over new year). Not "the newest":
    # after a rollover in November the closing year's follow-up must still start.
    return sum(
        _tick_plan(engine, config, plan_id, now=now)
        for plan_id in plans_in_time(engine, now=now, years=(-1, 0))
    )


def _tick_plan(engine: Engine, config: Settings, plan_id: int, *, now: datetime) -> int:
    """One plan's follow-up step: start, nudge or summary, whichever its dates call for."""
    settings = FollowupSettings.from_section(config.followup)
    config = settings_for_plan(engine, config, plan_id=plan_id)
    campaign = get_campaign(engine, plan_id)
    schedule = plan_schedule(engine, config, plan_id=plan_id)
    year = schedule.stored.plan.year
    if campaign is None:
        if settings.start_at(year) <= now < settings.deadline_at(year):
            return start(engine, config, now=now, plan_id=plan_id).emails
        return 0
    mails = []
    stored = answers(engine, plan_id)
    facts = facts_by_measure(engine, plan_id, now=now)
    tasks = role_tasks(schedule, config)
    if now < campaign.deadline:
        elapsed = (now - campaign.started_at).days
        rounds = elapsed // settings.nudge_days
        if rounds >= 1:
            nudge_day = campaign.started_at + timedelta(days=rounds * settings.nudge_days)
            for status in statuses(tasks, stored):
                if status.done or not status.task.email:
                    continue
                context = _context(engine, config, schedule, campaign, status.task, facts, settings)
                context |= {"answered": status.submitted, "total": len(status.task.measures)}
                mails.append(_mail(MailKind.FOLLOWUP_NUDGE, _nudge_key(plan_id, status.task, rounds),
                                   status.task.role, status.task.email, nudge_day, campaign.deadline,
                                   "followup_nudge", context, plan_id))  # fmt: skip
    else:
        coordinator = (
            config.role(config.organisation.coordinator_role)
            if config.organisation.coordinator_role
            else None
        )
        if coordinator and coordinator.email:
            rows = [{"role": s.task.role, "total": len(s.task.measures), "submitted": s.submitted,
                     "answered": s.answered, "by_coordinator": s.by_coordinator} for s in statuses(tasks, stored)]  # fmt: skip
            mails.append(_mail(MailKind.FOLLOWUP_SUMMARY, f"followup|{plan_id}|summary", coordinator.name, coordinator.email,
                               campaign.deadline, None, "followup_summary",
                               {"role": coordinator.name, "year": year, "rows": rows,
                                "organisation": schedule.stored.plan.organisation,
                                "link": coordinator_link(engine, config, campaign)}, plan_id))  # fmt: skip
    return enqueue_once(engine, mails, now=now)
