"""A När text explained as JSON: what the CLI's `scheduler cadence` and the web's preview show.

The shape is a contract other code and people's scripts read; keep its keys stable (add keys,
never change one). `partial` (added with issue 12) is true when some words of the text were not
used; the warnings quote them. `parts`, `deadline_period`, `valid_years`, `words_used` and
`words_not_used` (issue 23) are the reading's parts: per series as read its count, the
alternatives and range the text offered, its periods, days, time of day and activity; and every
word the reading used, and every word a warning quotes because it was not used.
"""

from __future__ import annotations

from datetime import date

from scheduler.cadence.calendar import month_day_in
from scheduler.cadence.model import QUOTED, USED, Cadence, MonthDay, SeriesSpec
from scheduler.cadence.parse import parse_when
from scheduler.cadence.periods import resolve_periods
from scheduler.cadence.place import place_cadence
from scheduler.cadence.placed import DEADLINE_LABEL
from scheduler.cadence.policy import CalendarPolicy
from scheduler.cadence.wording import frequency_text


def describe_cadence(text: str, *, year: int, policy: CalendarPolicy) -> dict[str, object]:
    """Kind, flags, deadline, and each series' rule and dates in `year`, JSON-serialisable."""
    cadence = parse_when(text)
    schedule = place_cadence(cadence, year=year, policy=policy)
    intervals = {spec.label: spec.interval for spec in cadence.series}
    return {
        "text": text,
        "kind": cadence.kind,
        "as_needed": cadence.as_needed,
        "continuous": cadence.continuous,
        "deadline": schedule.deadline.isoformat() if schedule.deadline else None,
        "occurrences": len(schedule.occurrences),
        "series": [
            {
                "label": series.label,
                "count": series.count,
                "per": series.per,
                "interval": _interval(series.label, series.per, intervals),
                "rrule": series.rrule,
                "dates": [o.start.date().isoformat() for o in series.occurrences],
            }
            for series in schedule.series
        ],
        "warnings": list(schedule.warnings),
        "partial": cadence.partial,
        **reading_parts(cadence, year=year, policy=policy),
    }


def reading_parts(cadence: Cadence, *, year: int, policy: CalendarPolicy) -> dict[str, object]:
    """The parts of a reading, JSON-serialisable: what `describe_cadence` adds to its contract."""
    resolved = resolve_periods(cadence, year=year, policy=policy)
    deadline = resolved.deadline
    deadline_period = None
    if deadline is not None:
        deadline_year = deadline.year or year
        deadline_period = {
            "from": month_day_in(deadline_year, deadline.start).isoformat(),
            "to": month_day_in(deadline_year, deadline.end).isoformat(),
        }
    valid = cadence.valid_years
    return {
        "parts": [_part(spec, year) for spec in resolved.series],
        "deadline_period": deadline_period,
        "valid_years": {"from": valid[0], "to": valid[1]} if valid else None,
        "words_used": [word.text for word in cadence.words if word.use == USED],
        "words_not_used": [word.text for word in cadence.words if word.use == QUOTED],
    }


def unused_phrases(cadence: Cadence) -> list[str]:
    """The stretches of the text the reading did not use, as the warnings quote them: runs of
    unused words (grammar words between two of them joined in)."""
    runs: list[list[str]] = []
    open_run: list[str] = []
    pending: list[str] = []
    for word in cadence.words:
        if word.use == QUOTED:
            open_run += [*pending, word.text]
            pending = []
        elif word.use == USED:
            if open_run:
                runs.append(open_run)
            open_run, pending = [], []
        elif open_run:
            pending.append(word.text)
    if open_run:
        runs.append(open_run)
    return [" ".join(run) for run in runs]


def _part(spec: SeriesSpec, year: int) -> dict[str, object]:
    time = f"{spec.time[0]:02d}:{spec.time[1]:02d}" if spec.time else None
    return {
        "label": spec.label,
        "count": spec.count,
        "per": spec.per,
        "interval": spec.interval,
        "alternatives": [
            {"count": count, "per": per, "interval": interval}
            for count, per, interval in spec.alternatives
        ],
        "range": [spec.count, spec.upper] if spec.upper is not None else None,
        "period": [stretch for window in spec.windows for stretch in _stretches(window, year)],
        "months": list(spec.months),
        "weeks": list(spec.iso_weeks),
        "dates": [month_day_in(spec.year or year, day).isoformat() for day in spec.dates],
        "excluded_months": list(spec.excluded_months),
        "days": list(spec.weekdays),
        "time": time,
        "time_of_day": spec.daypart,
        "activity": {"noun": spec.activity, "kind": spec.activity_kind} if spec.activity else None,
    }


def _stretches(window: tuple[MonthDay, MonthDay], year: int) -> list[dict[str, str]]:
    """A window as stretches of the plan year: one, or two for a window across the new year
    ("jullovet": its January days and its December days)."""
    start, end = month_day_in(year, window[0]), month_day_in(year, window[1])
    if start <= end:
        return [{"from": start.isoformat(), "to": end.isoformat()}]
    return [
        {"from": date(year, 1, 1).isoformat(), "to": end.isoformat()},
        {"from": start.isoformat(), "to": date(year, 12, 31).isoformat()},
    ]


def series_frequency(label: str, count: int, per: str, intervals: dict[str, int]) -> str:
    """How often one placed series recurs, with the interval the text gave its label."""
    return frequency_text(count, per, _interval(label, per, intervals))


def _interval(label: str, per: str, intervals: dict[str, int]) -> int:
    if per == "once" or label == DEADLINE_LABEL:
        return 1
    return intervals.get(label, 1)
