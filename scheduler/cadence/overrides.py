"""A measure's (or series') schedule settings over the policy: weekday, time, duration, months.

Settings come from a plan file someone typed, so a bad value is not fatal here: it becomes a
Swedish warning and the policy's value is used. (The plan loader may reject it earlier.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from scheduler.base.weekdays import WEEKDAY_NAMES, weekday_code
from scheduler.cadence.policy import CalendarPolicy, parse_clock
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.plan import PolicyOverrides


@dataclass(frozen=True)
class Resolved:
    weekday: str | None  # None: nothing set, the text or the policy decides
    time: time | None
    duration_minutes: int | None
    location: str | None
    months: tuple[int, ...] | None
    kind: str | None
    rrule: str | None
    warnings: tuple[str, ...]


def resolve(settings: PolicyOverrides, policy: CalendarPolicy, label: str) -> Resolved:
    """The usable overrides in `settings`; each bad one is dropped with a warning."""
    where = f' för "{label}"' if label else ""
    warnings: list[str] = []
    weekday = None
    if settings.weekday is not None:
        weekday = weekday_code(settings.weekday)
        if weekday is None:
            warnings.append(
                f'Okänd veckodag "{settings.weekday}"{where}; {_day_name(policy)} används.'
            )
    clock = None
    if settings.time is not None:
        clock = parse_clock(settings.time)
        if clock is None:
            warnings.append(
                f'Ogiltig tid "{settings.time}"{where} (ange HH:MM); '
                f"{policy.default_time:%H:%M} används."
            )
    duration = settings.duration_minutes
    if duration is not None and not 1 <= duration <= 24 * 60:
        warnings.append(f"Ogiltig längd {duration} minuter{where}; standardlängden används.")
        duration = None
    months = settings.months
    if months is not None:
        months = tuple(sorted({m for m in months if 1 <= m <= 12}))
        if len(months) != len(set(settings.months or ())) or not months:
            warnings.append(f"Ogiltiga månader {list(settings.months or ())}{where} ignoreras.")
            months = months or None
    kind = settings.kind
    if kind is not None and kind not in tuple(OccurrenceKind):
        warnings.append(f'Okänd typ "{kind}"{where} (ange meeting eller task) ignoreras.')
        kind = None
    return Resolved(
        weekday, clock, duration, settings.location, months, kind, settings.rrule, tuple(warnings)
    )


def _day_name(policy: CalendarPolicy) -> str:
    return WEEKDAY_NAMES.get(policy.default_weekday, policy.default_weekday)
