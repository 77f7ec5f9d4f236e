"""`sync_occurrences` hands back the plan's occurrences after the sync, so that the reminders
planned next need not read them back (issue 14): they must be exactly what `list_occurrences`
reads, value for value, zone for zone and in its order, after a first import and after a sync
that moves, cancels, adds and leaves alone (past rows, rows a person moved or answered)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from scheduler.model.occurrence import OccurrenceStatus, PlannedOccurrence
from scheduler.plan.files import read_plan
from scheduler.services.refresh import plan_schedule
from scheduler.settings.config import load_settings
from scheduler.store.engine import write_transaction
from scheduler.store.occurrences import (
    cancel_occurrence,
    list_occurrences,
    move_occurrence,
    record_answer,
    sync_occurrences,
)
from scheduler.store.plans import import_plan
from tests.support.seed import ROOT, SEED_PLAN

IMPORTED = datetime(2024, 1, 8, 7, tzinfo=UTC)
LATER = datetime(2024, 5, 15, 10, tzinfo=UTC)


def _synced_equals_listed(engine: Engine, plan_id: int, planned: list[PlannedOccurrence],
                          now: datetime) -> tuple[int, int, int, int]:  # fmt: skip
    with write_transaction(engine) as connection:
        synced = sync_occurrences(connection, plan_id=plan_id, planned=planned, now=now)
        listed = list_occurrences(connection, plan_id=plan_id)
    assert synced.rows == listed
    assert [repr(row) for row in synced.rows] == [repr(row) for row in listed]  # zones too
    assert list_occurrences(engine, plan_id=plan_id) == listed  # and so committed
    result = synced.result
    return result.added, result.moved, result.cancelled, result.unchanged


def test_the_rows_a_sync_hands_back_are_the_rows_then_stored(engine: Engine) -> None:
    settings = load_settings(str(ROOT / "config.toml"), environ={})
    plan = read_plan(SEED_PLAN).plan
    plan_id = import_plan(engine, plan, source="seed", now=IMPORTED).plan_id
    planned = plan_schedule(engine, settings, plan_id=plan_id).occurrences

    added, *_ = _synced_equals_listed(engine, plan_id, planned, IMPORTED)
    assert added == len(planned) > 50

    rows = list_occurrences(engine, plan_id=plan_id)
    ahead = [row for row in rows if row.start > LATER + timedelta(days=7)]
    moved_by_hand, cancelled_by_hand = ahead[0], ahead[1]
    move_occurrence(engine, moved_by_hand.uid, start=moved_by_hand.start + timedelta(hours=2),
                    end=moved_by_hand.end + timedelta(hours=2), now=IMPORTED)  # fmt: skip
    cancel_occurrence(engine, cancelled_by_hand.uid, now=IMPORTED)
    past = next(row for row in rows if row.start < LATER)
    record_answer(engine, past.uid, held=True, note="Hölls.", now=LATER)
    # The schedule changed: one occurrence an hour later, one gone, one new.
    shifted = next(o for o in planned if o.start > LATER + timedelta(days=30)
                   and o.uid not in (moved_by_hand.uid, cancelled_by_hand.uid))  # fmt: skip
    dropped = next(o for o in reversed(planned) if o.uid not in (moved_by_hand.uid, shifted.uid))
    new = replace(shifted, uid="ny-" + shifted.uid, start=shifted.start + timedelta(days=1),
                  end=shifted.end + timedelta(days=1))  # fmt: skip
    changed = [
        replace(o, start=o.start + timedelta(hours=1), end=o.end + timedelta(hours=1))
        if o.uid == shifted.uid else o
        for o in planned if o.uid != dropped.uid
    ] + [new]  # fmt: skip

    added, moved, cancelled, unchanged = _synced_equals_listed(engine, plan_id, changed, LATER)

    assert (added, moved, cancelled) == (1, 1, 1)
    assert unchanged == len(planned) - 2
    after = {row.uid: row for row in list_occurrences(engine, plan_id=plan_id)}
    assert (
        after[dropped.uid].status == OccurrenceStatus.CANCELLED
        and after[cancelled_by_hand.uid].manual
    )
    assert after[past.uid].held is True and after[new.uid].sequence == 0
