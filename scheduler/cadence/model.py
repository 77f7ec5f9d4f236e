"""What a När text says, as values: the parser's output and the placer's input.

Nothing here knows a calendar year or a policy; `place_cadence` turns these into dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

RECURRING: Final = "recurring"
AS_NEEDED: Final = "as_needed"
CONTINUOUS: Final = "continuous"
DEADLINE: Final = "deadline"
TRIGGERED: Final = "triggered"
UNSPECIFIED: Final = "unspecified"

# The main kind of a När that combines several: a dated kind beats an undated one, because the
# dated part is what the calendar has to show.
KIND_PRIORITY: Final = (RECURRING, DEADLINE, TRIGGERED, AS_NEEDED, CONTINUOUS, UNSPECIFIED)

# Units a count can be "per". "once" is used only by placed one-off items (deadlines, dates).
UNITS: Final = ("day", "week", "month", "quarter", "tertial", "term", "half_year", "year")


class MonthDay(NamedTuple):
    """A day of the year without the year ("15 juni"); day 31 in a shorter month means its end."""

    month: int
    day: int


# What a reading did with a word of the text: a reader used it; a warning quotes it (the reading
# did not use it, or could not); or it is a word an honest reading may leave (grammar, who, what).
USED: Final = "used"
QUOTED: Final = "quoted"
FILLER: Final = "filler"


class Word(NamedTuple):
    """One word of a När and its use (USED, QUOTED or FILLER)."""

    text: str
    use: str


@dataclass(frozen=True)
class SeriesSpec:
    """One recurring series as read from the text, before any calendar is applied.

    Only what the text said is filled in; None or empty means "let the policy decide".
    """

    label: str = ""  # "" when the text names one series only
    count: int = 1  # occurrences per `per` (×1 when the text gives only an interval)
    per: str = "year"  # one of UNITS
    interval: int = 1  # varannan = 2, var tredje = 3 (in units of `per`)
    weekdays: tuple[str, ...] = ()  # RRULE codes ("MO", "TU"); empty: the policy's weekday
    ordinal: int | None = None  # första = 1, sista = -1 (weekday of the month)
    months: tuple[int, ...] = ()  # named months ("i mars och oktober"); empty: any active month
    iso_weeks: tuple[int, ...] = ()  # named ISO weeks ("vecka 12 och 38")
    dates: tuple[MonthDay, ...] = ()  # explicit dates; year in `year` (or the plan year)
    # "under våren", "en på våren och en på hösten": only inside these windows
    windows: tuple[tuple[MonthDay, MonthDay], ...] = ()
    excluded_months: tuple[int, ...] = ()  # "utom juli", "förutom sommaren"
    year: int | None = None  # the text names a year for this series ("hösten 2025")
    time: tuple[int, int] | None = None  # "kl 13" → (13, 0)
    duration_minutes: int | None = None  # "kl 13–15" → 120
    seasonal: bool = False  # säsongsbetonat, sommarhalvåret: warm months
    school_bound: bool = False  # follows the school terms (SSP, skolor, gymnasiet …)
    # School terms and breaks named ("under sommarlovet", "under terminerna"): keys of
    # vocabulary.SEASONS whose dates come from the calendar policy; placing adds their windows.
    periods: tuple[str, ...] = ()
    summer: bool = False  # the text asks for summer: July is allowed though not an active month
    # "första veckan i varje kvartal": the first (1) or last (-1) active month of each period
    period_edge: int | None = None
    # "sex alternativt åtta gånger", "4 ggr/år alternativt varannan månad": each alternative the
    # text offers (count, per, interval), as written; the series is the one with the fewest
    # occurrences, and a warning says so. Empty: the text gave one.
    alternatives: tuple[tuple[int, str, int], ...] = ()
    upper: int | None = None  # "4–6 gånger per termin": the range's upper bound (count is 4)
    activity: str | None = None  # the activity the count is of ("tillsyner"), as written
    activity_kind: str | None = None  # meeting, walk, inspection, event or task (activity.py)
    daypart: str | None = None  # "kväll", "natt": the part of the day the text named
    # The text says on which days, weekends and evenings included ("helger i december",
    # "fredagskvällar", "dagligen under sommarlovet"): placed on those days, never on the
    # policy's meeting weekdays, and every date the calendar closes is a warning.
    days_as_said: bool = False
    # The text bounds the series by dates, weeks or months of its own ("15/5–30/9"): every
    # month the bound touches is used, July too (as `summer` does for "under sommaren").
    named_span: bool = False
    excluded_periods: tuple[str, ...] = ()  # "utom under loven": school periods left out

    @property
    def weekday(self) -> str | None:
        """The first named weekday, for callers that show one."""
        return self.weekdays[0] if self.weekdays else None


@dataclass(frozen=True)
class DeadlineSpec:
    """A time by which something is done: a window whose end is the due date."""

    start: MonthDay  # window start ("våren" → 1 mars)
    end: MonthDay  # window end: the task is due on the last allowed day up to here
    year: int | None  # None: the plan year
    description: str  # the words that gave the window, for messages ("våren 2024")
    iso_week: int | None = None  # "senast vecka 40": the window is that week of the year
    period: str | None = None  # a school term or break: start and end come from the policy
    # "Från mars", "med start januari": the window's start is when the work starts, so a closed
    # start day moves the due date to the next working day, never before the start.
    starts: bool = False


@dataclass(frozen=True)
class Cadence:
    """A parsed När: its kinds, the series it names, a deadline, and what could not be read."""

    text: str
    kinds: frozenset[str]
    series: tuple[SeriesSpec, ...] = ()
    deadline: DeadlineSpec | None = None
    warnings: tuple[str, ...] = ()
    partial: bool = False  # some of the text was read, some was not (see warnings)
    # Every word of the text (as normalised) and what the reading did with it.
    words: tuple[Word, ...] = ()
    # "Gäller 2024–2026": how long the measure applies (first and last year), not how often.
    valid_years: tuple[int, int] | None = None

    @property
    def kind(self) -> str:
        for kind in KIND_PRIORITY:
            if kind in self.kinds:
                return kind
        return UNSPECIFIED

    @property
    def as_needed(self) -> bool:
        return AS_NEEDED in self.kinds

    @property
    def continuous(self) -> bool:
        return CONTINUOUS in self.kinds
