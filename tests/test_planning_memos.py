"""What one planning pass remembers (scheduler/reminders/planning.py) is keyed by all it depends
on: a series' own reminder days by measure and series, send days by day. Pure: a plan scheduled
and its reminders planned without a database."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from scheduler.base.links import LinkSigner
from scheduler.base.time import STOCKHOLM
from scheduler.cadence import CalendarPolicy
from scheduler.cadence.calendar import is_working_day
from scheduler.model.occurrence import Occurrence, OccurrenceStatus
from scheduler.model.plan import Area, Measure, Plan, PolicyOverrides
from scheduler.model.stored import StoredMeasure, StoredPlan
from scheduler.plan.roles import Responsibility
from scheduler.reminders.planning import MailContext, planned_mails
from scheduler.reminders.settings import ReminderSettings
from scheduler.schedule.occurrences import PlanSchedule, schedule_plan
from scheduler.settings.config import settings_from_mapping
from scheduler.settings.model import Calendar, Reminders

YEAR = 2025
ROLE = {"name": "Samordnare", "email": "samordnare@example.org"}
TWO_SERIES = "Möten 8 ggr/år (4 ggr/år mellan- och högstadiet och 4 ggr/år gymnasiet)"


def _plan(*measures: Measure) -> StoredPlan:
    stored = tuple(
        StoredMeasure(id=n, key=f"m{n}", area="Område", measure=m)
        for n, m in enumerate(measures, start=1)
    )
    plan = Plan("Org", YEAR, (Area("Område", measures),))
    return StoredPlan(1, 1, datetime(YEAR, 1, 1, tzinfo=UTC), plan, stored)


def _rows(schedule: PlanSchedule) -> list[Occurrence]:
    moment = datetime(YEAR, 1, 1, tzinfo=UTC)
    return [
        Occurrence(id=n, plan_id=1, measure_id=o.measure_id, uid=o.uid, series_label=o.series_label,
                   kind=o.kind, original_date=o.original_date, start=o.start, end=o.end,
                   all_day=o.all_day, location=o.location, status=OccurrenceStatus.PLANNED, manual=False, sequence=0,
                   note="", held=None, held_note="", held_recorded_at=None, created_at=moment,
                   changed_at=moment)
        for n, o in enumerate(schedule.occurrences, start=1)
    ]  # fmt: skip


def _planned(stored: StoredPlan, **reminders: object) -> dict[str, datetime]:
    """Reminder key → due time, planned for the whole year."""
    config = settings_from_mapping({"roles": {"samordnare": ROLE}}, environ={})
    responsibility = Responsibility("Samordnare", ("Samordnare",), "explicit")
    context = MailContext(config, ReminderSettings.from_section(Reminders.model_validate(reminders)),
                          LinkSigner("hemligt", purpose="answer"))  # fmt: skip
    schedule = schedule_plan(stored, policy=context.policy,
                             responsibilities={m.id: responsibility for m in stored.measures})  # fmt: skip
    mails = planned_mails(schedule, _rows(schedule), context,
                          now=datetime(YEAR - 1, 12, 1, tzinfo=UTC), until=datetime(YEAR + 1, 2, 1, tzinfo=UTC))  # fmt: skip
    return {mail.key: mail.due_at for mail in mails}


def _kinds_by_measure(stored: StoredPlan, planned: dict[str, datetime]) -> dict[str, set[str]]:
    """Measure key → the kinds of its reminders (a reminder's key starts with the UID)."""
    schedule_uids: dict[str, str] = {}
    for row in _rows(_schedule(stored)):
        schedule_uids[row.uid] = f"{row.measure_id}:{row.series_label}"
    found: dict[str, set[str]] = {}
    for key in planned:
        uid, kind, _start = key.split("|")
        found.setdefault(schedule_uids[uid], set()).add(kind)
    return found


def _schedule(stored: StoredPlan) -> PlanSchedule:
    responsibility = Responsibility("Samordnare", ("Samordnare",), "explicit")
    config = settings_from_mapping({"roles": {"samordnare": ROLE}}, environ={})
    context = MailContext(
        config, ReminderSettings.from_section(Reminders()), LinkSigner("hemligt", purpose="answer")
    )
    return schedule_plan(stored, policy=context.policy,
                         responsibilities={m.id: responsibility for m in stored.measures})  # fmt: skip


def test_two_measures_with_the_same_series_keep_their_own_reminder_days() -> None:
    stored = _plan(
        Measure("Möte A", when_text="4 ggr/år", schedule=PolicyOverrides(reminder_days=(10,))),
        Measure("Möte B", when_text="4 ggr/år", schedule=PolicyOverrides(reminder_days=(3,))),
    )
    kinds = _kinds_by_measure(stored, _planned(stored))
    assert kinds == {
        "1:": {"meeting-10d", "held"},
        "2:": {"meeting-3d", "held"},
    }  # as keys name them


def test_two_series_of_one_measure_keep_their_own_reminder_days() -> None:
    own = PolicyOverrides(reminder_days=(5,),
                           series=(("Gymnasiet", PolicyOverrides(reminder_days=(9,))),))  # fmt: skip
    stored = _plan(Measure("Skolforum", when_text=TWO_SERIES, schedule=own))
    kinds = _kinds_by_measure(stored, _planned(stored))
    assert kinds == {
        "1:Mellan- och högstadiet": {"meeting-5d", "held"},
        "1:Gymnasiet": {"meeting-9d", "held"},
    }


def test_every_reminder_goes_out_on_a_working_day_before_what_it_is_for() -> None:
    """The send days are remembered by day: each lead of each meeting gets its own day, at the
    send time, on a working day, before the meeting (never one day's answer for another)."""
    stored = _plan(Measure("Möte", when_text="varje vecka"))
    planned = _planned(stored, meeting_days=(14, 3, 1), held_question=False)
    starts = {row.uid: row.start for row in _rows(_schedule(stored))}
    assert len(planned) > 100
    policy = CalendarPolicy.from_section(Calendar())
    for key, due in planned.items():
        uid, kind, _start = key.split("|")
        local = due.astimezone(STOCKHOLM)
        lead = int(kind.removeprefix("meeting-").removesuffix("d"))
        meeting_day = starts[uid].astimezone(STOCKHOLM).date()
        assert local.time() == time(8, 0)
        assert is_working_day(local.date(), policy)
        assert local.date() <= meeting_day - timedelta(days=lead) and due < starts[uid]
        # the latest such day: every day between it and the lead's day is closed to mail
        day = local.date() + timedelta(days=1)
        while day <= meeting_day - timedelta(days=lead):
            assert not is_working_day(day, policy), (key, day)
            day += timedelta(days=1)
