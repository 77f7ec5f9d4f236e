"""A year people can live with (issue 12): the plan's meetings spread over the working days,
walks in the evening, reminders on working days, fortnightly series in rhythm, deadlines that
ignore school breaks, and `scheduler cadence` in the plan's year.

The seed plan is scheduled for 2025 as `make run` would roll it forward; the rest is pure.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.base.time import STOCKHOLM
from scheduler.cadence import CalendarPolicy, PlacedCadence, parse_when, place_cadence
from scheduler.cadence.calendar import is_working_day, working_day_before
from scheduler.cadence.spread import PlanItem, spread_plan
from scheduler.model.mail import MailKind, OutboxMail
from scheduler.model.measure_keys import measure_key
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.plan import Area, Measure, Plan, PolicyOverrides
from scheduler.plan.files import read_plan
from scheduler.plan.roles import RoleLexicon, read_responsibility
from scheduler.schedule.occurrences import PlanSchedule
from scheduler.services.refresh import rolled_over
from scheduler.settings.config import settings_from_mapping
from scheduler.settings.model import Calendar
from scheduler.store.outbox import list_outbox
from tests.support.cli import Cli
from tests.support.feeds_fixture import scheduled_plan
from tests.support.seed import SEED_PLAN, YEAR_OF_REMINDERS

POLICY = CalendarPolicy.from_section(Calendar())


def policy_from(table: dict[str, Any]) -> CalendarPolicy:
    """The policy from a config.toml [calendar] table, read through the one settings object."""
    return CalendarPolicy.from_section(settings_from_mapping({"calendar": table}).calendar)


DEFAULT_MEETING_DAYS = {"MO", "TU", "WE", "TH"}
CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SE_HOLIDAYS = holidays.country_holidays(
    "SE", years=range(2024, 2027), categories=(holidays.PUBLIC, holidays.DE_FACTO), language="sv"
)
DEDUCTED = "samma sammankallande har ett annat möte då"


def seed_2025() -> Plan:
    return rolled_over(read_plan(SEED_PLAN).plan, 2025)


class Seed2025:
    def __init__(self, schedule: PlanSchedule, outbox: list[OutboxMail]) -> None:
        self.schedule = schedule
        self.outbox = outbox

    def meetings(self) -> list[tuple[str, str | None, datetime, datetime]]:
        """(title, convener, start, end) of every meeting, local time."""
        return [
            (item.stored.measure.title, item.responsibility.convener,
             o.start.astimezone(STOCKHOLM), o.end.astimezone(STOCKHOLM))
            for item in self.schedule.measures
            for series in item.schedule.series
            for o in series.occurrences
            if o.kind == "meeting"
        ]  # fmt: skip


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Seed2025:
    # A year of reminders planned at once (the horizon at its longest): what the reminder-day
    # rules are checked on.
    scheduled = scheduled_plan(tmp_path_factory.mktemp("seed2025"), plan=seed_2025(),
                               extra=YEAR_OF_REMINDERS)  # fmt: skip
    return Seed2025(scheduled.schedule(), list_outbox(scheduled.engine))


# With the seed plan in 2025 (the "Done when").


def test_no_convener_has_more_than_two_meetings_on_a_day_in_2025(seed: Seed2025) -> None:
    per_day = Counter((who, start.date()) for _, who, start, _ in seed.meetings() if who)
    assert len(per_day) > 40
    assert max(per_day.values()) <= 2, per_day.most_common(3)


def test_no_weekday_holds_more_than_half_of_the_meetings_in_2025(seed: Seed2025) -> None:
    meetings = seed.meetings()
    per_weekday = Counter(CODES[start.weekday()] for _, _, start, _ in meetings)
    assert len(meetings) > 50
    assert max(per_weekday.values()) <= len(meetings) / 2, per_weekday
    # The spread uses Monday–Thursday, all of them. A meeting moved off a closed day may land on
    # another day of its week (EST's 1 May, a holiday, goes to Friday 2 May: "2 ggr/månad" keeps
    # both of May's meetings, and the rest of that week is April).
    placed = [
        o
        for item in seed.schedule.measures
        for series in item.schedule.series
        for o in series.occurrences
        if o.kind == "meeting"
    ]
    kept = {CODES[o.start.astimezone(STOCKHOLM).weekday()] for o in placed if o.moved_from is None}
    assert kept == DEFAULT_MEETING_DAYS
    for o in placed:
        if o.moved_from is not None and CODES[o.start.weekday()] not in DEFAULT_MEETING_DAYS:
            assert o.start.isocalendar()[:2] == o.moved_from.isocalendar()[:2], o


def test_the_seed_needs_deconfliction_only_as_a_last_resort(seed: Seed2025) -> None:
    """No meeting of the seed is moved to later the same day: the spread found every series a
    day of its own, and no convener's two meetings overlap."""
    moved = [
        o for item in seed.schedule.measures for s in item.schedule.series
        for o in s.occurrences if o.move_reason == DEDUCTED
    ]  # fmt: skip
    assert moved == []
    per_convener = defaultdict(list)
    for title, who, start, end in seed.meetings():
        per_convener[who].append((start, end, title))
    for meetings in per_convener.values():
        meetings.sort()
        for (_, end, _), (start, _, _) in pairwise(meetings):
            assert end <= start


def test_no_one_taking_part_has_two_meetings_at_once_in_2025(seed: Seed2025) -> None:
    """One person's meetings avoid the same slot: conveners and every role named in Vem (the
    police take part in most forums), and the two SSP series never share a day."""
    busy: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for item in seed.schedule.measures:
        for series in item.schedule.series:
            for o in series.occurrences:
                if o.kind == "meeting":
                    for role in item.responsibility.participants:
                        busy[role].append((o.start, o.end))
    assert len(busy["Polis"]) > 20
    for role, meetings in busy.items():
        meetings.sort()
        for (_, end), (start, _) in pairwise(meetings):
            assert end <= start, (role, start)
    (ssp,) = [m for m in seed.schedule.measures if m.stored.measure.title == "SSP"]
    first, second = ({o.start.date() for o in s.occurrences} for s in ssp.schedule.series)
    assert len(first) == len(second) == 4 and not first & second


def test_no_reminder_is_due_on_a_weekend_holiday_julafton_nyarsafton_or_midsommarafton(
    seed: Seed2025,
) -> None:
    assert len(seed.outbox) > 150
    due_days = [row.due_at.astimezone(STOCKHOLM).date() for row in seed.outbox]
    for day in due_days:
        names = [n for n in str(SE_HOLIDAYS.get(day, "")).split("; ") if n and n != "Söndag"]
        assert day.weekday() < 5, day
        assert not names, (day, names)
        assert not ((day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 6)), day
    # Julafton 2024 was a 14-day reminder date of the old plan; it must be covered by the test.
    assert min(due_days) < date(2025, 1, 1)


def test_a_reminder_before_a_meeting_goes_out_on_the_working_day_before_never_after(
    seed: Seed2025,
) -> None:
    starts = {
        o.uid: o.start.astimezone(STOCKHOLM)
        for o in seed.schedule.occurrences
        if o.kind == OccurrenceKind.MEETING
    }
    checked = 0
    for row in seed.outbox:
        lead = row.lead_days
        if row.kind != MailKind.MEETING_REMINDER or row.occurrence_id is None or lead is None:
            continue
        uid = row.key.split("|", 1)[0]
        start = starts[uid]
        due = row.due_at.astimezone(STOCKHOLM)
        nominal = start.date() - timedelta(days=lead)
        assert due < start
        assert due.date() <= nominal and is_working_day(due.date(), POLICY)
        # … and the latest working day up to the nominal one: every day between is closed.
        day = due.date() + timedelta(days=1)
        while day <= nominal:
            assert not is_working_day(day, POLICY), (row.kind, start, due)
            day += timedelta(days=1)
        checked += 1
    assert checked > 80


def test_the_walks_are_in_the_evening(seed: Seed2025) -> None:
    walks = [
        (start, end) for title, _, start, end in seed.meetings() if title == "Trygghetsvandring"
    ]
    assert len(walks) == 2
    for start, end in walks:
        assert start.time() == time(18, 0)
        assert end - start == timedelta(minutes=120)
    # An evening meeting is not "too late in the day" for deconflict: no false collision.
    (walk,) = [m for m in seed.schedule.measures if m.stored.measure.title == "Trygghetsvandring"]
    assert not [w for w in walk.schedule.warnings if "Krock" in w]


def test_the_same_plan_gives_the_same_dates_and_rows_moved_change_nothing(tmp_path: Path) -> None:
    """Deterministic (UIDs stay stable), and by measure identity, not by row: the areas in
    reverse order place every measure on the same dates."""
    plan = seed_2025()
    first = _dates_by_measure(spread_plan(_items(plan), year=2025, policy=POLICY), plan)
    again = _dates_by_measure(spread_plan(_items(plan), year=2025, policy=POLICY), plan)
    backwards = replace(plan, areas=tuple(reversed(plan.areas)))
    reordered = _dates_by_measure(
        spread_plan(_items(backwards), year=2025, policy=POLICY), backwards
    )
    assert first == again == reordered


def test_a_new_measure_of_another_convener_moves_no_series_of_the_first(tmp_path: Path) -> None:
    """Stable under small edits: a monthly forum added for the Preventionssamordnare leaves every
    meeting the Trygghetssamordnare convenes where it was."""
    plan = seed_2025()
    extra = Measure(title="Föräldraforum", when_text="En gång/månad",
                    responsible_text="Preventionssamordnare sammankallar.")  # fmt: skip
    last = plan.areas[-1]
    edited = replace(plan, areas=(*plan.areas[:-1], Area(last.name, (*last.measures, extra))))
    before = _dates_by_measure(spread_plan(_items(plan), year=2025, policy=POLICY), plan)
    after = _dates_by_measure(spread_plan(_items(edited), year=2025, policy=POLICY), edited)
    coordinator = {
        m.title for a in plan.areas for m in a.measures if _convener(m) == "Trygghetssamordnare"
    }
    assert coordinator
    for title in coordinator:
        assert after[title] == before[title], title


# The spread's rules, pure.


def test_a_named_weekday_or_date_is_kept_by_the_spread() -> None:
    items = [_item(str(n), "En gång/månad", "Trygghetssamordnare") for n in range(6)] + [
        _item("tisdag", "Första tisdagen varje månad", "Trygghetssamordnare"),
        _item("datum", "12/3 och 8/10", "Trygghetssamordnare"),
        _item("fil", "En gång/månad", "Trygghetssamordnare", PolicyOverrides(weekday="fredag")),
    ]
    named, dated, filed = spread_plan(items, year=2025, policy=POLICY)[-3:]
    assert {o.start.strftime("%a") for o in named.occurrences if o.moved_from is None} == {"Tue"}
    assert all(o.start.day <= 7 for o in named.occurrences if o.moved_from is None)
    assert [o.start.date() for o in dated.occurrences] == [date(2025, 3, 12), date(2025, 10, 8)]
    assert {o.start.strftime("%a") for o in filed.occurrences if o.moved_from is None} == {"Fri"}


@pytest.mark.parametrize("forums", [4, 8, 12])
def test_many_forums_of_one_convener_stay_within_the_daily_cap_and_the_weekdays(
    forums: int,
) -> None:
    """A count per year still gives that many dates, inside the plan year, on the meeting days,
    never more than max_meetings_per_day for the convener, no weekday with over half."""
    items = [_item(f"Forum {n}", "En gång/månad", "Trygghetssamordnare") for n in range(forums)]
    items += [_item(f"Råd {n}", "4 ggr/år", "Trygghetssamordnare") for n in range(4)]
    schedules = spread_plan(items, year=2025, policy=POLICY)
    days: Counter[date] = Counter()
    for item, schedule in zip(items, schedules, strict=True):
        expected = 4 if item.title.startswith("Råd") else 11
        assert len(schedule.occurrences) == expected, item.title
        for o in schedule.occurrences:
            assert o.start.year == 2025
            days[o.start.date()] += 1
    assert max(days.values()) <= POLICY.max_meetings_per_day
    weekdays = Counter(CODES[d.weekday()] for d in days.elements())
    assert set(weekdays) <= DEFAULT_MEETING_DAYS | {"FR"}  # Friday only as a holiday's move
    assert max(weekdays.values()) <= sum(weekdays.values()) / 2
    assert not [w for s in schedules for w in s.warnings]


def test_a_day_over_the_cap_that_cannot_be_avoided_is_a_warning() -> None:
    """Twenty monthly forums and four councils of one convener do not fit the greedy spread
    at two a day around the holidays: each day still over the cap is named, not hidden."""
    items = [_item(f"Forum {n}", "En gång/månad", "Trygghetssamordnare") for n in range(20)]
    items += [_item(f"Råd {n}", "4 ggr/år", "Trygghetssamordnare") for n in range(4)]
    schedules = spread_plan(items, year=2025, policy=POLICY)
    days = Counter(o.start.date() for s in schedules for o in s.occurrences)
    over = {day for day, n in days.items() if n > POLICY.max_meetings_per_day}
    assert over
    warned = {w for s in schedules for w in s.warnings}
    for day in over:
        assert any(day.isoformat() in w and "calendar.max_meetings_per_day" in w for w in warned)
    assert all(any(day.isoformat() in w for day in over) for w in warned)


def test_meeting_weekdays_and_the_daily_cap_come_from_config() -> None:
    policy = policy_from({"meeting_weekdays": ["måndag", "onsdag"], "max_meetings_per_day": 1})
    assert policy.meeting_weekdays == ("MO", "WE") and policy.max_meetings_per_day == 1
    items = [_item(f"Forum {n}", "En gång/månad", "Trygghetssamordnare") for n in range(4)]
    schedules = spread_plan(items, year=2025, policy=policy)
    kept = [o.start.date() for s in schedules for o in s.occurrences if o.moved_from is None]
    assert {CODES[d.weekday()] for d in kept} == {"MO", "WE"}
    every = [o.start.date() for s in schedules for o in s.occurrences]
    assert max(Counter(every).values()) == 1


def test_two_forums_of_one_convener_on_a_named_day_are_deconflicted_as_the_last_resort() -> None:
    """The spread cannot move a day the text names; the two meetings still do not overlap
    once deconflict (schedule_plan's last step) has moved the second to after the first."""
    from scheduler.schedule.deconflict import deconflict_conveners

    items = [
        _item("A", "Första tisdagen varje månad", "Trygghetssamordnare"),
        _item("B", "Första tisdagen varje månad", "Trygghetssamordnare"),
    ]
    placed, _ = deconflict_conveners(spread_plan(items, year=2025, policy=POLICY), ["T", "T"])
    a, b = ([o for o in s.occurrences] for s in placed)
    moved = [o for o in b if o.move_reason == DEDUCTED]
    assert len(moved) == len(b)
    for first, second in zip(a, b, strict=True):
        assert first.end <= second.start and first.start.date() == second.start.date()


# Times that fit the activity.


def test_a_trygghetsvandring_is_at_six_in_the_evening_and_a_nattvandring_on_friday_night() -> None:
    walk = place_cadence(
        parse_when("2 ggr/år"), year=2025, policy=POLICY, title="Trygghetsvandringar"
    )
    assert {o.start.time() for o in walk.occurrences} == {time(18, 0)}
    night = place_cadence(parse_when("2 ggr/månad"), year=2025, policy=POLICY, title="Nattvandring")
    kept = [o for o in night.occurrences if o.moved_from is None]
    assert kept and {o.start.strftime("%a %H:%M") for o in kept} == {"Fri 21:00"}
    assert {o.end - o.start for o in night.occurrences} == {timedelta(hours=3)}


def test_the_activity_is_read_from_the_title_or_the_nar_not_the_actions_prose() -> None:
    forum = place_cadence(parse_when("4 ggr/år"), year=2025, policy=POLICY, title="Platssamverkan",
                  action="Polisen deltar och bjuder in till trygghetsvandringar.")  # fmt: skip
    assert {o.start.time() for o in forum.occurrences} == {POLICY.default_time}
    night = place_cadence(parse_when("Nattvandring en gång/månad"), year=2025, policy=POLICY,
                  title="Trygga unga")  # fmt: skip
    kept = [o for o in night.occurrences if o.moved_from is None]
    assert kept and {o.start.strftime("%a %H:%M") for o in kept} == {"Fri 21:00"}
    parents = place_cadence(
        parse_when("2 ggr/termin"), year=2025, policy=POLICY, title="Föräldramöten"
    )
    assert {o.start.time() for o in parents.occurrences} == {time(18, 0)}


def test_a_time_or_day_in_the_text_or_plan_file_beats_the_activity_default() -> None:
    walk = place_cadence(
        parse_when("2 ggr/år kl 10"), year=2025, policy=POLICY, title="Trygghetsvandring"
    )
    assert {o.start.time() for o in walk.occurrences} == {time(10, 0)}
    night = place_cadence(parse_when("En gång/månad"), year=2025, policy=POLICY, title="Nattvandring",
                  settings=PolicyOverrides(weekday="lördag", time="22:00"))  # fmt: skip
    assert {o.start.strftime("%a %H:%M") for o in night.occurrences if o.moved_from is None} == {
        "Sat 22:00"
    }


def test_a_district_changes_the_activity_table_in_config() -> None:
    policy = policy_from({"activity_defaults": {
        "trygghetsvandring": {"time": "17:30"},
        "medborgardialog": {"weekday": "onsdag", "time": "18:30", "duration_minutes": 60},
    }})  # fmt: skip
    walk = place_cadence(
        parse_when("2 ggr/år"), year=2025, policy=policy, title="Trygghetsvandring"
    )
    assert {(o.start.time(), o.end - o.start) for o in walk.occurrences} == {
        (time(17, 30), timedelta(minutes=120))  # the built-in length stays
    }
    dialog = place_cadence(
        parse_when("4 ggr/år"), year=2025, policy=policy, title="Medborgardialog"
    )
    assert {o.start.strftime("%a %H:%M") for o in dialog.occurrences if o.moved_from is None} == {
        "Wed 18:30"
    }


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"trygghetsvandring": {"time": "18"}}, "«calendar.activity_defaults.trygghetsvandring.time» ska vara"),
        ({"nattvandring": {"weekday": "fredg"}}, "«calendar.activity_defaults.nattvandring.weekday» ska vara"),
        ({"nattvandring": {"plats": "torget"}}, "okänd nyckel «calendar.activity_defaults.nattvandring.plats»"),
        ({"natt vandring": {"time": "21:00"}}, '«calendar.activity_defaults."natt vandring"»'),
        ({"meeting_weekdays": 1}, "«calendar.activity_defaults.meeting_weekdays» ska vara en tabell"),
    ],
)  # fmt: skip
def test_a_bad_activity_default_names_its_key(table: dict[str, object], message: str) -> None:
    from scheduler.base.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        policy_from({"activity_defaults": table})
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("mapping", "key"),
    [({"meeting_weekdays": ["lördag"]}, "meeting_weekdays"), ({"meeting_weekdays": []}, "meeting_weekdays"),
     ({"max_meetings_per_day": 0}, "max_meetings_per_day")],
)  # fmt: skip
def test_bad_spread_settings_name_their_key(mapping: dict[str, object], key: str) -> None:
    from scheduler.base.errors import ConfigError

    with pytest.raises(ConfigError) as error:
        policy_from(mapping)
    assert f"«calendar.{key}»" in str(error.value)


# Closed days.


def test_varannan_tisdag_2025_never_has_meetings_in_two_consecutive_weeks() -> None:
    """Sportlov, påsklov and Christmas used to push a Tuesday into the next week (03-04 and
    03-11, 04-29 and 05-06, 12-16 and 12-23); a meeting moved within its own week counts as
    that week's."""
    schedule = place_cadence(parse_when("Varannan tisdag"), year=2025, policy=POLICY)
    weeks = sorted(o.start.isocalendar().week for o in schedule.occurrences)
    assert len(weeks) >= 18
    assert all(b - a >= 2 for a, b in pairwise(weeks)), weeks
    for o in schedule.occurrences:
        if o.moved_from is not None:
            assert o.start.isocalendar().week == o.moved_from.isocalendar().week


# "2 ggr/månad" is not here: the issue asks every-n-weeks series to keep their rhythm, and a count
# per month is bound to its month first (see the test below). In 2024 the first Tuesday of January
# is in the Christmas blackout and påsklov takes the first week of April; the only open days left
# in those months are a week from the month's other meeting.
@pytest.mark.parametrize("text", ["Var tredje vecka", "Varannan vecka", "Varannan torsdag"])
@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027])
def test_every_n_weeks_series_keep_their_rhythm(text: str, year: int) -> None:
    schedule = place_cadence(parse_when(text), year=year, policy=POLICY)
    weeks = sorted(o.start.isocalendar().week for o in schedule.occurrences)
    assert weeks and all(b - a >= 2 for a, b in pairwise(weeks)), weeks


@pytest.mark.parametrize("text", ["2 ggr/månad", "Tre gånger i månaden"])
@pytest.mark.parametrize("year", [2024, 2025, 2026, 2027, 2028, 2029, 2030])
def test_several_a_month_keep_their_count_in_each_month(text: str, year: int) -> None:
    """A closed day moves the meeting within its own month (2026: påsklov's 7 April went to
    31 March, leaving April one meeting); a week apart from the others when the month has one."""
    schedule = place_cadence(parse_when(text), year=year, policy=POLICY)
    per_month = Counter(o.start.month for o in schedule.occurrences)
    count = 2 if text.startswith("2") else 3
    assert per_month == dict.fromkeys(POLICY.active_months, count), per_month
    for o in schedule.occurrences:
        if o.moved_from is not None:
            assert o.start.month == o.moved_from.month, o
    if count == 2 and year in (2025, 2026):
        weeks = sorted(o.start.isocalendar().week for o in schedule.occurrences)
        assert all(b - a >= 2 for a, b in pairwise(weeks)), weeks


def test_a_deadline_in_a_school_break_keeps_its_day() -> None:
    """ "Senast 31 mars" in 2027 is due 31 March, although påsklov (week 13) covers it."""
    schedule = place_cadence(parse_when("Senast 31 mars"), year=2027, policy=POLICY)
    assert schedule.deadline == date(2027, 3, 31)
    assert [o.start.date() for o in schedule.occurrences] == [date(2027, 3, 31)]


def test_a_deadline_that_names_its_start_is_due_on_or_after_it() -> None:
    """ "Från mars" was due 28 February 2025 (1 March is a Saturday): before the work starts."""
    assert place_cadence(parse_when("Från mars"), year=2025, policy=POLICY).deadline == date(
        2025, 3, 3
    )
    start = place_cadence(parse_when("Med start januari"), year=2025, policy=POLICY)
    assert start.deadline == date(2025, 1, 7)  # after the Christmas blackout, not nowhere
    assert [o.start.date() for o in start.occurrences] == [date(2025, 1, 7)]
    assert place_cadence(
        parse_when("Från och med april"), year=2025, policy=POLICY
    ).deadline == date(2025, 4, 1)


def test_a_deadline_still_avoids_weekends_holidays_and_blackouts() -> None:
    assert place_cadence(
        parse_when("Senast 1 november"), year=2025, policy=POLICY
    ).deadline == date(2025, 10, 31)
    assert place_cadence(parse_when("Senast 6 juni"), year=2025, policy=POLICY).deadline == date(
        2025, 6, 5
    )
    assert place_cadence(
        parse_when("Senast 30 december"), year=2025, policy=POLICY
    ).deadline == date(2025, 12, 23)


def test_a_recurring_task_in_a_school_break_keeps_its_day_a_meeting_does_not() -> None:
    task = place_cadence(
        parse_when("Nyhetsbrev sista tisdagen varje månad"), year=2025, policy=POLICY
    )
    assert date(2025, 10, 28) in {o.start.date() for o in task.occurrences}  # höstlov v. 44
    meeting = place_cadence(parse_when("Möte sista tisdagen varje månad"), year=2025, policy=POLICY)
    assert date(2025, 10, 28) not in {o.start.date() for o in meeting.occurrences}


def test_working_days_skip_weekends_holidays_and_the_christmas_blackout_not_school_breaks() -> None:
    assert working_day_before(date(2024, 12, 24), POLICY) == date(2024, 12, 23)  # julafton
    assert working_day_before(date(2025, 1, 5), POLICY) == date(2024, 12, 23)  # blackout
    assert working_day_before(date(2025, 6, 20), POLICY) == date(2025, 6, 19)  # midsommarafton
    assert working_day_before(date(2025, 5, 1), POLICY) == date(2025, 4, 30)
    assert is_working_day(date(2025, 2, 25), POLICY)  # sportlov: reminders still go out


# Default year.


def test_cadence_without_year_uses_the_plan_year(sqlite_cli: Cli, tmp_path: Path) -> None:
    """With only the 2024 plan imported (and none for this year), `scheduler cadence` places
    the När in 2024; with a newer plan, in the newest."""
    import json

    assert sqlite_cli("import", str(SEED_PLAN)).code == 0
    result = sqlite_cli("cadence", "4 ggr/år", "--json")
    assert result.code == 0, result.err
    dates = [d for s in json.loads(result.out)["series"] for d in s["dates"]]
    assert len(dates) == 4 and all(d.startswith("2024-") for d in dates)
    assert sqlite_cli("rollover", "2099", "--from", "2024").code == 0
    later = json.loads(sqlite_cli("cadence", "4 ggr/år", "--json").out)
    assert all(d.startswith("2099-") for s in later["series"] for d in s["dates"])
    assert "2099" in sqlite_cli("cadence", "4 ggr/år").out


LEXICON = RoleLexicon.build()


def _convener(measure: Measure) -> str | None:
    return read_responsibility(measure.responsible_text, LEXICON).convener


def _items(plan: Plan) -> list[PlanItem]:
    """The plan as schedule_plan gives it to the spread: measure keys, conveners, participants."""
    items = []
    for area in plan.areas:
        seen: Counter[str] = Counter()
        for measure in area.measures:
            who = read_responsibility(measure.responsible_text, LEXICON)
            items.append(PlanItem(
                measure_key(area.name, measure.title, seen[measure.title]),
                parse_when(measure.when_text), measure.schedule, measure.title, measure.action,
                who.convener, who.participants,
            ))  # fmt: skip
            seen[measure.title] += 1
    return items


def _dates_by_measure(
    schedules: list[PlacedCadence], plan: Plan
) -> dict[str, list[tuple[str, str]]]:
    titles = [m.title for a in plan.areas for m in a.measures]
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for title, schedule in zip(titles, schedules, strict=True):
        found[title] += sorted((o.series_label, o.start.isoformat()) for o in schedule.occurrences)
    return dict(found)


def _item(
    title: str, when: str, convener: str, settings: PolicyOverrides | None = None
) -> PlanItem:
    return PlanItem(f"test|{title}|0", parse_when(when), settings or PolicyOverrides(), title,
                    "", convener)  # fmt: skip


def test_a_digest_for_a_week_starting_on_a_holiday_goes_out_the_working_day_before(
    tmp_path: Path,
) -> None:
    """The Monday digest of Easter week 2025 (annandag påsk, 21 April) goes out on Thursday
    17 April (långfredag is a holiday too); those of the first weeks of 2025 (30 December and
    6 January, in the Christmas blackout) on 23 December 2024."""
    from scheduler.services.refresh import import_and_schedule
    from scheduler.settings.config import load_settings
    from scheduler.store.engine import upgrade_store
    from tests.support.cli import write_config

    path = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'digest.sqlite3'}",
                        YEAR_OF_REMINDERS + "digest = \"also\"\n")  # fmt: skip
    config = load_settings(str(path), environ={})
    engine = upgrade_store(config.database_url)[0]
    import_and_schedule(engine, config, seed_2025(), source="test",
                        now=datetime(2024, 11, 1, tzinfo=STOCKHOLM))  # fmt: skip
    digests = {
        r.key: r.due_at.astimezone(STOCKHOLM) for r in list_outbox(engine) if r.kind == "digest"
    }
    assert digests
    for due in digests.values():
        assert is_working_day(due.date(), POLICY) and due.time() == time(8, 0)
    easter = [due for key, due in digests.items() if key.endswith("2025-W17")]
    assert [due.date() for due in easter] == [date(2025, 4, 17)] * len(easter) and easter
    christmas = [due for key, due in digests.items() if key.endswith(("2025-W01", "2025-W02"))]
    assert christmas and {due.date() for due in christmas} == {date(2024, 12, 23)}


def test_a_policy_that_closes_the_whole_year_still_gives_a_reminder_day() -> None:
    closed = policy_from({"blackouts": ["01-01..12-31"]})
    assert working_day_before(date(2025, 3, 4), closed) == date(2025, 3, 4)


# Properties of the spread over any small plan: meaning, not only "does not crash".

PER_YEAR = {"En gång per år": 1, "2 ggr/år": 2, "3 ggr/år": 3, "4 ggr/år": 4, "6 ggr/år": 6,
            "En gång/månad": 11}  # fmt: skip
NAMED = {"Första tisdagen varje månad": "TU", "Sista torsdagen i månaden": "TH",
         "En gång per månad på onsdagar": "WE"}  # fmt: skip
WHO = ("Trygghetssamordnare", "Preventionssamordnare", "Kommunpolis")

plans = st.lists(
    st.tuples(st.sampled_from(sorted(PER_YEAR) + sorted(NAMED)), st.sampled_from(WHO)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=plans, year=st.integers(2024, 2030), seed=st.randoms(use_true_random=False))
def test_any_plan_spreads_with_its_counts_named_days_and_year_kept(
    plan: list[tuple[str, str]], year: int, seed: random.Random
) -> None:
    items = [_item(f"Forum {n}", when, who) for n, (when, who) in enumerate(plan)]
    schedules = spread_plan(items, year=year, policy=POLICY)
    for (when, _), schedule in zip(plan, schedules, strict=True):
        days = [o.start.date() for o in schedule.occurrences]
        assert all(day.year == year for day in days)  # inside the plan year
        if when in PER_YEAR:  # a count per year gives that many dates
            assert len(days) == PER_YEAR[when], (when, days, schedule.warnings)
        else:  # a named weekday is kept (a date moved off a holiday aside)
            kept = [o.start for o in schedule.occurrences if o.moved_from is None]
            assert kept and {CODES[d.weekday()] for d in kept} == {NAMED[when]}, when
    # The same plan in any order gives every measure the same dates (UIDs stay stable).
    shuffled = list(range(len(items)))
    seed.shuffle(shuffled)
    again = spread_plan([items[i] for i in shuffled], year=year, policy=POLICY)
    for position, i in enumerate(shuffled):
        assert again[position].occurrences == schedules[i].occurrences
