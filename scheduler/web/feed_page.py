"""The subscribe page behind a feed token (`/feeds/<token>/`).

Written for someone who got a link and wants the meetings in their calendar: first the one
calendar to choose (the link's own, or the whole plan) with its address in a field of its own
and the steps for each calendar program, then the other calendars folded away, then what the
calendar holds: the measures the link covers, each with every coming date.

The page shows what the link's calendars show: the plans of the subscription's rolling window
(after a rollover, the closing year and the next), and of those only what the link's scope
covers. A role's link lists that role's measures, a measure's link that measure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from scheduler.base.templating import environment
from scheduler.feeds.content import plan_years
from scheduler.feeds.scopes import (
    AREA,
    MEASURE,
    PLAN,
    ROLE,
    SCOPE_GROUPS,
    SERIES,
    Scope,
    all_scopes,
)
from scheduler.model.occurrence import Occurrence, OccurrenceStatus
from scheduler.schedule.occurrences import MeasureSchedule
from scheduler.services.feeds import FeedService, PlanFeed

# A measure with more coming dates than FOLD_AFTER shows the first DATES_SHOWN and folds the
# rest under "och N till" (never drops them): a weekly meeting has forty, and the list should not
# push the next measure off the screen. A monthly one (up to twelve) is shown whole.
DATES_SHOWN = 10
FOLD_AFTER = 12


def webcal(url: str) -> str:
    """The address with the scheme calendar programs open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


@dataclass(frozen=True)
class SubscribeOption:
    """One calendar the link opens, as the page offers it."""

    name: str
    kind: str
    title: str
    address: str
    subscribe: str  # the same address for programs that open subscriptions from a link
    download_series: str | None  # a measure's series, to import once as a recurring meeting
    download_tasks: str | None  # the tasks as a to-do list (none without tasks)
    series_note: str | None = None  # why a measure's series cannot be downloaded


@dataclass(frozen=True)
class Day:
    start: datetime
    all_day: bool
    label: str
    cancelled: bool


@dataclass
class MeasureEntry:
    ids: list[int]  # the measure's id in each plan of the window, newest first: every link's anchor
    title: str
    area: str
    action: str
    when_text: str
    convener: str | None
    others: list[str]
    days: list[Day] = field(default_factory=list)

    @property
    def shown(self) -> list[Day]:
        """The first dates; the rest are folded under "och N till"."""
        return self.days if len(self.days) <= FOLD_AFTER else self.days[:DATES_SHOWN]

    @property
    def folded(self) -> list[Day]:
        return self.days[len(self.shown) :]


def _calendar(feeds: FeedService, token: str, base: str, scope: Scope, *, tasks: bool = False) -> SubscribeOption:  # fmt: skip
    """The calendar as offered: its series only when Outlook can hold them (else why not), its
    to-do list (`tasks`: asked for) only when it has tasks."""
    address = f"{base}/{scope.name}.ics"
    series = note = None
    if scope.kind in {MEASURE, SERIES}:
        note = feeds.refusal(token, f"{scope.name}.serie")
        series = None if note else f"{base}/{scope.name}.serie.ics"
    has_tasks = tasks and feeds.refusal(token, f"{scope.name}.todo") is None
    return SubscribeOption(
        name=scope.name, kind=scope.kind, title=scope.title, address=address,
        subscribe=webcal(address), download_series=series, series_note=note,
        download_tasks=f"{base}/{scope.name}.todo.ics" if has_tasks else None,
    )  # fmt: skip


def recommended(scopes: Sequence[Scope]) -> Scope:
    """The calendar to take: a link made for one calendar, that one; else the whole plan."""
    if len(scopes) == 1:
        return scopes[0]
    return next((scope for scope in scopes if scope.kind == PLAN), scopes[0])


def holds(scope: Scope) -> str:
    """What a calendar holds, in plain words, where its title does not say it already."""
    if scope.kind == PLAN:
        return ""  # the title says it: "Åtgärdsplan: alla möten och uppgifter"
    if scope.kind == AREA:
        return f"Alla möten och uppgifter inom området {scope.area}."
    if scope.kind == ROLE:
        return f"Möten och uppgifter där {scope.role} är sammankallande eller deltar."
    return f"Mötena och uppgifterna för åtgärden {scope.title}."


def _covers(scopes: Iterable[Scope], item: MeasureSchedule, series_label: str) -> bool:
    return any(
        scope.includes(
            area=item.stored.area,
            measure_id=item.stored.id,
            series_label=series_label,
            roles=item.responsibility.participants,
        )
        for scope in scopes
    )


def measures_covered(
    plans: Sequence[PlanFeed], names: set[str], *, now: datetime
) -> list[MeasureEntry]:
    """The measures the calendars `names` hold in the window's plans, each once (by its identity
    across years, newest plan's text and order first), with every date from `now` on."""
    entries: dict[str, MeasureEntry] = {}
    for plan in reversed(plans):
        # The link's calendars as this plan names them: a measure's id differs per year.
        scopes = [s for s in all_scopes(plan.schedule, year_in_titles=False) if s.name in names]
        rows: dict[int, list[Occurrence]] = {}
        for row in plan.rows:
            if row.end > now:
                rows.setdefault(row.measure_id, []).append(row)
        for item in plan.schedule.workbook_measures:  # the plan's own hand-in is no measure
            # A measure with nothing dated yet still belongs to its area's and its roles' page.
            labels = [series.label for series in item.schedule.series] or [""]
            if not any(_covers(scopes, item, label) for label in labels):
                continue
            entry = entries.get(item.stored.key)
            if entry is None:
                who = item.responsibility
                entry = entries[item.stored.key] = MeasureEntry(
                    ids=[], title=item.stored.measure.title, area=item.stored.area,
                    action=item.stored.measure.action, when_text=item.stored.measure.when_text,
                    convener=who.convener, others=[r for r in who.participants if r != who.convener],
                )  # fmt: skip
            entry.ids.append(item.stored.id)
            entry.days += [
                Day(r.start, r.all_day, r.series_label, r.status == OccurrenceStatus.CANCELLED)
                for r in rows.get(item.stored.id, [])
                if _covers(scopes, item, r.series_label)
            ]
    for entry in entries.values():
        entry.days.sort(key=lambda day: day.start)
    return list(entries.values())


def render_subscribe_page(feeds: FeedService, token: str, *, now: datetime) -> str:
    row = feeds.token(token)
    plans = feeds.in_window(token)
    base = f"{feeds.config.base_url}/feeds/{token}"
    scopes = feeds.scopes_for(token)
    first = recommended(scopes)
    others = [scope for scope in scopes if scope is not first]
    groups = [
        (heading, [_calendar(feeds, token, base, s) for s in others if s.kind in kinds])
        for heading, kinds in SCOPE_GROUPS
    ]  # fmt: skip
    chosen = _calendar(feeds, token, base, first, tasks=True)
    address = chosen.address
    return (
        environment("web")
        .get_template("feeds.html")
        .render(
            organisation=plans[-1].schedule.stored.plan.organisation,
            years=plan_years(plan.year for plan in plans),
            past_days=feeds.settings.past.days,
            audience=row.audience,
            recommended=chosen,
            holds=holds(first),
            # How the address begins, from the address itself: http:// or https:// as it is.
            address_start=address[: address.index("/feeds/") + len("/feeds/")],
            others=[(heading, calendars) for heading, calendars in groups if calendars],
            other_count=len(others),
            measures=measures_covered(plans, {scope.name for scope in scopes}, now=now),
        )
    )
