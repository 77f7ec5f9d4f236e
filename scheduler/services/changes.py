"""A person moves, cancels or restores one meeting or task, and its convener is told at once.

Used by `scheduler move` and `scheduler cancel` and by the web agenda's forms (restoring a
cancelled one is the agenda's /agenda/aterstall; `preview` says beforehand who would be told): the change and the
email about it are one transaction under the store's write lock, so a change is never stored
without its notice, and the notice's key (the occurrence and the SEQUENCE the change gave it) is
added once however often the same change is reported. The email is rendered when the dispatcher
claims it (scheduler/reminders/changes.py), so it tells the state as it is then.

A notice not yet sent when the next change comes is withdrawn (cancelled, with the reason) and
the new one takes over where the convener last knew the meeting to be: a meeting moved from
Tuesday to Wednesday and then to Thursday before the dispatcher runs gives one email, "from
Tuesday to Thursday". A notice already being sent is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from scheduler.base.errors import NotFoundError
from scheduler.model.mail import change_key_prefix, earliest_known_start
from scheduler.model.occurrence import Occurrence
from scheduler.reminders.changes import planned_change
from scheduler.schedule.occurrences import PlanSchedule
from scheduler.services.refresh import plan_schedule, refresh_occurrences, settings_for_plan
from scheduler.settings.model import RoleConfig, Settings
from scheduler.store.engine import write_transaction
from scheduler.store.occurrences import (
    cancel_occurrence,
    get_occurrence,
    move_occurrence,
    restore_occurrence,
)
from scheduler.store.outbox import enqueue_once, withdraw_pending
from scheduler.store.plans import plan_organisation

# Why no email went out about a change (None in `Change.unsent`: one did).
NO_CONVENER, NO_ADDRESS, UNCHANGED, PASSED = "no-convener", "no-address", "unchanged", "passed"
WITHDRAWN = "Ersatt av en senare ändring av samma möte eller uppgift."


@dataclass(frozen=True)
class Change:
    occurrence: Occurrence  # as it is after the change
    convener: str | None  # the convening role as configured (or as the plan names it)
    unsent: str | None  # why the convener gets no email about it; None: they do


def occurrence_of(engine: Engine, uid: str, *, organisation: str | None = None) -> Occurrence:
    """The meeting or task to change; with `organisation`, only one of that organisation's
    plans: another's is told as one that does not exist (NotFoundError)."""
    found = get_occurrence(engine, uid)
    if organisation is not None and plan_organisation(engine, found.plan_id) != organisation:
        raise NotFoundError(f"{organisation} har inget möte eller någon uppgift med UID {uid}.")
    return found


def move(
    engine: Engine,
    config: Settings,
    uid: str,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    note: str = "",
) -> Change:
    """Move it (same UID, higher SEQUENCE), tell the convener, and let its reminders follow."""
    return _change(engine, config, uid, now=now, apply=lambda bind: move_occurrence(
        bind, uid, start=start, end=end, now=now, note=note))  # fmt: skip


def cancel(engine: Engine, config: Settings, uid: str, *, now: datetime, note: str = "") -> Change:
    """Cancel it (once: cancelling again changes nothing and tells no one again)."""
    return _change(engine, config, uid, now=now,
                   apply=lambda bind: cancel_occurrence(bind, uid, now=now, note=note))  # fmt: skip


def restore(engine: Engine, config: Settings, uid: str, *, now: datetime, note: str = "") -> Change:
    """Bring a cancelled one back (same UID, higher SEQUENCE: the feeds show it again) and tell
    the convener; restoring one that is not cancelled changes nothing and tells no one."""
    return _change(engine, config, uid, now=now, restored=True,
                   apply=lambda bind: restore_occurrence(bind, uid, now=now, note=note))  # fmt: skip


def preview(engine: Engine, config: Settings, uid: str) -> Change:
    """Who a change of the occurrence would tell, and if no one, why; nothing is written. The
    occurrence is as it is now (the change is not made)."""
    row = get_occurrence(engine, uid)
    own = settings_for_plan(engine, config, plan_id=row.plan_id)
    convener, _role, unsent = _recipient(plan_schedule(engine, own, plan_id=row.plan_id), own, row)
    return Change(row, convener, unsent)


def _change(
    engine: Engine,
    config: Settings,
    uid: str,
    *,
    now: datetime,
    apply: Callable[[Connection], Occurrence],
    restored: bool = False,
) -> Change:
    plan_id = get_occurrence(engine, uid).plan_id
    # The plan's organisation's roles and addresses; read before the lock is taken.
    own = settings_for_plan(engine, config, plan_id=plan_id)
    schedule = plan_schedule(engine, own, plan_id=plan_id)
    with write_transaction(engine) as connection:
        before = get_occurrence(connection, uid)
        after = apply(connection)
        change = _notify(connection, schedule, own, before, after, now=now, restored=restored)
    # Its reminders follow now, not at the next dispatcher pass.
    refresh_occurrences(engine, config, plan_id=plan_id, now=now)
    return change


def _notify(
    connection: Connection,
    schedule: PlanSchedule,
    config: Settings,
    before: Occurrence,
    after: Occurrence,
    *,
    now: datetime,
    restored: bool = False,
) -> Change:
    """Add the notice of the change from `before` to `after` to the outbox, when there is one
    to send and someone to send it to."""
    item = next((m for m in schedule.measures if m.stored.id == after.measure_id), None)
    convener, role, unsent = _recipient(schedule, config, after)
    if item is None or role is None or unsent is not None:
        return Change(after, convener, unsent)
    if after.sequence == before.sequence:
        return Change(after, convener, UNCHANGED)
    withdrawn = withdraw_pending(
        connection, key_prefix=change_key_prefix(after.uid), reason=WITHDRAWN, now=now
    )
    known = earliest_known_start(withdrawn) or before.start
    mail = planned_change(item, after, known_start=known, role=role, config=config, now=now,
                          restored=restored)  # fmt: skip
    if mail.useful_until is not None and mail.useful_until <= now:
        return Change(after, convener, PASSED)  # it has been and gone, wherever it was
    enqueue_once(connection, [{
        "key": mail.key, "kind": mail.kind, "plan_id": after.plan_id,
        "occurrence_id": mail.occurrence_id, "role": mail.role, "recipient": mail.recipient,
        "due_at": mail.due_at, "useful_until": mail.useful_until, "subject": mail.email.subject,
        "body_text": "", "body_html": "", "attachment": None,
    }], now=now)  # fmt: skip
    return Change(after, convener, None)


def _recipient(
    schedule: PlanSchedule, config: Settings, row: Occurrence
) -> tuple[str | None, RoleConfig | None, str | None]:
    """The occurrence's convener (as configured), their role with an address, and why no one
    can be told (None: the convener can)."""
    item = next((m for m in schedule.measures if m.stored.id == row.measure_id), None)
    named = item.responsibility.convener if item is not None else None
    role = config.role(named) if named else None
    convener = role.name if role is not None else named
    if item is None or not named:
        return None, None, NO_CONVENER
    if role is None or not role.email:
        return convener, None, NO_ADDRESS
    return convener, role, None


def told(change: Change) -> str:
    """One Swedish line: whether the convener gets an email about the change, and if not, why."""
    who = f"Sammankallande ({change.convener})"
    if change.unsent is None:
        return f"{who} får ett mejl om ändringen."
    if change.unsent == NO_CONVENER:
        return "Obs: åtgärden har ingen sammankallande; ingen får ett mejl om ändringen."
    if change.unsent == NO_ADDRESS:
        return (f"Obs: {change.convener} har ingen e-postadress (se Roller) och får inget mejl "
                "om ändringen.")  # fmt: skip
    if change.unsent == UNCHANGED:
        return "Det var redan inställt; inget nytt mejl."
    return f"{who} får inget mejl: tiden har redan passerat."
