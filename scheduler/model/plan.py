"""The plan as plain values: what a plan file says, kept verbatim.

These are the domain values every step of the data flow passes on (plan file → store → cadence →
schedule). They hold no database identity; the store maps them to tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PolicyOverrides:
    """Per-measure (or per-series) overrides of the calendar policy, as written in the plan file.

    Every field is optional; None means "use the policy from config.toml".
    """

    kind: str | None = None  # an OccurrenceKind's code, as written in the plan file
    weekday: str | None = None  # Swedish weekday name ("tisdag") or RRULE code ("TU")
    time: str | None = None  # "HH:MM", local time
    duration_minutes: int | None = None
    location: str | None = None
    months: tuple[int, ...] | None = None
    rrule: str | None = None  # explicit RRULE, replaces what När would give
    # Days before a meeting or deadline the convener is reminded, replacing config's leads.
    reminder_days: tuple[int, ...] | None = None
    # Overrides for one series of a measure, keyed by the series label ("Fridhemsplan").
    series: tuple[tuple[str, PolicyOverrides], ...] = ()

    def for_series(self, label: str) -> PolicyOverrides:
        """The settings for one series: the series' own values over the measure's."""
        for name, own in self.series:
            if name.casefold() == label.casefold():
                return PolicyOverrides(
                    kind=own.kind or self.kind,
                    weekday=own.weekday or self.weekday,
                    time=own.time or self.time,
                    duration_minutes=own.duration_minutes or self.duration_minutes,
                    location=own.location or self.location,
                    months=own.months or self.months,
                    rrule=own.rrule or self.rrule,
                    reminder_days=own.reminder_days or self.reminder_days,
                )
        return PolicyOverrides(
            kind=self.kind,
            weekday=self.weekday,
            time=self.time,
            duration_minutes=self.duration_minutes,
            location=self.location,
            months=self.months,
            rrule=self.rrule,
            reminder_days=self.reminder_days,
        )

    def is_empty(self) -> bool:
        return self == PolicyOverrides()


@dataclass(frozen=True)
class Measure:
    """One row of an area sheet. Texts are verbatim; an empty cell is an empty string."""

    title: str
    cause: str = ""  # Orsak
    action: str = ""  # Åtgärd
    when_text: str = ""  # När
    responsible_text: str = ""  # Vem
    followup_text: str = ""  # Uppföljning
    operational_goal: str = ""  # Operativa mål (optional column in Brå's template)
    convener: str | None = None  # explicit convening role; None: read from responsible_text
    schedule: PolicyOverrides = field(default_factory=PolicyOverrides)


@dataclass(frozen=True)
class Area:
    """A priority collaboration area (prioriterat samverkansområde): one sheet of the workbook."""

    name: str
    measures: tuple[Measure, ...] = ()


@dataclass(frozen=True)
class Plan:
    """One organisation's action plan for one year."""

    organisation: str
    year: int
    areas: tuple[Area, ...] = ()

    def measures(self) -> list[tuple[Area, Measure]]:
        return [(area, measure) for area in self.areas for measure in area.measures]
