"""The due date of a deadline: the last open working day of its window.

"Våren 2024" is due at the end of spring (15 June, before midsommar and the summer break), on the
last working day up to then; "senast vecka 40" on that week's last working day. A working day is a
weekday that is no holiday and not in a blackout: school breaks and the months without meetings
close days to meetings, not to work ("senast 31 mars" stays 31 March in a påsklov week).
A window with no open day (all in the Christmas blackout, say) falls back to the last open day before it: being
early is safe for a deadline, being late is not. A deadline that names when the work starts
("från mars", "med start januari") is the other way round: it is due on the first working day
from its start, because before it the work has not begun ("från mars" is 3 March 2025, not
28 February).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.cadence.calendar import month_day_in, year_calendar
from scheduler.cadence.model import DeadlineSpec
from scheduler.cadence.policy import CalendarPolicy
from scheduler.cadence.windows import MAX_YEAR, MIN_YEAR


@dataclass(frozen=True)
class DueDate:
    day: date | None
    warning: str | None = None


def due_date(deadline: DeadlineSpec, *, year: int, policy: CalendarPolicy) -> DueDate:
    """When `deadline` is due, in its own year (the plan year when it names none)."""
    own_year = deadline.year or year
    if not MIN_YEAR <= own_year <= MAX_YEAR:
        return DueDate(None, f'Året i "{deadline.description}" kan inte planeras.')
    window = _window(deadline, own_year)
    if window is None:
        return DueDate(None, f"Vecka {deadline.iso_week} finns inte {own_year}; ingen tidsfrist.")
    first, last = window
    calendar = year_calendar(own_year, policy)

    def open_day(day: date) -> bool:
        return day.weekday() < 5 and calendar.closed_to_work(day) is None

    if deadline.starts:
        day = first
        while day.year == own_year:
            if open_day(day):
                return DueDate(day)
            day += timedelta(days=1)
        return DueDate(None, f'"{deadline.description}" har ingen öppen arbetsdag.')
    day = last
    while day >= first:
        if open_day(day):
            return DueDate(day)
        day -= timedelta(days=1)
    while day.year == own_year:
        if open_day(day):
            return DueDate(
                day,
                f'"{deadline.description}" har ingen öppen arbetsdag; '
                f"närmaste dag före är {day}, då uppgiften läggs.",
            )
        day -= timedelta(days=1)
    return DueDate(None, f'"{deadline.description}" har ingen öppen arbetsdag.')


def _window(deadline: DeadlineSpec, year: int) -> tuple[date, date] | None:
    if deadline.iso_week is None:
        first, last = month_day_in(year, deadline.start), month_day_in(year, deadline.end)
        # A window across the new year ("vinterhalvåret") is due at its end in the named year.
        return (date(year, 1, 1) if first > last else first), last
    if not 1 <= deadline.iso_week <= date(year, 12, 28).isocalendar().week:
        return None
    monday = date.fromisocalendar(year, deadline.iso_week, 1)
    return max(monday, date(year, 1, 1)), min(monday + timedelta(days=4), date(year, 12, 31))
