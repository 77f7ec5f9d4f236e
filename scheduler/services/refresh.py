"""The plan's schedule from the store: load, compute, keep the published occurrences in step.

This is where the pure steps (roles, cadence, schedule) meet the store; the CLI and the web call it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import Connection, Engine

from scheduler import __version__
from scheduler.base.caches import memo
from scheduler.base.errors import PlanBudgetError
from scheduler.base.links import LinkSigner
from scheduler.base.templating import TEMPLATES
from scheduler.base.time import STOCKHOLM
from scheduler.cadence import CalendarPolicy
from scheduler.model.mail import MailKind
from scheduler.model.plan import Area, Plan, PolicyOverrides
from scheduler.plan.budget import PlanBudget
from scheduler.plan.review import lexicon_for, responsibilities
from scheduler.reminders.planning import ANSWER_PURPOSE, MailContext, planned_mails
from scheduler.reminders.settings import ReminderSettings
from scheduler.schedule.occurrences import PlacedPlan, PlanSchedule, schedule_plan
from scheduler.schedule.plan_tasks import plan_tasks_with_roles
from scheduler.settings.model import Settings
from scheduler.store.engine import Bind, write_transaction
from scheduler.store.occurrences import (
    SyncResult,
    schedule_state,
    store_fingerprint,
    stored_fingerprint,
    sync_occurrences,
)
from scheduler.store.outbox import sync_outbox
from scheduler.store.plans import (
    ImportResult,
    find_plan_id,
    import_plan,
    load_plan,
    plan_ids_of_years,
    plan_organisation,
    set_measure_schedule,
)
from scheduler.store.secrets import shared_secret

# The outbox kinds the schedule owns: a pending one the schedule no longer calls for is cancelled.
REMINDER_KINDS = (MailKind.MEETING_REMINDER, MailKind.TASK_REMINDER, MailKind.HELD_QUESTION,
                  MailKind.TASK_DONE_QUESTION, MailKind.DIGEST)  # fmt: skip
# Who does the plan's own tasks (and answers for measures without a convener) when the config
# names no coordinator role.
COORDINATOR_FALLBACK = "Samordnare"


def calendar_policy(config: Settings) -> CalendarPolicy:
    return CalendarPolicy.from_section(config.calendar)


def plan_schedule(
    bind: Bind,
    config: Settings,
    *,
    year: int | None = None,
    plan_id: int | None = None,
    placed: PlacedPlan | None = None,
) -> PlanSchedule:
    """The plan's schedule, read with its own organisation's roles (`config` may be the whole
    installation's settings or one organisation's). `placed`: its measures placed ahead, used if
    made for them (`schedule_plan`). A plan over `[limits]` (a budget lowered since it was
    imported) raises PlanBudgetError, naming the measure over it."""
    stored = load_plan(bind, plan_id if plan_id is not None else find_plan_id(bind, year=year))
    config = config.for_organisation(stored.plan.organisation)
    read = responsibilities(stored.measures, lexicon_for(config))
    tasks = plan_tasks_with_roles(stored, hand_in=config.plan_cycle.hand_in,
                       coordinator=config.organisation.coordinator_role or COORDINATOR_FALLBACK)  # fmt: skip
    return schedule_plan(stored, policy=calendar_policy(config), responsibilities=read, tasks=tasks,
                         placed=placed, budget=PlanBudget.from_section(config.limits))  # fmt: skip


def settings_for_plan(bind: Bind, config: Settings, *, plan_id: int) -> Settings:
    """The settings as the plan's organisation sees them: its roles, addresses, coordinator."""
    return config.for_organisation(plan_organisation(bind, plan_id))


def link_secret(engine: Engine, config: Settings) -> str:
    """The key that signs links: config or environment (SCHEDULER_SECRET_KEY, read at start) for a
    deployment that wants its own, else one created once in the store and shared by every process
    that uses it."""
    if config.server.secret_key:
        return config.server.secret_key
    return shared_secret(engine, "links")


def answer_signer(engine: Engine, config: Settings) -> LinkSigner:
    return LinkSigner(link_secret(engine, config), purpose=ANSWER_PURPOSE)


def mail_context(engine: Engine, config: Settings) -> MailContext:
    """What reminders need besides the schedule; made before a write transaction opens, since the
    link key may be created (and committed) on first use."""
    settings = ReminderSettings.from_section(config.reminders)
    return MailContext(config, settings, answer_signer(engine, config))


def refresh_occurrences(
    engine: Engine, config: Settings, *, plan_id: int, now: datetime
) -> SyncResult:
    """Bring the published occurrences, and the reminders they call for, in step with the plan,
    the calendar policy and the role addresses: one transaction.

    When nothing they are computed from has changed since the last refresh (the fingerprint),
    nothing is computed, rendered or written and no write lock is taken: `agenda`, the feeds and
    every cron pass of `remind run-due` only read."""
    context = mail_context(engine, settings_for_plan(engine, config, plan_id=plan_id))
    if _up_to_date(engine, context, plan_id=plan_id, now=now):
        return SyncResult(0, 0, 0, 0)
    with write_transaction(engine) as connection:
        return _refresh(connection, context, plan_id=plan_id, now=now)


@memo("once.templates_digest")
def _templates_digest() -> str:
    """The email templates as shipped: a new version's wording is a change too."""
    digest = hashlib.sha256(__version__.encode())
    for entry in sorted((TEMPLATES / "emails").iterdir(), key=lambda e: e.name):
        digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


def _fingerprint(bind: Bind, context: MailContext, *, plan_id: int, now: datetime) -> str:
    """What the schedule and its reminders are computed from: the stored plan's state, the
    settings that shape them, the link key (answer links), the email templates and the planning
    horizon (it moves weekly: the reminders are topped up then). The limits too: a plan over a
    budget lowered since is then refused at the next refresh, not served as it was."""
    config = context.config
    shaping = {
        "state": schedule_state(bind, plan_id=plan_id),
        "horizon": context.settings.horizon(now).isoformat(),
        # The sections as validated values (repr is stable for these frozen models).
        "settings": [repr(config.organisation), repr(config.roles), repr(config.calendar),
                     repr(config.reminders), repr(config.plan_cycle), repr(config.limits)],
        "link_key": context.signer.key_digest,
        "templates": _templates_digest(),
    }  # fmt: skip
    return hashlib.sha256(json.dumps(shaping, sort_keys=True).encode()).hexdigest()


def _up_to_date(bind: Bind, context: MailContext, *, plan_id: int, now: datetime) -> bool:
    fingerprint = _fingerprint(bind, context, plan_id=plan_id, now=now)
    return stored_fingerprint(bind, plan_id=plan_id) == fingerprint


def _refresh(
    connection: Connection,
    context: MailContext,
    *,
    plan_id: int,
    now: datetime,
    placed: PlacedPlan | None = None,
) -> SyncResult:
    schedule = plan_schedule(connection, context.config, plan_id=plan_id, placed=placed)
    synced = sync_occurrences(connection, plan_id=plan_id, planned=schedule.occurrences, now=now)
    until = context.settings.horizon(now)
    mails = planned_mails(schedule, synced.rows, context, now=now, until=until)
    outbox = sync_outbox(connection, planned=mails, kinds_owned=REMINDER_KINDS, plan_id=plan_id,
                         now=now, until=until)  # fmt: skip
    # After the sync: what it changed (SEQUENCE, change times) is part of the state it leaves.
    fingerprint = _fingerprint(connection, context, plan_id=plan_id, now=now)
    store_fingerprint(connection, plan_id=plan_id, fingerprint=fingerprint)
    return replace(synced.result, reminders=outbox.changed)


def replan(
    connection: Connection, context: MailContext, *, plan_id: int, now: datetime
) -> SyncResult:
    """Inside a write transaction that changed the stored plan: its occurrences, reminders and
    fingerprint brought in step (an edit in the workspace saves like an import)."""
    return _refresh(connection, context, plan_id=plan_id, now=now)


def import_and_schedule(
    engine: Engine,
    config: Settings,
    plan: Plan,
    *,
    source: str,
    now: datetime,
    force: bool = False,
    placed: PlacedPlan | None = None,
) -> tuple[ImportResult, SyncResult]:
    """The plan, its occurrences and its reminders, stored in one transaction: all or nothing,
    so an import killed half-way leaves the previous plan as it was. `force` lets an import
    retire more than half of the plan's measures. `placed`: the plan's measures placed ahead
    (a many-file import's workers), used if made for them as stored."""
    context = mail_context(engine, config.for_organisation(plan.organisation))
    with write_transaction(engine) as connection:
        result = import_plan(connection, plan, source=source, now=now, force=force)
        # A new plan has no schedule yet to be up to date with.
        if not result.plan_created and _up_to_date(connection, context, plan_id=result.plan_id,
                                                   now=now):  # fmt: skip
            return result, SyncResult(0, 0, 0, 0)
        return result, _refresh(connection, context, plan_id=result.plan_id, now=now,
                                placed=placed)  # fmt: skip


def edit_measure_schedule(
    engine: Engine,
    config: Settings,
    *,
    plan_id: int,
    measure_id: int,
    convener: str | None,
    schedule: PolicyOverrides,
    now: datetime,
) -> SyncResult | None:
    """A measure's convener and schedule overrides changed, with its occurrences and reminders
    brought in step in the same transaction: the dates, the feeds and the reminders follow at
    once. None when the values were already these (nothing written)."""
    context = mail_context(engine, settings_for_plan(engine, config, plan_id=plan_id))
    with write_transaction(engine) as connection:
        if not set_measure_schedule(connection, plan_id, measure_id, convener=convener,
                                    schedule=schedule, now=now):  # fmt: skip
            return None
        return _refresh(connection, context, plan_id=plan_id, now=now)


def rolled_over(plan: Plan, year: int) -> Plan:
    """Next year's plan from this one: the same areas and measures, follow-ups left empty."""
    areas = tuple(
        Area(area.name, tuple(replace(m, followup_text="") for m in area.measures))
        for area in plan.areas
    )
    return Plan(organisation=plan.organisation, year=year, areas=areas)


def upcoming_year(today: date, *, days_left_threshold: int = 60) -> int:
    """The year whose meetings are upcoming: next year once this one is nearly over."""
    days_left = (date(today.year, 12, 31) - today).days
    return today.year + 1 if days_left < days_left_threshold else today.year


def plans_in_time(
    bind: Bind,
    *,
    now: datetime,
    years: tuple[int, ...] = (-1, 0, 1),
    organisation: str | None = None,
) -> list[int]:
    """The plans whose time it is, of every organisation (or of `organisation`), by year
    relative to now: by default last year's (its follow-up and December), this year's and next
    year's (planned ahead after a rollover). What runs on its own (the dispatcher's refresh, the
    follow-up, the server at start) acts on these, not on "the newest plan"."""
    local_year = now.astimezone(STOCKHOLM).year
    return plan_ids_of_years(bind, years=tuple(local_year + offset for offset in years),
                             organisation=organisation)  # fmt: skip


def refresh_plans_in_time(
    engine: Engine, config: Settings, *, now: datetime
) -> list[PlanBudgetError]:
    """Bring every plan whose time it is in step (`plans_in_time`), which also tops up its
    reminders to the planning horizon; a plan with nothing changed costs a few reads. Returns
    the plans refused for their size (`refresh_each`)."""
    return refresh_each(engine, config, plans_in_time(engine, now=now), now=now)


def refresh_each(
    engine: Engine, config: Settings, plan_ids: Iterable[int], *, now: datetime
) -> list[PlanBudgetError]:
    """Each plan brought in step, one transaction each. A plan over `[limits]` (the budget was
    lowered after it was imported) is left as it was and its refusal returned, naming the
    measure over the budget: one district's plan never keeps the others from being refreshed,
    nor the server from starting."""
    refused = []
    for plan_id in plan_ids:
        try:
            refresh_occurrences(engine, config, plan_id=plan_id, now=now)
        except PlanBudgetError as exc:
            refused.append(exc)
    return refused
