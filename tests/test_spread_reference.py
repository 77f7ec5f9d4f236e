"""The spread (scheduler/cadence/spread.py) weighs each slot from counts per day and per weekday,
cached per series; it must choose exactly what the plain greedy pass it replaced chose, meeting by
meeting, or dates and UIDs would change for plans already published. That pass is kept here,
as it was, and the two are compared on the seed plan and on random plans of real När phrases,
conveners, people taking part, fixed days and several years and policies."""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.cadence import CalendarPolicy, parse_when, place_cadence
from scheduler.cadence.place import freedom, place_series, series_specs
from scheduler.cadence.placed import PlacedCadence, PlacedSeries
from scheduler.cadence.spread import SLACK, WEEKS, PlanItem, _with_crowding, spread_plan
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.plan import PolicyOverrides
from tests.test_spread import POLICY, _items, policy_from, seed_2025

CORPUS = Path(__file__).with_name("cadence_corpus.tsv")
PHRASES = sorted(
    {line.split("\t", 1)[0] for line in CORPUS.read_text(encoding="utf-8").splitlines()
     if line.strip() and not line.startswith("#")}
)  # fmt: skip
PEOPLE = ("Trygghetssamordnare", "Preventionssamordnare", "Kommunpolis", "Fältassistenter")
TITLES = ("Samverkansforum", "SSP", "Trygghetsvandring i centrum", "Nyhetsbrev", "Styrgrupp")
POLICIES = (
    POLICY,
    policy_from({"meeting_weekdays": ["måndag", "onsdag"], "max_meetings_per_day": 1}),
    policy_from({"week_of_month": 3, "max_meetings_per_day": 3}),
)
_PLAN = "plan"


# -- the greedy pass as it was before it was made cheaper (commit 591b4d3) ---------------------
@dataclass(frozen=True)
class _Occ:
    start: datetime
    end: datetime


@dataclass
class _Load:
    cap: int
    half: int
    shares: dict[str, int]
    per_day: Counter[tuple[str, date]] = field(default_factory=Counter)
    per_weekday: Counter[tuple[str, int]] = field(default_factory=Counter)
    busy: dict[tuple[str, date], list[tuple[datetime, datetime]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def cost(self, item: PlanItem, series: PlacedSeries | None) -> tuple[int, int, int, int, int]:
        over = shared = balance = overlap = spread = 0
        days: Counter[date] = Counter()
        weekdays: Counter[int] = Counter()
        owner, measure = item.owner, f"serier:{item.key}"
        for o in _meetings(series):
            day, weekday = o.start.date(), o.start.weekday()
            earlier = days[day]
            own = self.per_day[(owner, day)] + earlier
            over += own >= self.cap
            shared += own > 0 or self.per_day[(measure, day)] + earlier > 0
            days[day] = earlier + 1
            before = weekdays[weekday]
            in_plan = self.per_weekday[(_PLAN, weekday)] + before
            balance += (self.per_weekday[(owner, weekday)] + before >= self.shares[owner]) + (
                in_plan >= self.half
            )
            spread += in_plan >= self.shares[_PLAN]
            weekdays[weekday] = before + 1
            for person in item.participants:
                overlap += any(o.start < e and s < o.end for s, e in self.busy[(person, day)])
        return over, balance, shared, overlap, spread

    def add(self, item: PlanItem, series: PlacedSeries | None) -> None:
        for o in _meetings(series):
            day = o.start.date()
            self.per_day[(item.owner, day)] += 1
            self.per_day[(f"serier:{item.key}", day)] += 1
            self.per_weekday[(item.owner, day.weekday())] += 1
            self.per_weekday[(_PLAN, day.weekday())] += 1
            for person in {item.convener, *item.participants} - {None}:
                self.busy[(str(person), day)].append((o.start, o.end))

    def crowded(self) -> dict[tuple[str, date], int]:
        return {
            (owner, day): n
            for (owner, day), n in self.per_day.items()
            if owner.startswith("roll:") and n > self.cap
        }


def _meetings(series: PlacedSeries | None) -> list[_Occ]:
    if series is None:
        return []
    return [
        _Occ(o.start, o.end)
        for o in series.occurrences
        if o.kind == OccurrenceKind.MEETING and not o.all_day
    ]


def _placed(item: PlanItem, s: int, slot: object, year: int, policy: CalendarPolicy) -> PlacedSeries | None:  # fmt: skip
    from scheduler.cadence.pattern import Slot

    assert isinstance(slot, Slot)
    return place_series(item.cadence, s, year=year, policy=policy, settings=item.settings,
                        title=item.title, action=item.action, slot=slot)  # fmt: skip


def reference_spread(items: Sequence[PlanItem], *, year: int, policy: CalendarPolicy) -> tuple[list[PlacedCadence], dict[tuple[str, date], int]]:  # fmt: skip
    """The schedules (before the crowding warnings) and the crowded days, as the old pass gave."""
    from scheduler.cadence.pattern import Slot

    open_series = []
    fixed = []
    sizes: Counter[str] = Counter()
    for i, item in enumerate(items):
        for s, spec in enumerate(series_specs(item.cadence, item.settings)):
            free = freedom(item.cadence, s, policy=policy, settings=item.settings,
                           title=item.title, action=item.action)  # fmt: skip
            size = len(_meetings(_placed(item, s, Slot(), year, policy)))
            sizes[item.owner] += size
            sizes[_PLAN] += size
            if free.any:
                tie = hashlib.sha256(f"{item.key}\x1f{spec.label}\x1f{s}".encode()).digest()
                days: list[str | None] = [None]
                if free.weekday:
                    shift = tie[0] % len(policy.meeting_weekdays)
                    days = list(policy.meeting_weekdays[shift:] + policy.meeting_weekdays[:shift])
                weeks: list[int | None] = [None]
                if free.week:
                    start = WEEKS.index(policy.week_of_month)
                    weeks = list(WEEKS[start:] + WEEKS[:start])
                slots = tuple(Slot(day, week) for week in weeks for day in days)
                open_series.append((i, s, slots, size, tie))
            else:
                fixed.append((i, s))
    share = SLACK / max(1, len(policy.meeting_weekdays))
    load = _Load(cap=policy.max_meetings_per_day, half=max(1, math.ceil(sizes[_PLAN] / 2)),
                 shares={owner: max(1, math.ceil(share * n)) for owner, n in sizes.items()})  # fmt: skip
    for i, s in fixed:
        load.add(items[i], _placed(items[i], s, Slot(), year, policy))
    chosen: dict[int, dict[int, Slot]] = defaultdict(dict)
    for i, s, slots, _, _ in sorted(open_series, key=lambda e: (-e[3], e[4])):
        item = items[i]
        best = min(
            enumerate(slots),
            key=lambda c: (load.cost(item, _placed(item, s, c[1], year, policy)), c[0]),
        )[1]
        chosen[i][s] = best
        load.add(item, _placed(item, s, best, year, policy))
    schedules = [
        place_cadence(item.cadence, year=year, policy=policy, settings=item.settings, title=item.title,
              action=item.action, slots=chosen.get(i))
        for i, item in enumerate(items)
    ]  # fmt: skip
    return schedules, load.crowded()


def assert_same_as_reference(items: list[PlanItem], year: int, policy: CalendarPolicy) -> None:
    theirs, crowded = reference_spread(items, year=year, policy=policy)
    assert spread_plan(items, year=year, policy=policy) == _with_crowding(
        items, theirs, crowded, policy
    )


def test_the_seed_plan_spreads_as_the_plain_greedy_pass_did() -> None:
    for policy in POLICIES:
        assert_same_as_reference(_items(seed_2025()), 2025, policy)


measures = st.lists(
    st.tuples(
        st.sampled_from(PHRASES), st.sampled_from(TITLES), st.sampled_from(PEOPLE),
        st.lists(st.sampled_from(PEOPLE), max_size=3),
        st.sampled_from([None, "tisdag", "fredag"]),
    ),
    min_size=1, max_size=25,
)  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=measures, year=st.integers(2024, 2027), policy=st.sampled_from(POLICIES))
def test_any_plan_spreads_as_the_plain_greedy_pass_did(
    plan: list[tuple[str, str, str, list[str], str | None]], year: int, policy: CalendarPolicy
) -> None:
    items = [
        PlanItem(f"område|{title} {n}|0", parse_when(when), PolicyOverrides(weekday=weekday),
                 f"{title} {n}", "", convener, tuple(others))
        for n, (when, title, convener, others, weekday) in enumerate(plan)
    ]  # fmt: skip
    assert_same_as_reference(items, year, policy)
