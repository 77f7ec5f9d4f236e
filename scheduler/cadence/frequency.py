"""How often: counts per period, adverbs, "varannan", weekdays, ordinals and clock times.

Each reader takes lower-cased text and returns what it found with its span, so the parser can tell
several series apart and cut labels around them. Patterns have no nested repetition: they stay
linear on any input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final

from scheduler.base.swedish import LETTERS as _L
from scheduler.base.weekdays import WEEKDAY_CODES, WEEKDAYS, weekday_code
from scheduler.cadence.activity import activity_of
from scheduler.cadence.vocabulary import (
    DAY_SETS,
    DAYPART_OF,
    EITHER_WORDS,
    EVERY_DAY,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    TIMES_OF_DAY,
    UNIT_ADVERBS,
    UNIT_WORDS,
    number_value,
    ordinal_value,
)

_NUMBER_ALT: Final = "|".join(
    sorted(
        [r"\d{1,3}", r"ett\s+par", *(w for w in NUMBER_WORDS if " " not in w)],
        key=len,
        reverse=True,
    )
)
_COUNT_NOUN: Final = (
    r"(?:gånger|gång|ggr|gg|g|tillfällen|tillfälle|träffar|träff|möten|möte|utskick|nummer"
    r"|vandringar|omgångar|avstämningar|avstämning|sittningar|heldagar|heldag|halvdagar"
    r"|halvdag)\.?"
)
_UNIT: Final = "|".join(sorted((re.escape(w) for w in UNIT_WORDS), key=len, reverse=True))
_WEEKDAY: Final = "|".join(WEEKDAYS)
_ORDINAL: Final = "|".join(sorted((re.escape(w) for w in ORDINAL_WORDS), key=len, reverse=True))
_EITHER: Final = "|".join(re.escape(w) for w in EITHER_WORDS)
# Between two counts: a range ("2-3", "två till tre") or alternatives ("sex alternativt åtta").
_SECOND_COUNT: Final = rf"(?:\s*(?P<join>-|till|à|{_EITHER})\s*(?P<num2>{_NUMBER_ALT}))?"
_PER_UNIT: Final = rf"(?:\s*/\s*|\s+(?:per|i|om|varje|under|pr\.?)\s+)(?P<unit>{_UNIT})(?![{_L}])"

# "4 ggr/år", "fyra gånger per år", "en gång i månaden", "2-3 ggr/termin", "4/år", "två
# kvällar i veckan".
_COUNT_PER = re.compile(
    rf"(?<![{_L}\d/.-])(?:antingen\s+)?(?P<num>{_NUMBER_ALT}){_SECOND_COUNT}"
    rf"(?:\s*(?:{_COUNT_NOUN}|kvällar|nätter|dagar|pass)(?:\s*/\s*|\s+(?:per|i|om|varje|under"
    rf"|pr\.?)\s+)|\s*/\s*|\s+(?:per|pr\.?)\s+)"
    rf"(?P<unit>{_UNIT})(?![{_L}])"
)
# "4 gånger", "två gånger under våren": a count whose period comes from a window, or nowhere.
_BARE_COUNT = re.compile(
    rf"(?<![{_L}\d/.-])(?:antingen\s+)?(?P<num>{_NUMBER_ALT}){_SECOND_COUNT}"
    rf"\s*(?:gånger|gång|ggr|gg|tillfällen|träffar|möten|utskick|omgångar)\.?(?![{_L}])"
)
# "Minst åtta tillsyner under året", "tre föräldraträffar", "fyra gemensamma trygghetsvandringar
# per år": a count of the activity itself; the noun (activity.ACTIVITY_NOUNS) says what kind.
# "för personalen", "av serveringsställen", "med boende": what the activity is for, between the
# noun and its period ("två seminarier för personalen per termin").
_COMPLEMENT: Final = rf"(?:\s+(?:för|av|med|hos|på|inom)\s+[{_L}]+)?"
_ACTIVITY_COUNT = re.compile(
    rf"(?<![{_L}\d/.-])(?:antingen\s+)?(?P<num>{_NUMBER_ALT}){_SECOND_COUNT}"
    rf"\s+(?:(?P<adjective>[{_L}]+)\s+)??(?P<noun>[{_L}]+)(?![{_L}])(?:{_COMPLEMENT}{_PER_UNIT})?"
)
_ACTIVITY_COUNT_WITH_ADJECTIVE = re.compile(
    rf"(?:antingen\s+)?(?P<num>{_NUMBER_ALT}){_SECOND_COUNT}"
    rf"\s+(?P<adjective>[{_L}]+)\s+(?P<noun>[{_L}]+)(?![{_L}])(?:{_COMPLEMENT}{_PER_UNIT})?"
)
# Between two counts that are alternatives: "10 gånger eller 5 gånger", "4 ggr/år alternativt
# varannan månad". The reading takes one (the fewer), never both.
_EITHER_JOIN = re.compile(rf"\s*,?\s*(?:{_EITHER})(?:\s+också)?\s*")
# "kvartalsvis", "varje månad", "per vecka" (alone, without a count), "månadsmöte".
_ADVERB = re.compile(
    rf"(?<![{_L}])(?:(?P<adverb>{'|'.join(UNIT_ADVERBS)})"
    rf"|(?:varje|varenda)\s+(?P<unit>{_UNIT})"
    rf"|(?P<prefix>vecko|månads|kvartals|termins|års)(?:möte|möten|träff|träffar|avstämning"
    rf"|avstämningar|brev|utskick))(?![{_L}])"
)
# "varannan vecka", "var tredje månad", "var 14:e dag", "varannan onsdag".
_INTERVAL = re.compile(
    rf"(?<![{_L}])(?:(?P<every_other>varannan|vartannat|varannat)"
    rf"|var\s+(?P<ordinal>{_ORDINAL}|\d{{1,2}}(?::\s?(?:e|a|dje))?))"
    rf"\s+(?P<unit>dag|vecka|månad|kvartal|tertial|termin|halvår|år|(?P<weekday>{_WEEKDAY}))"
    rf"(?:en|ar)?(?![{_L}])"
)
# "första tisdagen varje månad", "sista torsdagen i månaden", "den 2:a onsdagen per kvartal".
_ORDINAL_WEEKDAY = re.compile(
    rf"(?<![{_L}])(?P<ordinal>{_ORDINAL}|\d:(?:a|e))\s+(?P<weekday>{_WEEKDAY})(?:en|ar|arna)?"
    rf"(?:\s+(?:i|varje|per|av|under)(?:\s+varje)?\s+(?P<unit>månaden|månad|kvartalet|kvartal"
    rf"|terminen|termin|året|år))?(?![{_L}])"
)
# A weekday on its own: "varje måndag", "tisdagar", "på onsdagen".
_WEEKDAY_WORD = re.compile(
    rf"(?<![{_L}])(?P<every>varje\s+|alla\s+)?(?P<weekday>{_WEEKDAY})(?P<suffix>arna|ar|en|s)?"
    rf"(?![{_L}])"
)
# "måndag–fredag", "måndag till torsdag", "mån-fre": every day of the range.
_WEEKDAY_RANGE = re.compile(
    rf"(?<![{_L}])(?P<first>{_WEEKDAY})(?:ar|en)?\s*(?:-|till|t\.o\.m\.?)\s*"
    rf"(?P<last>{_WEEKDAY})(?:ar|en)?(?![{_L}])"
)
_PART_FORM: Final = "|".join(sorted(TIMES_OF_DAY, key=len, reverse=True))
_TIME_OF_DAY = re.compile(
    rf"(?<![{_L}])(?:på\s+|under\s+|i\s+samband\s+med\s+)?(?P<part>{_PART_FORM})(?![{_L}])"
)
# "helger", "vardagar", "alla dagar i veckan", "helgkvällar": a set of days (vocabulary.DAY_SETS).
_DAY_SET = re.compile(
    rf"(?<![{_L}])(?P<set>"
    + "|".join(k.replace(" ", r"\s+") for k in sorted(DAY_SETS, key=len, reverse=True))
    + rf")(?![{_L}])"
)
# "fredagskvällar", "lördagsnätter", and the first half of "torsdags- och fredagskvällar".
_DAY_COMPOUND = re.compile(
    rf"(?<![{_L}])(?P<weekday>{_WEEKDAY})s?(?:-(?=\s)|(?P<part>{_PART_FORM}))(?![{_L}])"
)
# "första veckan i varje månad", "sista veckan i kvartalet", "andra veckan varje termin".
_WEEK_OF_PERIOD = re.compile(
    rf"(?<![{_L}])(?:den\s+)?(?P<ordinal>första|andra|tredje|fjärde|sista)\s+veckan"
    rf"\s+(?:i|varje|per|av|under)(?:\s+varje)?\s+(?P<unit>månaden|månad|kvartalet|kvartal"
    rf"|tertialet|tertial|terminen|termin|halvåret|halvår)(?![{_L}])"
)
# The part of the day in a weekday compound: "fredagskvällar" is a Friday evening.
_DAY_COMPOUND_PART = re.compile(rf"(?<![{_L}])(?:{_WEEKDAY})s?(?P<part>{_PART_FORM})(?![{_L}])")
_CLOCK_PHRASE = re.compile(
    rf"(?<![\d.:{_L}])(?:kl(?:ockan|\.)?\s*(?P<h>\d{{1,2}})(?:[.:](?P<m>\d{{2}}))?"
    r"|(?P<hh>\d{1,2}):(?P<mm>\d{2}))"
    r"(?:\s*-\s*(?:kl\.?\s*)?(?P<h2>\d{1,2})(?:[.:](?P<m2>\d{2}))?)?(?![\d:])"
)

_PREFIX_UNITS: Final = {
    "vecko": "week",
    "månads": "month",
    "kvartals": "quarter",
    "termins": "term",
    "års": "year",
}


# One count a text offers: how many, per what (None: not said), every how many.
Alternative = tuple[int, str | None, int]


@dataclass(frozen=True)
class Anchor:
    """A phrase that makes a series: how many per what, every how many."""

    start: int
    end: int
    count: int
    per: str | None  # None: "4 gånger" without a period
    interval: int = 1
    weekdays: tuple[str, ...] = ()
    upper: int | None = None  # "2-3 ggr": the upper bound, for a message
    ordinal: int | None = None  # "första veckan i varje kvartal": the week of the month (1, -1)
    edge: int | None = None  # … and of the period's months, the first (1) or the last (-1)
    # "sex alternativt åtta gånger": every count offered, as written; `count` is the fewest.
    alternatives: tuple[Alternative, ...] = ()
    activity: str | None = None  # the noun counted ("tillsyner"), when the text counts one


@dataclass(frozen=True)
class OrdinalWeekday:
    ordinal: int
    weekday: str
    per: str | None  # "varje månad" after it; None when not said
    start: int
    end: int


@dataclass(frozen=True)
class ClockTime:
    hour: int
    minute: int
    duration_minutes: int | None
    start: int
    end: int
    part: str | None = None  # "kväll": the part of the day named instead of a clock time


def find_anchors(low: str) -> list[Anchor]:
    """All series-making phrases in `low`, left to right, without overlaps."""
    found: list[Anchor] = _activity_anchors(low)
    for match in _COUNT_PER.finditer(low):
        found.append(_count_anchor(match, UNIT_WORDS[match.group("unit")]))
    for match in _INTERVAL.finditer(low):
        found.append(_interval_anchor(match))
    for match in _ADVERB.finditer(low):
        found.append(_adverb_anchor(match))
    for match in _BARE_COUNT.finditer(low):
        found.append(_count_anchor(match, None))
    for match in _WEEK_OF_PERIOD.finditer(low):
        found.append(_week_of_period_anchor(match))
    return _either_or(_joined(_without_overlaps(found), low), low)


# After "en föräldraträff": a time ("under hösten", "inför sommarlovet") makes "en" a count.
_TIME_AFTER = re.compile(r"\s+(?:under|i|inför|efter|vid|före|innan|på|sista|första)\s")


def _activity_anchors(low: str) -> list[Anchor]:
    """Counts of an activity named by its noun ("åtta tillsyner", "tre föräldraträffar"). "En"
    and "ett" before a noun are most often an article, so they count only with a period or a
    time after ("en tillsyn per år", "en föräldraträff inför sommarlovet")."""
    found = []
    position = 0
    # Searched one start at a time: a number whose next word is no activity ("31 två") must not
    # hide the count that starts in it ("två tillsyner").
    while (match := _ACTIVITY_COUNT.search(low, position)) is not None:
        position = match.start() + 1
        if activity_of(match.group("noun")) is None:
            retry = _ACTIVITY_COUNT_WITH_ADJECTIVE.match(low, match.start())
            if retry is None or activity_of(retry.group("noun")) is None:
                continue
            match = retry
        article = match.group("num") in ("en", "ett")
        if article and not (match.group("unit") or _TIME_AFTER.match(low, match.end())):
            continue
        unit = match.group("unit")
        anchor = _count_anchor(match, UNIT_WORDS[unit] if unit else None)
        found.append(replace(anchor, activity=match.group("noun")))
        position = match.end()
    return found


_PER_YEAR: Final = {"day": 250, "week": 44, "month": 11, "quarter": 4, "tertial": 3, "term": 2,
                    "half_year": 2, "year": 1}  # fmt: skip


def _either_or(anchors: list[Anchor], low: str) -> list[Anchor]:
    """ "10 gånger eller 5 gånger", "4 ggr/år alternativt varannan månad": one anchor, the
    alternative with the fewest meetings a year, every alternative kept for the message."""
    kept: list[Anchor] = []
    for anchor in anchors:
        previous = kept[-1] if kept else None
        if previous is None or not _EITHER_JOIN.fullmatch(low[previous.end : anchor.start]):
            kept.append(anchor)
            continue
        offered = (previous.alternatives or (_offer(previous),)) + (
            anchor.alternatives or (_offer(anchor),)
        )
        fewest = min((previous, anchor), key=_yearly)
        kept[-1] = replace(
            fewest,
            start=previous.start,
            end=anchor.end,
            count=min([fewest.count, *(c for c, _, _ in fewest.alternatives)]),
            alternatives=offered,
            upper=None,
            activity=previous.activity or anchor.activity,
        )
    return kept


def _offer(anchor: Anchor) -> Alternative:
    return (anchor.count, anchor.per, anchor.interval)


def _yearly(anchor: Anchor) -> float:
    """About how many a year an anchor gives, to choose the fewer of two alternatives."""
    count = min([anchor.count, *(c for c, _, _ in anchor.alternatives)])
    return count * _PER_YEAR.get(anchor.per or "year", 1) / max(anchor.interval, 1)


def _joined(anchors: list[Anchor], low: str) -> list[Anchor]:
    """ "En gång årligen", "två gånger månadsvis": a bare count and the period after it are one."""
    joined: list[Anchor] = []
    for anchor in anchors:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.per is None
            and anchor.per is not None
            and anchor.count == 1
            and anchor.interval == 1
            and not low[previous.end : anchor.start].strip()
        ):
            joined[-1] = Anchor(
                previous.start, anchor.end, previous.count, anchor.per, upper=previous.upper
            )
            continue
        joined.append(anchor)
    return joined


def reader_spans(low: str) -> list[tuple[int, int]]:
    """Where every phrase this module reads is in `low`: words the reading uses."""
    patterns = (_COUNT_PER, _BARE_COUNT, _ADVERB, _INTERVAL, _ORDINAL_WEEKDAY, _WEEKDAY_WORD,
                _WEEKDAY_RANGE, _CLOCK_PHRASE, _WEEK_OF_PERIOD, _TIME_OF_DAY, _DAY_SET,
                _DAY_COMPOUND)  # fmt: skip
    spans = [m.span() for pattern in patterns for m in pattern.finditer(low)]
    return spans + [(a.start, a.end) for a in _activity_anchors(low)]


def find_weekday_anchor(low: str) -> Anchor | None:
    """A weekly series named by its weekdays alone ("varje måndag", "tisdagar kl 10",
    "måndag–fredag", "helger", "fredagskvällar"); every day of the week is a daily one ("alla
    dagar i veckan")."""
    weekday_range = _WEEKDAY_RANGE.search(low)
    if weekday_range is not None:
        return Anchor(weekday_range.start(), weekday_range.end(), 1, "week", 1, read_weekdays(low))
    for match in _WEEKDAY_WORD.finditer(low):
        if match.group("every") or match.group("suffix") in ("ar", "arna"):
            days = read_weekdays(low)
            return Anchor(match.start(), match.end(), 1, "week", 1, days)
    named = _DAY_SET.search(low) or _DAY_COMPOUND.search(low)
    if named is not None:
        days = read_weekdays(low)
        per = "day" if days == EVERY_DAY else "week"
        return Anchor(named.start(), named.end(), 1, per, 1, days)
    return None


def read_weekdays(low: str) -> tuple[str, ...]:
    """Every weekday named in `low` (alone, in a range, in a set such as "helger" or in a
    compound such as "fredagskvällar"), in week order, as RRULE codes."""
    codes = {weekday_code(m.group("weekday")) for m in _WEEKDAY_WORD.finditer(low)}
    codes.update(weekday_code(m.group("weekday")) for m in _DAY_COMPOUND.finditer(low))
    for match in _DAY_SET.finditer(low):
        codes.update(DAY_SETS[" ".join(match.group("set").split())][0])
    for match in _WEEKDAY_RANGE.finditer(low):
        first = WEEKDAY_CODES.index(weekday_code(match.group("first")) or "MO")
        last = WEEKDAY_CODES.index(weekday_code(match.group("last")) or "MO")
        codes.update(WEEKDAY_CODES[first : last + 1])
    return tuple(code for code in WEEKDAY_CODES if code in codes)


def read_ordinal_weekday(low: str) -> OrdinalWeekday | None:
    match = _ORDINAL_WEEKDAY.search(low)
    if match is None:
        return None
    ordinal = ordinal_value(match.group("ordinal"))
    weekday = weekday_code(match.group("weekday"))
    if ordinal is None or weekday is None or not (-2 <= ordinal <= 5) or ordinal == 0:
        return None
    unit = match.group("unit")
    per = UNIT_WORDS.get(unit) if unit else None
    return OrdinalWeekday(ordinal, weekday, per, match.start(), match.end())


def read_clock(low: str) -> ClockTime | None:
    """A clock time ("kl 13", "kl. 9.30-11", "13:00-14:30"), else a part of the day ("på
    kvällen": 18:00); None if absent or impossible."""
    clock = _read_clock_time(low)
    if clock is not None:
        return clock
    part = _TIME_OF_DAY.search(low) or _DAY_COMPOUND_PART.search(low)
    if part is not None:
        form = part.group("part")
        hour, minute = TIMES_OF_DAY[form]
        return ClockTime(hour, minute, None, part.start(), part.end(), DAYPART_OF[form])
    for match in _DAY_SET.finditer(low):
        named = DAY_SETS[" ".join(match.group("set").split())][1]
        if named is not None:
            hour, minute = TIMES_OF_DAY[named]
            return ClockTime(hour, minute, None, match.start(), match.end(), named)
    return None


def _read_clock_time(low: str) -> ClockTime | None:
    for match in _CLOCK_PHRASE.finditer(low):
        hour = int(match.group("h") or match.group("hh"))
        minute = int(match.group("m") or match.group("mm") or 0)
        if hour > 23 or minute > 59:
            continue
        duration = None
        if match.group("h2"):
            end_hour, end_minute = int(match.group("h2")), int(match.group("m2") or 0)
            length = end_hour * 60 + end_minute - (hour * 60 + minute)
            if end_hour <= 23 and end_minute <= 59 and length > 0:
                duration = length
        return ClockTime(hour, minute, duration, match.start(), match.end())
    return None


def _count_anchor(match: re.Match[str], per: str | None) -> Anchor:
    count = number_value(match.group("num")) or 0
    second = number_value(match.group("num2")) if match.group("num2") else None
    if second is not None and match.group("join") in EITHER_WORDS:
        # "sex alternativt åtta gånger": either one, so the fewer, never both.
        offered = ((count, per, 1), (second, per, 1))
        return Anchor(match.start(), match.end(), min(count, second), per, alternatives=offered)
    if second is None or second == count:
        return Anchor(match.start(), match.end(), count, per)
    # "4–6 gånger", written either way round: the lower is planned, the upper said.
    low, high = min(count, second), max(count, second)
    return Anchor(match.start(), match.end(), low, per, upper=high)


def _interval_anchor(match: re.Match[str]) -> Anchor:
    interval = 2 if match.group("every_other") else (ordinal_value(match.group("ordinal")) or 1)
    weekday = match.group("weekday")
    if weekday:
        code = weekday_code(weekday)
        return Anchor(match.start(), match.end(), 1, "week", interval, (code,) if code else ())
    unit = match.group("unit")
    return Anchor(match.start(), match.end(), 1, UNIT_WORDS.get(unit, "year"), max(interval, 1))


def _week_of_period_anchor(match: re.Match[str]) -> Anchor:
    ordinal = ordinal_value(match.group("ordinal")) or 1
    per = UNIT_WORDS[match.group("unit")]
    # In a month the week is the ordinal itself; in a longer period it is that week of the
    # period's first month, or the last week of its last month ("sista veckan i kvartalet").
    edge = None if per == "month" else (-1 if ordinal < 0 else 1)
    return Anchor(match.start(), match.end(), 1, per, ordinal=ordinal, edge=edge)


def _adverb_anchor(match: re.Match[str]) -> Anchor:
    if match.group("adverb"):
        per = UNIT_ADVERBS[match.group("adverb")]
    elif match.group("unit"):
        per = UNIT_WORDS[match.group("unit")]
    else:
        per = _PREFIX_UNITS[match.group("prefix")]
    return Anchor(match.start(), match.end(), 1, per)


def _without_overlaps(found: list[Anchor]) -> list[Anchor]:
    """Keep the earliest-starting, longest phrase where two overlap ("en gång i månaden")."""
    kept: list[Anchor] = []
    for anchor in sorted(found, key=lambda a: (a.start, -(a.end - a.start))):
        if kept and anchor.start < kept[-1].end:
            continue
        kept.append(anchor)
    return kept
