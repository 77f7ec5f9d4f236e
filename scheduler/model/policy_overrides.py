"""Per-measure schedule overrides (`[areas.measures.schedule]`): validation and plain-dict form.

The same dict form is written to TOML plan files and stored as JSON in the database.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from reprlib import repr as shown  # a value in a message: bounded, however large
from typing import Any

from scheduler.base.rrules import RuleError, clean_rule
from scheduler.base.swedish import WEEKDAYS
from scheduler.base.text_safety import describe_control_character
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.plan import PolicyOverrides

# A time of day as the plan file and the workspace's form write it: "HH:MM".
HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")

# Raised with a Swedish message naming the key; the caller adds file, sheet and row.
Fail = Callable[[str], Exception]


def settings_from_mapping(
    raw: Mapping[str, Any], fail: Fail, *, nested: bool = True
) -> PolicyOverrides:
    known = {
        "kind",
        "weekday",
        "time",
        "duration_minutes",
        "location",
        "months",
        "rrule",
        "reminder_days",
    }
    if nested:
        known.add("series")
    for key in raw:
        if key not in known:
            raise fail(f"okänd nyckel «schedule.{key}» (kända: {', '.join(sorted(known))})")
    kind = _optional_str(raw, "kind", fail)
    if kind is not None and kind not in tuple(OccurrenceKind):
        raise fail(
            f'schedule.kind ska vara "meeting" (möte) eller "task" (uppgift), inte {shown(kind)}'
        )
    weekday = _optional_str(raw, "weekday", fail)
    if (
        weekday is not None
        and weekday.casefold() not in WEEKDAYS
        and weekday.upper() not in WEEKDAYS.values()
    ):
        raise fail(f"schedule.weekday ska vara en veckodag (måndag–söndag), inte {shown(weekday)}")
    time = _optional_str(raw, "time", fail)
    if time is not None and not HH_MM.match(time):
        raise fail(f'schedule.time ska skrivas TT:MM, t.ex. "09:00", inte {shown(time)}')
    duration = raw.get("duration_minutes")
    if duration is not None and (
        not isinstance(duration, int) or isinstance(duration, bool) or not 0 < duration <= 24 * 60
    ):
        raise fail(f"schedule.duration_minutes ska vara minuter (1–1440), inte {shown(duration)}")
    months = raw.get("months")
    if months is not None:
        if not isinstance(months, list) or not all(
            isinstance(m, int) and 1 <= m <= 12 for m in months
        ):
            raise fail(
                f"schedule.months ska vara en lista med månadsnummer 1–12, inte {shown(months)}"
            )
        months = tuple(months)
    reminder_days = raw.get("reminder_days")
    if reminder_days is not None:
        if not isinstance(reminder_days, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 365 for d in reminder_days
        ):
            raise fail(
                f"schedule.reminder_days ska vara en lista med dagar 0–365, inte {shown(reminder_days)}"
            )
        reminder_days = tuple(reminder_days)
    rrule = _optional_str(raw, "rrule", fail)
    if rrule is not None:
        rrule = rrule.removeprefix("RRULE:")
        _check_rrule(rrule, fail)
    series: list[tuple[str, PolicyOverrides]] = []
    raw_series = raw.get("series", {})
    if not isinstance(raw_series, Mapping):
        raise fail("schedule.series ska vara en tabell med en deltabell per serie")
    for label, own in raw_series.items():
        if problem := describe_control_character(label):
            raise fail(f"schedule.series: seriens namn har ett {problem}")
        if not isinstance(own, Mapping):
            raise fail(f"schedule.series.{label} ska vara en tabell")
        series.append((label, settings_from_mapping(own, fail, nested=False)))
    return PolicyOverrides(
        kind=kind,
        weekday=weekday,
        time=time,
        duration_minutes=duration,
        location=_optional_str(raw, "location", fail),
        months=months,
        rrule=rrule,
        reminder_days=reminder_days,
        series=tuple(series),
    )


def _check_rrule(rrule: str, fail: Fail) -> None:
    """The same rule check the placer uses, so a plan file cannot hold a rule it refuses."""
    try:
        clean_rule(rrule)
    except RuleError as exc:
        raise fail(f"schedule.rrule är ingen giltig RRULE: {exc}: {shown(rrule)}") from None


def settings_to_mapping(settings: PolicyOverrides) -> dict[str, Any]:
    """The plain-dict form, leaving out what is not set."""
    out: dict[str, Any] = {}
    for key in ("kind", "weekday", "time", "duration_minutes", "location", "rrule"):
        value = getattr(settings, key)
        if value is not None:
            out[key] = value
    if settings.months is not None:
        out["months"] = list(settings.months)
    if settings.reminder_days is not None:
        out["reminder_days"] = list(settings.reminder_days)
    if settings.series:
        out["series"] = {label: settings_to_mapping(own) for label, own in settings.series}
    return out


def _optional_str(raw: Mapping[str, Any], key: str, fail: Fail) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise fail(f"schedule.{key} ska vara en text, inte {shown(value)}")
    if value is not None and (problem := describe_control_character(value)):
        raise fail(f"schedule.{key} har ett {problem}")
    return value
