"""What a feed says about each occurrence: Swedish summaries and descriptions. Pure.

Roles, never personal addresses, appear in a feed: a feed URL can be forwarded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from scheduler.base.time import STOCKHOLM
from scheduler.cadence.placed import DEADLINE_LABELS
from scheduler.feeds.ical import FeedEvent, FeedHeader
from scheduler.feeds.scopes import Scope, ScopeIndex
from scheduler.model.display_words import kind_word
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule


@dataclass(frozen=True)
class DateSpan:
    start: date
    end: date  # exclusive

    @classmethod
    def year(cls, year: int) -> DateSpan:
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment.astimezone(STOCKHOLM).date() < self.end


def summary(item: MeasureSchedule, series_label: str, kind: OccurrenceKind, cancelled: bool) -> str:
    title = item.stored.measure.title
    if kind == OccurrenceKind.TASK:
        text = (
            f"Klart senast: {title}"
            if series_label.casefold() in DEADLINE_LABELS
            else f"Uppgift: {title}"
        )
    else:
        text = f"{title} – {series_label}" if series_label else title
    return f"INSTÄLLT: {text}" if cancelled else text


def description(
    item: MeasureSchedule, row: Occurrence | None, link: str | None, *, brief: bool = False
) -> str:
    """What the entry says. `brief`: without the measure's action and När, which repeat in every
    occurrence and stand on the calendar's page (the link): for a feed that would be too big."""
    measure = item.stored.measure
    who = item.responsibility
    others = [role for role in who.participants if role != who.convener]
    lines = []
    if measure.action and not brief:
        lines += [measure.action, ""]
    lines.append(f"Sammankallande: {who.convener or 'ej angiven i planen'}")
    if others:
        lines.append(f"Deltar: {', '.join(others)}")
    if item.stored.area:  # the plan's own tasks belong to no area
        lines.append(f"Område: {item.stored.area}")
    if measure.when_text and not brief:
        lines.append(f"Enligt planen: {measure.when_text}")
    if row is not None and row.status == OccurrenceStatus.CANCELLED:
        lines.append(f"Inställt{': ' + row.note if row.note else '.'}")
    elif row is not None and row.manual:
        lines.append(f"Flyttat{': ' + row.note if row.note else '.'}")
    if link:
        lines += ["", f"Mer om åtgärden: {link}" if brief else link]
    return "\n".join(lines)


def is_done(row: Occurrence) -> bool:
    """A task answered done ("klart"), marked held, or the hand-in of a plan handed in (which
    records it so: scheduler/services/plan_state.py)."""
    return (
        row.kind == OccurrenceKind.TASK
        and row.held is True
        and row.status != OccurrenceStatus.CANCELLED
    )


def event_for(
    item: MeasureSchedule, row: Occurrence, link: str | None, *, brief: bool = False
) -> FeedEvent:
    """One occurrence as a calendar entry: in feeds and attached to reminder emails."""
    cancelled = row.status == OccurrenceStatus.CANCELLED
    done = row.held_recorded_at if is_done(row) else None
    return FeedEvent(
        uid=row.uid, sequence=row.sequence, stamp=max(row.changed_at, done or row.changed_at),
        created=row.created_at, start=row.start, end=row.end, all_day=row.all_day,
        summary=summary(item, row.series_label, row.kind, cancelled),
        description=description(item, row, link, brief=brief), location=row.location,
        cancelled=cancelled,
        categories=tuple(c for c in (item.stored.area, kind_word(row.kind).capitalize()) if c),
        url=link, task=row.kind == OccurrenceKind.TASK, completed=done,
    )  # fmt: skip


def feed_events(
    schedule: PlanSchedule,
    rows: Iterable[Occurrence],
    scope: Scope,
    *,
    now: datetime,
    window: DateSpan,
    keep_cancelled: timedelta,
    link: Callable[[int], str | None] = lambda _: None,
    brief: bool = False,
) -> list[FeedEvent]:
    found = events_by_scope(schedule, rows, [scope], now=now, window=window,
                            keep_cancelled=keep_cancelled, link=link, brief=brief)  # fmt: skip
    return found[scope.name]


def events_by_scope(
    schedule: PlanSchedule,
    rows: Iterable[Occurrence],
    scopes: Sequence[Scope],
    *,
    now: datetime,
    window: DateSpan,
    keep_cancelled: timedelta,
    link: Callable[[int], str | None] = lambda _: None,
    brief: bool = False,
) -> dict[str, list[FeedEvent]]:
    """Each calendar's events, in one pass over the occurrences: an occurrence becomes one event,
    which goes to every calendar (plan, area, measure, series, role) that holds it. `brief`:
    shorter descriptions (`description`)."""
    by_measure = {item.stored.id: item for item in schedule.measures}
    found: dict[str, list[FeedEvent]] = {scope.name: [] for scope in scopes}
    index = ScopeIndex(list(scopes))
    holders_of: dict[tuple[int, str], list[str]] = {}
    for row in rows:
        item = by_measure.get(row.measure_id)
        if item is None or not window.contains(row.start):
            continue
        if row.status == OccurrenceStatus.CANCELLED and now - row.changed_at > keep_cancelled:
            continue  # a cancellation has been shown long enough: it leaves the feed
        key = (row.measure_id, row.series_label)  # all that decides who holds it
        holders = holders_of.get(key)
        if holders is None:
            holders = holders_of[key] = index.holders(
                area=item.stored.area, measure_id=row.measure_id, series_label=row.series_label,
                roles=item.responsibility.participants,
            )  # fmt: skip
        if holders:
            event = event_for(item, row, link(row.measure_id), brief=brief)
            for name in holders:
                found[name].append(event)
    return found


def plan_years(years: Iterable[int]) -> str:
    """ "åtgärdsplanen 2024", "åtgärdsplanerna 2024 och 2025": the plan years a subscription
    shows, in the feed's description and on its page."""
    shown = sorted(set(years))
    if len(shown) == 1:
        return f"åtgärdsplanen {shown[0]}"
    return f"åtgärdsplanerna {', '.join(map(str, shown[:-1]))} och {shown[-1]}"


def feed_header(
    schedule: PlanSchedule,
    scope: Scope,
    *,
    refresh: timedelta,
    organizer_email: str,
    years: Sequence[int] = (),
) -> FeedHeader:
    """The calendar's name and description; `years` are the plan years it shows."""
    plan = schedule.stored.plan
    plans = plan_years(years or [plan.year])
    return FeedHeader(
        name=scope.title,
        description=f"{plan.organisation}: {scope.title}. Uppdateras automatiskt från {plans}.",
        organizer_name=plan.organisation,
        organizer_email=organizer_email,
        refresh=refresh,
    )
