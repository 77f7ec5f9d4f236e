"""When in the year: seasons, months, ISO weeks, quarters, tertials, halves, dates and years.

`read_windows` finds every time expression in lower-cased text and returns it as a window of the
year (start and end day, maybe a year), with the original words for messages. Whether a window is a
deadline or limits a series is the parser's decision, not this module's.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Final

from scheduler.base.swedish import LETTERS as _L
from scheduler.cadence.model import MonthDay
from scheduler.cadence.vocabulary import (
    BARE_SEASON_FORMS,
    EVENT_RELATIONS,
    HALF_YEARS,
    MONTH_ABBREVIATIONS,
    MONTH_NUMBERS,
    MONTH_PARTS,
    QUARTERS,
    SCHOOL_BREAKS,
    SCHOOL_EVENTS,
    SEASON_FORMS,
    SEASONS,
    TERTIALS,
    WEEK_OF_MONTH_WORDS,
    month_value,
    number_value,
    ordinal_value,
)

MIN_YEAR: Final = 1990  # a plan year outside this range is a typo, not a plan
MAX_YEAR: Final = 2199

_MONTH_WORD: Final = "|".join(
    sorted([*MONTH_NUMBERS, *(a for a in MONTH_ABBREVIATIONS if a != "jul")], key=len, reverse=True)
)
_YEAR_DIGITS: Final = r"(?:19|20|21)\d\d"

_ISO_DATE = re.compile(
    rf"(?<![\d{_L}])(?P<y>{_YEAR_DIGITS})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}})(?!\d)"
)
_DAY_MONTH = re.compile(
    rf"(?<![\d{_L}])(?P<d>\d{{1,2}})(?::?e|:a)?\s+(?P<m>{_MONTH_WORD})\.?"
    rf"(?:\s+(?P<y>{_YEAR_DIGITS}))?(?![{_L}\d])"
)
# "15/6", "15/6 2025", "31.3.2025"; "13.00" is a clock time, so a dotted date needs its year.
_NUMERIC_DATE = re.compile(
    rf"(?<![\d{_L}/.:])(?P<d>\d{{1,2}})(?:/(?P<m>\d{{1,2}})(?:[\s/-](?P<y>{_YEAR_DIGITS}))?"
    rf"|\.(?P<m2>\d{{1,2}})\.(?P<y2>{_YEAR_DIGITS}))(?![\d/.:])"
)
_WEEKS = re.compile(
    rf"(?<![{_L}])(?:veckorna|vecka|vecko|v\.|v)\s*(?P<list>\d{{1,2}}"
    rf"(?:\s*(?:,|och|samt|-|till|t\.o\.m\.?|till\s+och\s+med)\s*(?:vecka\s*|v\.?\s*)?"
    rf"\d{{1,2}}){{0,30}})(?![\d/])(?:\s*,?\s*(?P<y>{_YEAR_DIGITS}))?"
)
# "24-33", "24 till vecka 33", "v. 24 t.o.m. v. 33" inside a week list: a range of weeks.
_WEEK_RANGE = re.compile(
    r"(\d{1,2})\s*(?:-|till|t\.o\.m\.?|till\s+och\s+med)\s*(?:vecka\s*|v\.?\s*)?(\d{1,2})"
)
_QUARTER = re.compile(
    rf"(?<![{_L}])(?:(?:q|kv\.?|kvartal)\s*(?P<n>[1-4])(?![\d])"
    rf"|(?P<ord>första|andra|tredje|fjärde|sista)\s+kvartalet)(?:[\s-]*(?P<y>{_YEAR_DIGITS}))?"
    rf"(?![{_L}\d])"
)
_TERTIAL_WORDS = re.compile(
    rf"(?<![{_L}])(?:(?:t|tertial)\s*(?P<n>[1-3])(?![\d])"
    rf"|(?P<ord>första|andra|tredje|sista)\s+tertialet)(?:[\s-]*(?P<y>{_YEAR_DIGITS}))?"
    rf"(?![{_L}\d])"
)
_HALF = re.compile(
    rf"(?<![{_L}])(?P<ord>första|andra|sista|1:a|2:a)\s+halvåret(?:\s+(?P<y>{_YEAR_DIGITS}))?"
    rf"(?![{_L}\d])"
)
_SEASON_WORD: Final = "|".join(sorted(SEASON_FORMS, key=len, reverse=True))
# "vår och höst", "våren, sommaren och hösten": a list makes even the bare forms seasons.
_SEASON_LIST = re.compile(
    rf"(?<![{_L}])(?:{_SEASON_WORD})(?:\s*(?:,|och|samt|&)\s*(?:(?:under|i|på)\s+)?"
    rf"(?:{_SEASON_WORD})){{1,5}}(?![{_L}])"
)
_SEASON = re.compile(
    rf"(?<![{_L}])(?P<before>(?:under|i|till|senast|på|inför|efter)\s+)?"
    rf"(?P<season>{_SEASON_WORD})"
    rf"(?:\s*-?\s*(?P<y>{_YEAR_DIGITS})|-?(?P<yy>\d\d))?(?![{_L}\d])"
)
# "före sommaren", "innan jul", "till årsskiftet": due before a break. ("Inför sommarlovet" is a
# school event: the weeks just before it, `_events`.)
_BREAK_WORDS: Final = (
    r"midsommar|sommaren|sommaruppehållet|semestern|semestrarna|julen|jul|julledigheten"
    r"|juluppehållet|årsskiftet|nyår|årets\s+slut"
)
_BEFORE_BREAK = re.compile(
    rf"(?<![{_L}])(?:(?:före|innan|till|senast\s+(?:före|innan|till)?)\s*"
    rf"(?P<what>{_BREAK_WORDS}|sommarlovet|jullovet)|inför\s*(?P<soon>{_BREAK_WORDS}))(?![{_L}])"
)
_YEAR_END = re.compile(rf"(?<![{_L}])(?:vid\s+|i\s+)?(?:slutet\s+av\s+året|årets\s+slut)(?![{_L}])")
_MONTH_PART_WORD: Final = "|".join(
    p.replace(" ", r"\s+") for p in sorted(MONTH_PARTS, key=len, reverse=True)
)
_MONTH_PART = re.compile(
    rf"(?<![{_L}])(?:i\s+|under\s+)?(?:den\s+)?"
    rf"(?P<part>{_MONTH_PART_WORD})\s+av\s+"
    rf"(?P<m>{_MONTH_WORD})\.?(?:\s+(?P<y>{_YEAR_DIGITS}))?(?![{_L}])"
)
_ORDINAL_WEEK: Final = "|".join(
    w.replace(" ", r"\s+") for w in sorted(WEEK_OF_MONTH_WORDS, key=len, reverse=True)
)
# "sista veckan i juni", "de två första veckorna i augusti", "första två veckorna av maj".
_WEEK_OF_MONTH = re.compile(
    rf"(?<![{_L}])(?:(?:den|de|under|i)\s+){{0,2}}"
    rf"(?:(?P<n>två|tre|2|3)\s+(?P<edge>första|sista)|(?P<edge2>första|sista)\s+(?P<n2>två|tre|2|3)"
    rf"|(?P<ord>{_ORDINAL_WEEK}))\s+(?:veckan|veckorna)\s+(?:i|av|under)\s+"
    rf"(?P<m>{_MONTH_WORD})\.?(?:\s+(?P<y>{_YEAR_DIGITS}))?(?![{_L}])"
)
_EVENT_WORD: Final = "|".join(
    w.replace(" ", r"\s+") for w in sorted(SCHOOL_EVENTS, key=len, reverse=True)
)
_RELATION: Final = "|".join(
    w.replace(" ", r"\s+") for w in sorted(EVENT_RELATIONS, key=len, reverse=True)
)
# "inför varje ny termin", "efter sportlovet", "vid terminsstart", "under alla lov".
_EVENT = re.compile(
    rf"(?<![{_L}])(?P<rel>{_RELATION})\s+(?:(?:de|den|det|varje|alla|samtliga)\s+)?"
    rf"(?P<what>{_EVENT_WORD})(?![{_L}])"
)
# "Gäller 2024–2026", "planperioden 2024-2026": how long the measure applies, not how often.
_VALIDITY = re.compile(
    rf"(?<![{_L}\d])(?:(?:gäller|giltig|giltigt|gällande|för|under|inom)\s+)?"
    rf"(?:(?:hela\s+)?(?:plan|tids|verksamhets)?perioden\s+|åren\s+)?"
    rf"(?P<first>{_YEAR_DIGITS})\s*(?:-|till|t\.o\.m\.?)\s*(?P<last>{_YEAR_DIGITS})(?![\d{_L}])"
)
_MONTH = re.compile(rf"(?<![{_L}])(?P<m>{_MONTH_WORD})\.?(?:\s+(?P<y>{_YEAR_DIGITS}))?(?![{_L}\d])")
_LONE_YEAR = re.compile(rf"(?<![\d{_L}/.:-])(?P<y>{_YEAR_DIGITS})(?![\d/.:-]\d|[{_L}\d])")
_LIST_GAP = re.compile(r"\s*(?:,|och|samt|&|resp\.?|respektive|eller)\s*(?:(?:i|under|på|den)\s+)?")
# Between two seasons of a list: "våren och hösten", "en gång på våren och en på hösten".
_SEASON_GAP = re.compile(
    r"\s*(?:,|och|samt|&)\s*(?:(?:en|ett|två|tre|1|2|3)(?:\s+(?:gång|gånger|ggr))?\s+)?"
    r"(?:(?:under|i|på|inför|efter)\s+)?"
)
_RANGE_GAP = re.compile(r"\s*(?:-|till|t\.o\.m\.?|tom|till\s+och\s+med)\s*")

_DEADLINE_MARKER = re.compile(
    rf"(?<![{_L}])(?:senast|innan|före|klart|klar|slutförd|slutfört|slutföras|färdig|färdigt"
    rf"|t\.o\.m\.?|till\s+och\s+med|deadline|påbörja|påbörjas|starta|startas|inom|uppstart|inför"
    rf"|start)(?![{_L}])"
)
_EXCEPT_WORD = re.compile(
    rf"(?<![{_L}])(?:utom|förutom|exkl\.?|exklusive|undantaget|undantag|ej|inte)(?![{_L}])"
)
_FROM_WORD = re.compile(
    rf"(?<![{_L}])(?:från\s+och\s+med|fr\.o\.m\.?|från|med\s+start|startar|börjar"
    rf"|första\s+gången|tidigast|mellan)(?![{_L}])"
)
_EXCEPT_MARKER = re.compile(
    rf"(?<![{_L}])(?:utom|förutom|ej|inte|exkl\.?|exklusive|undantaget|undantag)"
    rf"(?:\s+(?:i|under|på))?\s+$"
)
_FROM_MARKER = re.compile(
    rf"(?<![{_L}])(?:från\s+och\s+med|fr\.o\.m\.?|fr\.\s*o\.\s*m\.?|från|efter|med\s+start"
    rf"|första\s+gången(?:\s+i)?|startar(?:\s+i)?|börjar(?:\s+i)?|tidigast(?:\s+i)?)\s+$"
)
# "mellan 15/5 och 30/9": the two ends of one period, not two dates.
_BETWEEN_MARKER = re.compile(rf"(?<![{_L}])mellan\s+$")
_EITHER_GAP = re.compile(rf"(?<![{_L}])(?:eller|alternativt|el\.)(?![{_L}])")


@dataclass(frozen=True)
class Window:
    """A stretch of the year named by the text ("våren 2024", "Q3", "vecka 40", "31 mars")."""

    start: MonthDay
    end: MonthDay
    year: int | None
    description: str  # the original words
    span: tuple[int, int]
    months: tuple[int, ...] = ()  # a list of single months ("mars och oktober")
    iso_weeks: tuple[int, ...] = ()  # a list of weeks ("vecka 12 och 38")
    dates: tuple[MonthDay, ...] = ()  # a list of dates ("12/3 och 8/10")
    from_marker: bool = False  # "från mars": the window runs from here to the end of the year
    problems: tuple[str, ...] = field(default=())  # what was named but impossible (31/2, v. 60)
    # The season or school period named ("vår", "sommarlov", "vårtermin": keys of SEASONS); the
    # school ones are resolved from the calendar policy when placed (cadence/periods.py).
    name: str | None = None
    joined: bool = False  # listed after the window before it: "våren och hösten"
    # Named with both ends ("från mars till mitten av maj", "15/5–30/9"): the end is the text's,
    # never widened to the year's end by "från".
    ranged: bool = False
    # Named by dates, weeks or months (not a season, quarter or school period): every month the
    # window touches is the text's, July too.
    exact: bool = False
    # School periods the window is (keys of SEASONS, or a school event's stretch such as
    # "inför:start:sommarlov"): dated from the calendar policy when placed (cadence/periods.py).
    periods: tuple[str, ...] = ()
    either: bool = False  # a list joined by "eller": one of them, not each


def read_windows(low: str, original: str) -> list[Window]:
    """Every time expression in `low`, left to right, without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[Window] = []

    def claim(window: Window | None) -> None:
        if window is None:
            return
        a, b = window.span
        if any(a < end and start < b for start, end in taken):
            return
        taken.append(window.span)
        found.append(window)

    for reader in (
        _dates,
        _weeks,
        _quarters,
        _tertials,
        _halves,
        _before_breaks,
        _year_ends,
        _weeks_of_month,
        _month_parts,
        _events,
        _seasons,
        _months,
        _lone_years,
    ):
        for window in reader(low, original):
            claim(window)
    found.sort(key=lambda w: w.span)
    return [_with_from_marker(w, low) for w in _merge_lists(found, low, original)]


def marker_spans(low: str) -> list[tuple[int, int]]:
    """Where the deadline, "från", "utom" and "eller" words of `low` are: words the reading
    uses."""
    spans = [m.span() for m in _DEADLINE_MARKER.finditer(low)]
    for pattern in (_EXCEPT_WORD, _FROM_WORD):
        spans += [m.span() for m in pattern.finditer(low)]
    return spans


@dataclass(frozen=True)
class Validity:
    """ "Gäller 2024–2026": the first and last year a measure applies, and where it was said."""

    first: int
    last: int
    span: tuple[int, int]
    description: str


def read_validity(low: str, original: str) -> Validity | None:
    """A period of whole years the text says the measure applies for, else None."""
    match = _VALIDITY.search(low)
    if match is None:
        return None
    first, last = _year(match, "first"), _year(match, "last")
    if first is None or last is None or last < first:
        return None
    return Validity(first, last, match.span(), _text(original, match))


def has_deadline_marker(low: str) -> bool:
    return _DEADLINE_MARKER.search(low) is not None


def _with_from_marker(window: Window, low: str) -> Window:
    """Widen a window named after "från" (to the year's end) or "efter" (from the day after)."""
    before = low[max(0, window.span[0] - 20) : window.span[0]]
    marker = _FROM_MARKER.search(before)
    if marker and (window.ranged or len(window.iso_weeks) > 1):
        return window  # "från mars till mitten av maj", "fr.o.m. v. 24 t.o.m. v. 33": both ends
    if marker and len(window.iso_weeks) == 1 and not marker.group().startswith("efter"):
        # "Från vecka 24": from that week's Monday, a date only the plan year gives (periods.py).
        name = f"från:vecka:{window.iso_weeks[0]}"
        return replace(window, iso_weeks=(), from_marker=True, name=name, periods=(name,))
    if marker and not window.periods:
        start = window.start
        if marker.group().startswith("efter"):
            start = _day_after(window.end)
        return replace(
            window,
            start=start,
            end=MonthDay(12, 31),
            months=(),
            iso_weeks=(),
            dates=(),
            from_marker=True,
        )
    return window


def _day_after(day: MonthDay) -> MonthDay:
    following = date(2024, day.month, day.day) + timedelta(days=1)  # 2024: 29 Feb exists
    return MonthDay(following.month, following.day)


def _text(original: str, match: re.Match[str]) -> str:
    return original[match.start() : match.end()].strip()


def _year(match: re.Match[str], group: str = "y") -> int | None:
    value = match.group(group)
    if not value:
        return None
    year = int(value)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _month_day(month: int, day: int) -> MonthDay | None:
    """A valid day of the year (29 February allowed: it exists in some years)."""
    if not 1 <= month <= 12 or not 1 <= day <= stdlib_calendar.monthrange(2024, month)[1]:
        return None
    return MonthDay(month, day)


def _month_end(month: int) -> MonthDay:
    # Taken from a leap year: placing clamps 29 February to the 28th in other years.
    return MonthDay(month, stdlib_calendar.monthrange(2024, month)[1])


def _single_day(
    original: str, match: re.Match[str], day: MonthDay | None, year: int | None
) -> Window:
    span = (match.start(), match.end())
    if day is None:
        problem = f'datumet "{_text(original, match)}" finns inte'
        return Window(
            MonthDay(1, 1),
            MonthDay(12, 31),
            year,
            _text(original, match),
            span,
            problems=(problem,),
        )
    return Window(day, day, year, _text(original, match), span, dates=(day,))


def _dates(low: str, original: str) -> list[Window]:
    windows = []
    for match in _ISO_DATE.finditer(low):
        day = _month_day(int(match.group("m")), int(match.group("d")))
        windows.append(_single_day(original, match, day, _year(match)))
    for match in _DAY_MONTH.finditer(low):
        month = month_value(match.group("m")) or 0
        day = _month_day(month, int(match.group("d")))
        windows.append(_single_day(original, match, day, _year(match)))
    for match in _NUMERIC_DATE.finditer(low):
        day = _month_day(int(match.group("m") or match.group("m2")), int(match.group("d")))
        year = _year(match) or _year(match, "y2")
        windows.append(_single_day(original, match, day, year))
    return windows


def _weeks(low: str, original: str) -> list[Window]:
    windows = []
    for match in _WEEKS.finditer(low):
        numbers = [int(n) for n in re.findall(r"\d{1,2}", match.group("list"))]
        ranges = _WEEK_RANGE.findall(match.group("list"))
        weeks = set(numbers)
        for first, last in ranges:
            if int(first) <= int(last):
                weeks.update(range(int(first), int(last) + 1))
        valid = tuple(sorted(w for w in weeks if 1 <= w <= 53))
        problems = tuple(f"vecka {w} finns inte" for w in sorted(weeks) if not 1 <= w <= 53)
        windows.append(
            Window(
                MonthDay(1, 1),
                MonthDay(12, 31),
                _year(match),
                _text(original, match),
                (match.start(), match.end()),
                iso_weeks=valid,
                problems=problems,
            )
        )
    return windows


def _numbered(match: re.Match[str], table: dict[int, tuple[MonthDay, MonthDay]]) -> int:
    if match.group("n"):
        return int(match.group("n"))
    value = ordinal_value(match.group("ord")) or 1
    return len(table) if value < 0 else min(value, len(table))


def _periods(
    low: str, original: str, pattern: re.Pattern[str], table: dict[int, tuple[MonthDay, MonthDay]]
) -> list[Window]:
    windows = []
    for match in pattern.finditer(low):
        start, end = table[_numbered(match, table)]
        windows.append(
            Window(start, end, _year(match), _text(original, match), (match.start(), match.end()))
        )
    return windows


def _quarters(low: str, original: str) -> list[Window]:
    return _periods(low, original, _QUARTER, QUARTERS)


def _tertials(low: str, original: str) -> list[Window]:
    return _periods(low, original, _TERTIAL_WORDS, TERTIALS)


def _halves(low: str, original: str) -> list[Window]:
    windows = []
    for match in _HALF.finditer(low):
        half = 1 if match.group("ord") in ("första", "1:a") else 2
        start, end = HALF_YEARS[half]
        windows.append(
            Window(start, end, _year(match), _text(original, match), (match.start(), match.end()))
        )
    return windows


def _seasons(low: str, original: str) -> list[Window]:
    listed = [m.span() for m in _SEASON_LIST.finditer(low)]
    windows = []
    for match in _SEASON.finditer(low):
        form = match.group("season")
        year = _year(match)
        short = match.group("yy")
        if short and form in ("vt", "ht"):
            year = 2000 + int(short)
        elif short:
            continue  # "våren 24" is too likely a date ("våren 24 maj"); leave it
        in_list = any(a <= match.start("season") < b for a, b in listed)
        # "vår" and "höst" without an article are also ordinary words ("vår verksamhet"): only a
        # year, a preposition or a list of seasons makes them a season.
        if form in BARE_SEASON_FORMS and not (year or match.group("before") or in_list):
            continue
        season = SEASON_FORMS[form]
        start, end = SEASONS[season]
        span = (match.start() + len(match.group("before") or ""), match.end())
        description = original[span[0] : span[1]].strip()
        windows.append(Window(start, end, year, description, span, name=season))
    return windows


def _before_breaks(low: str, original: str) -> list[Window]:
    windows = []
    for match in _BEFORE_BREAK.finditer(low):
        what = match.group("what") or match.group("soon")
        if what.startswith(("år", "nyår")):
            name, (start, end) = None, (MonthDay(1, 1), MonthDay(12, 31))
        else:
            # Before Christmas or the summer: by the end of the school term before it.
            name = "före jul" if what.startswith("jul") else "före sommar"
            start, end = SEASONS[name]
        periods: tuple[str, ...] = ()
        if match.group("soon") and name is not None:
            # "Inför jul", "inför sommaren": the weeks just before the break, as "inför
            # sommarlovet" (due by the same day).
            name = "inför:start:jullov" if name == "före jul" else "inför:start:sommarlov"
            periods = (name,)
        description = _text(original, match)
        windows.append(Window(start, end, None, description, match.span(), name=name,
                              periods=periods))  # fmt: skip
    return windows


def _year_ends(low: str, original: str) -> list[Window]:
    return [
        Window(MonthDay(10, 1), MonthDay(12, 31), None, _text(original, m), (m.start(), m.end()))
        for m in _YEAR_END.finditer(low)
    ]


def _month_parts(low: str, original: str) -> list[Window]:
    windows = []
    for match in _MONTH_PART.finditer(low):
        month = month_value(match.group("m")) or 1
        last = _month_end(month).day
        first, final = MONTH_PARTS[" ".join(match.group("part").split())]
        windows.append(
            Window(
                MonthDay(month, first),
                MonthDay(month, min(final, last)),
                _year(match),
                _text(original, match),
                (match.start(), match.end()),
                exact=True,
            )
        )
    return windows


def _weeks_of_month(low: str, original: str) -> list[Window]:
    """ "Sista veckan i juni" (its last seven days), "de två första veckorna i augusti" (1–14)."""
    windows = []
    for match in _WEEK_OF_MONTH.finditer(low):
        month = month_value(match.group("m")) or 1
        last = _month_end(month).day
        if match.group("ord"):
            position = WEEK_OF_MONTH_WORDS[" ".join(match.group("ord").split())]
            weeks = 1
        else:
            edge = match.group("edge") or match.group("edge2")
            position = 1 if edge == "första" else -1
            weeks = number_value(match.group("n") or match.group("n2")) or 1
        if position > 0:
            first = (position - 1) * 7 + 1
            final = min(last, first + weeks * 7 - 1)
        else:
            final = last + (position + 1) * 7
            first = max(1, final - weeks * 7 + 1)
        windows.append(
            Window(
                MonthDay(month, first),
                MonthDay(month, final),
                _year(match),
                _text(original, match),
                match.span(),
                exact=True,
            )
        )
    return windows


def _events(low: str, original: str) -> list[Window]:
    """School events the calendar dates: "inför varje ny termin", "efter sportlovet", "vid
    terminsstart", "under alla lov". A single break named with "under", "i" or "på" is a season
    (`_seasons`), not an event."""
    windows = []
    for match in _EVENT.finditer(low):
        relation = EVENT_RELATIONS[" ".join(match.group("rel").split())]
        periods, edge = SCHOOL_EVENTS[" ".join(match.group("what").split())]
        if relation == "under" and periods != ("lov",):
            if edge == "":
                continue  # "under sommarlovet": the break itself, a season
            relation = "vid"  # "på skolavslutningen": at it
        names = tuple(name for period in periods for name in _event_periods(relation, period, edge))
        name = names[0] if len(names) == 1 else None
        description = _text(original, match)
        whole_year = (MonthDay(1, 1), MonthDay(12, 31))  # dated when placed (periods.py)
        windows.append(
            Window(*whole_year, None, description, match.span(), name=name, periods=names)
        )
    return windows


def _event_periods(relation: str, period: str, edge: str) -> tuple[str, ...]:
    """The period names (periods.py) of `relation` to one school event."""
    breaks = SCHOOL_BREAKS if period == "lov" else (period,)
    if relation == "under" or (relation == "vid" and edge == ""):
        return breaks
    if relation == "inför":
        side = "start"
    elif relation == "efter":
        side = "end"
    else:
        side = edge
    return tuple(f"{relation}:{side}:{name}" for name in breaks)


def _months(low: str, original: str) -> list[Window]:
    windows = []
    for match in _MONTH.finditer(low):
        month = month_value(match.group("m"))
        if month is None:
            continue
        windows.append(
            Window(
                MonthDay(month, 1),
                _month_end(month),
                _year(match),
                _text(original, match),
                (match.start(), match.end()),
                months=(month,),
            )
        )
    return windows


def _lone_years(low: str, original: str) -> list[Window]:
    windows = []
    for match in _LONE_YEAR.finditer(low):
        year = _year(match)
        if year is not None:
            windows.append(
                Window(
                    MonthDay(1, 1),
                    MonthDay(12, 31),
                    year,
                    _text(original, match),
                    (match.start(), match.end()),
                )
            )
    return windows


def is_excluded(window: Window, low: str) -> bool:
    """Whether the window is named as an exception: "utom juli", "förutom sommaren"."""
    return _EXCEPT_MARKER.search(low[max(0, window.span[0] - 20) : window.span[0]]) is not None


def months_of(window: tuple[MonthDay, MonthDay]) -> tuple[int, ...]:
    """The months a window touches; a window across the new year wraps."""
    start, end = window[0].month, window[1].month
    if start <= end:
        return tuple(range(start, end + 1))
    return tuple(range(start, 13)) + tuple(range(1, end + 1))


def is_lone_year(window: Window) -> bool:
    return window.description.strip().isdigit()


def _merge_lists(found: list[Window], low: str, original: str) -> list[Window]:
    """Join "mars och oktober" into one list; "april-oktober", "Q1-Q3" and "mellan 15/5 och
    30/9" into one range; "mars eller maj" into a list of which one is meant.

    Seasons stay separate windows, marked `joined` ("våren och hösten"), and share a year named
    once ("vår och höst 2025").
    """
    merged: list[Window] = []
    for window in found:
        if merged:
            previous = merged[-1]
            gap = low[previous.span[1] : window.span[0]]
            between = _BETWEEN_MARKER.search(low[max(0, previous.span[0] - 10) : previous.span[0]])
            ranged = _RANGE_GAP.fullmatch(gap) or (between and _LIST_GAP.fullmatch(gap))
            if ranged and _rangeable(previous, window):
                merged[-1] = _range(previous, window)
                continue
            if _LIST_GAP.fullmatch(gap) and _listable(previous, window):
                listed = _list(previous, window)
                if previous.either or _EITHER_GAP.search(gap) is not None:
                    # "mars eller maj": quoted as written, for the message that says so
                    words = original[listed.span[0] : listed.span[1]]
                    listed = replace(listed, either=True, description=words)
                merged[-1] = listed
                continue
            if _SEASON_GAP.fullmatch(gap) and previous.name and window.name:
                window = replace(window, joined=True)
        merged.append(window)
    return _share_years(merged)


def _share_years(windows: list[Window]) -> list[Window]:
    """ "Vår och höst 2025": the year at the end of a list of seasons is every season's."""
    shared = list(windows)
    for index in range(len(shared) - 1, 0, -1):
        later, earlier = shared[index], shared[index - 1]
        if later.joined and later.year and not earlier.year:
            shared[index - 1] = replace(earlier, year=later.year)
    return shared


def _rangeable(first: Window, second: Window) -> bool:
    return not (
        is_lone_year(first)
        or is_lone_year(second)
        or first.iso_weeks
        or second.iso_weeks
        or first.periods
        or second.periods
    )


def _listable(first: Window, second: Window) -> bool:
    return (
        (bool(first.months) and bool(second.months))
        or (bool(first.dates) and bool(second.dates))
        or (bool(first.iso_weeks) and bool(second.iso_weeks))
    )


def _range(first: Window, second: Window) -> Window:
    year = second.year or first.year
    exact = all(w.exact or w.months or w.dates for w in (first, second))
    return Window(
        first.start,
        second.end,
        year,
        f"{first.description}-{second.description}",
        (first.span[0], second.span[1]),
        ranged=True,
        exact=exact,
    )


def _list(first: Window, second: Window) -> Window:
    year = second.year or first.year
    return Window(
        min(first.start, second.start),
        max(first.end, second.end),
        year,
        f"{first.description}, {second.description}",
        (first.span[0], second.span[1]),
        months=tuple(sorted(set(first.months) | set(second.months))),
        iso_weeks=tuple(sorted(set(first.iso_weeks) | set(second.iso_weeks))),
        dates=tuple(sorted(set(first.dates) | set(second.dates))),
        problems=first.problems + second.problems,
    )
