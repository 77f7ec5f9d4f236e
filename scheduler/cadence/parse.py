"""Read a När text into a Cadence: which kinds, which series, which deadline, what was unclear.

The text is cut into sentences; a sentence can hold several series ("Styrgrupp 4 ggr/år,
arbetsgrupp varannan vecka") or a parenthesised breakdown of a total ("8 ggr/år (4 ggr/år
mellan- och högstadiet och 4 ggr/år gymnasiet)": the parts are the series, the total is not).
Time expressions in a sentence with a series limit that series; elsewhere they are a deadline.
Nothing here raises: what cannot be read becomes a Swedish warning that quotes it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import Any, Final

from scheduler.base.caches import memo
from scheduler.base.swedish import LETTERS as _L
from scheduler.cadence.activity import activity_of, activity_spans, keyword_spans
from scheduler.cadence.frequency import (
    Alternative,
    Anchor,
    find_anchors,
    find_weekday_anchor,
    read_clock,
    read_ordinal_weekday,
    read_weekdays,
    reader_spans,
)
from scheduler.cadence.labels import label_before, labels_after
from scheduler.cadence.markers import (
    is_as_needed,
    is_continuous,
    is_school_bound,
    is_seasonal,
    is_through_the_year,
    is_triggered,
    is_vague_recurring,
    marker_spans,
)
from scheduler.cadence.model import (
    AS_NEEDED,
    CONTINUOUS,
    DEADLINE,
    FILLER,
    QUOTED,
    RECURRING,
    TRIGGERED,
    UNSPECIFIED,
    USED,
    Cadence,
    DeadlineSpec,
    MonthDay,
    SeriesSpec,
    Word,
)
from scheduler.cadence.text import MAX_CHARS, lower_same_length, normalise, quote, sentences
from scheduler.cadence.unread import (
    Occasion,
    is_filler,
    occasion_warning,
    occasions,
    role_spans,
    unused_runs,
    word_spans,
)
from scheduler.cadence.vocabulary import (
    EVERY_DAY,
    OUT_OF_HOURS,
    POLICY_PERIODS,
    SCHOOL_BREAKS,
    SEASON_NAMES,
    SUMMER_PERIODS,
)
from scheduler.cadence.windows import (
    Validity,
    Window,
    has_deadline_marker,
    is_excluded,
    is_lone_year,
    months_of,
    read_validity,
    read_windows,
)
from scheduler.cadence.windows import marker_spans as window_marker_spans
from scheduler.cadence.wording import frequency_text

_PARENTHESES = re.compile(r"\(([^()]{0,300})\)")
_SEPARATOR = re.compile(rf"[,\n]|(?<![{_L}])(?:och|samt|men|medan|respektive|resp\.)(?![{_L}])")
# "2 ggr/termin, dvs 4 ggr/år" says one thing twice: the second count is not a series.
_RESTATEMENT = re.compile(
    rf"(?<![{_L}])(?:dvs|d\.v\.s|det\s+vill\s+säga|alltså|totalt|sammanlagt|i\s+snitt"
    rf"|motsvarande|ungefär|cirka|ca)(?![{_L}])|="
)
# A sentence that says nothing readable but has a number or "gånger" was meant as a cadence.
_LOOKS_LIKE_CADENCE = re.compile(rf"\d|(?<![{_L}])(?:gång|gånger|ggr|gg)(?![{_L}])")
_WORD_OR_NUMBER = re.compile(rf"[{_L}\d]+")
MAX_COUNT: Final = 366
Span = tuple[int, int]


@dataclass
class _Reading:
    """What the sentences have given so far."""

    series: list[SeriesSpec] = field(default_factory=list)
    loose_windows: list[tuple[Window, bool]] = field(default_factory=list)  # (window, "senast")
    warnings: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # sentences that looked like a cadence
    used: list[Span] = field(default_factory=list)  # what the readers used, in the whole text
    reported: list[Span] = field(default_factory=list)  # unused, but already warned about
    occasions: list[Occasion] = field(default_factory=list)  # named times no one can date
    sentences: list[Span] = field(default_factory=list)
    validity: Validity | None = None  # "gäller 2024–2026"
    set_aside: list[str] = field(default_factory=list)  # times read but not what was used

    def use(self, offset: int, spans: list[Span]) -> None:
        self.used.extend((offset + a, offset + b) for a, b in spans)


@memo("cadence.parse_when")
def parse_when(text: str) -> Cadence:
    """The Cadence of a När text. Never raises; unreadable text is `unspecified` with a warning.

    Cached (bounded): plans repeat their När texts ("4 ggr/år"), and a Cadence is frozen, so
    every caller may share one."""
    clean = normalise(text)
    if not clean:
        return Cadence(
            text, frozenset({UNSPECIFIED}), warnings=("När är tomt: inget att planera.",)
        )
    reading = _Reading()
    if len(clean) > MAX_CHARS:
        reading.warnings.append(
            f"När är {len(clean)} tecken långt; bara de första {MAX_CHARS} lästes: {quote(clean)}"
        )
        clean = clean[:MAX_CHARS]
    low = lower_same_length(clean)
    reading.occasions = occasions(low, clean)
    reading.validity = read_validity(low, clean)
    read = low
    if reading.validity is not None:
        # How long, not how often: its years are no window or deadline of their own.
        a, b = reading.validity.span
        read = low[:a] + " " * (b - a) + low[b:]
        reading.used.append(reading.validity.span)
    reading.sentences = sentences(clean)
    for start, end in reading.sentences:
        _read_sentence(clean, read, start, end, reading)
    return _cadence(text, clean, low, reading)


def _read_sentence(clean: str, low: str, start: int, end: int, reading: _Reading) -> None:
    before = len(reading.series)
    breakdown = _breakdown(low, start, end)
    if breakdown is not None:
        inner_start, inner_end = breakdown
        outside = low[start:inner_start] + " " + low[inner_end:end]
        # The total outside the parentheses is read too: it is checked against the parts.
        reading.use(start, reader_spans(low[start:inner_start]))
        reading.use(inner_end, reader_spans(low[inner_end:end]))
        parts = _series_in(clean, low, inner_start, inner_end, outside, reading, breakdown=True)
        _check_total(outside, parts, clean[start:end], reading)
        reading.series.extend(parts)
    else:
        reading.series.extend(_series_in(clean, low, start, end, "", reading, breakdown=False))
    if len(reading.series) > before:
        return
    windows = [
        replace(w, span=(start + w.span[0], start + w.span[1]))
        for w in read_windows(low[start:end], clean[start:end])
    ]
    for window in windows:
        reading.warnings.extend(_problem_warnings(window))
        if window.problems:
            reading.reported.append(window.span)
    marker = has_deadline_marker(low[start:end])
    kept = _with_lone_year(windows)
    reading.used.extend(w.span for w in windows if w not in kept and is_lone_year(w))
    reading.loose_windows.extend((w, marker) for w in kept)
    sentence = low[start:end]
    if not windows and _LOOKS_LIKE_CADENCE.search(sentence) and not _any_marker(sentence):
        reading.unread.append(clean[start:end])
        reading.reported.append((start, end))


def _breakdown(low: str, start: int, end: int) -> tuple[int, int] | None:
    """The inside of "( … )" when it lists two or more counts: the parts of a total."""
    for match in _PARENTHESES.finditer(low, start, end):
        if len(find_anchors(match.group(1))) >= 2:
            return match.start(1), match.end(1)
    return None


def _check_total(outside: str, parts: list[SeriesSpec], sentence: str, reading: _Reading) -> None:
    totals = find_anchors(outside)
    if not totals or not parts:
        return
    total = totals[0]
    named = sum(p.count for p in parts)
    if total.per == parts[0].per and total.count != named:
        reading.warnings.append(
            f"Totalen {total.count} stämmer inte med delarna ({named}) i {quote(sentence)}; "
            "delarna planeras."
        )


def _series_in(
    clean: str,
    low: str,
    start: int,
    end: int,
    context: str,
    reading: _Reading,
    *,
    breakdown: bool,
) -> list[SeriesSpec]:
    anchors = [
        replace(a, start=start + a.start, end=start + a.end) for a in _anchors(low[start:end])
    ]
    if not anchors:
        return []
    reading.used.extend((a.start, a.end) for a in anchors)
    specs: list[SeriesSpec] = []
    for (seg_start, seg_end), anchor in zip(
        _segments(low, start, end, anchors), anchors, strict=True
    ):
        specs.extend(
            _specs(clean, low, seg_start, seg_end, anchor, context, reading, breakdown=breakdown)
        )
    return _once_in_each(specs, anchors)


def _once_in_each(specs: list[SeriesSpec], anchors: list[Anchor]) -> list[SeriesSpec]:
    """ "En gång under våren och en gång under hösten" is one series, once in each season."""
    if len(specs) < 2 or len(specs) != len(anchors):
        return specs
    single = all(a.per is None and a.count == 1 for a in anchors)
    seasonal = all((s.windows or s.periods) and not s.label for s in specs)
    if not (single and seasonal):
        return specs
    first = specs[0]
    return [
        replace(
            first,
            count=len(specs),
            windows=tuple(w for s in specs for w in s.windows),
            periods=tuple(p for s in specs for p in s.periods),
            summer=any(s.summer for s in specs),
        )
    ]


def _anchors(low: str) -> list[Anchor]:
    """The series-making phrases of a stretch, restatements ("dvs 4 ggr/år") left out."""
    kept: list[Anchor] = []
    for anchor in find_anchors(low):
        if kept and _RESTATEMENT.search(low[kept[-1].end : anchor.start]):
            continue
        kept.append(anchor)
    if kept:
        return kept
    ordinal = read_ordinal_weekday(low)
    if ordinal is not None:
        return [Anchor(ordinal.start, ordinal.end, 1, ordinal.per or "month")]
    weekday = find_weekday_anchor(low)
    return [weekday] if weekday is not None else []


def _segments(low: str, start: int, end: int, anchors: list[Anchor]) -> list[tuple[int, int]]:
    """Cut a stretch between its anchors, at the last separator ("," "och") of each gap."""
    bounds = [start]
    for first, second in pairwise(anchors):
        separators = list(_SEPARATOR.finditer(low, first.end, second.start))
        if separators:
            bounds += [separators[-1].start(), separators[-1].end()]
        else:
            bounds += [second.start, second.start]
    bounds.append(end)
    return [(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]


def _specs(
    clean: str,
    low: str,
    start: int,
    end: int,
    anchor: Anchor,
    context: str,
    reading: _Reading,
    *,
    breakdown: bool,
) -> list[SeriesSpec]:
    """The series of one segment: one, or one per forum it names."""
    seg, seg_low = clean[start:end], low[start:end]
    if anchor.count <= 0:
        reading.warnings.append(f"Antalet 0 i {quote(seg, whole=True)} ger inga tillfällen.")
        reading.reported.append((start, end))
        return []
    limit = _occasion_limiting(low, start, end, anchor, reading.occasions)
    if limit is not None:
        reading.warnings.append(
            f"{quote(seg, whole=True)} planeras inte: serien gäller {quote(limit.text)}, som "
            "inte går att datera."
        )
        reading.reported.append((start, end))
        return []
    spec = _spec_from_anchor(anchor, seg, reading)
    spec = _with_windows(spec, seg, seg_low, reading, offset=start, per=anchor.per)
    reading.use(start, reader_spans(seg_low))
    # Before or after a term ("inför höstterminen") is outside it: the text places it by the
    # school calendar itself, so the terms do not bind it.
    around_terms = any(":" in name for name in spec.periods)
    spec = replace(
        spec,
        **_days_and_times(spec, seg_low),
        **_activity(spec, seg_low),
        school_bound=not around_terms and (is_school_bound(seg_low) or is_school_bound(context)),
        seasonal=is_seasonal(seg_low) or is_seasonal(context),
    )
    placed = spec.months or spec.iso_weeks or spec.dates or spec.windows or spec.periods
    if anchor.per is None and not (placed or spec.seasonal):
        reading.warnings.append(f"{quote(seg)} säger inte per vad; tolkas som per år.")
    labels = labels_after(clean[anchor.end : end], breakdown=breakdown)
    where = (anchor.end, end)
    if not labels:
        labels = [label_before(clean[start : anchor.start])]
        where = (start, anchor.start)
    _use_label_words(labels, low, *where, reading)
    return [spec if label == spec.label else replace(spec, label=label) for label in labels]


def _occasion_limiting(
    low: str, start: int, end: int, anchor: Anchor, named: list[Occasion]
) -> Occasion | None:
    """An occasion in the segment that the count is for ("veckovis under valrörelsen"), not one
    in a clause of its own ("2 ggr/år samt under valrörelsen")."""
    for occasion in named:
        a, b = occasion.span
        if not (start <= a and b <= end):
            continue
        between = low[anchor.end : a] if a >= anchor.end else low[b : anchor.start]
        if not _SEPARATOR.search(between):
            return occasion
    return None


def _use_label_words(labels: list[str], low: str, start: int, end: int, reading: _Reading) -> None:
    """The words of a series' name are used: they say which forum meets, even when one series
    alone needs no label shown."""
    words = {w for label in labels for w in _WORD_OR_NUMBER.findall(label.lower())}
    reading.used.extend(
        m.span() for m in _WORD_OR_NUMBER.finditer(low, start, end) if m.group() in words
    )


def _spec_from_anchor(anchor: Anchor, seg: str, reading: _Reading) -> SeriesSpec:
    count = anchor.count
    if anchor.upper is not None:
        reading.warnings.append(
            f"{quote(seg)} anger {count}–{anchor.upper} gånger; {count} planeras, "
            "resten får läggas vid behov."
        )
    if anchor.alternatives:
        offered = " eller ".join(_offered(a) for a in anchor.alternatives)
        reading.warnings.append(
            f"{quote(seg)} anger alternativ ({offered}); det som ger färst tillfällen planeras "
            f"({_offered((count, anchor.per, anchor.interval))}), inte båda."
        )
    if anchor.per == "year" and anchor.interval > 1:
        # The text does not say which years; the plan year is one of them until someone says not.
        reading.warnings.append(
            f"{quote(seg)}: vart {anchor.interval}:e år planeras i planåret; "
            "kontrollera att det är rätt år."
        )
    if count > MAX_COUNT:
        reading.warnings.append(f"{quote(seg)}: {count} gånger är för många; {MAX_COUNT} planeras.")
        count = MAX_COUNT
    return SeriesSpec(
        count=count,
        per=anchor.per or "year",
        interval=min(anchor.interval, 60),
        weekdays=anchor.weekdays,
        ordinal=anchor.ordinal,
        period_edge=anchor.edge,
        alternatives=tuple(
            (c, per or anchor.per or "year", i) for c, per, i in anchor.alternatives
        ),
        upper=anchor.upper,
        activity=anchor.activity,
    )


def _offered(alternative: Alternative) -> str:
    """ "6 gånger", "4 gånger per år", "varannan månad": one alternative, for a message."""
    count, per, interval = alternative
    if per is None:
        return f"{count} gånger" if count != 1 else "1 gång"
    return frequency_text(count, per, interval)


def _with_windows(
    spec: SeriesSpec,
    seg: str,
    seg_low: str,
    reading: _Reading,
    *,
    offset: int,
    per: str | None,
) -> SeriesSpec:
    """Months, weeks, dates and periods named in the segment limit its series."""
    months: set[int] = set()
    weeks: set[int] = set()
    dates: set[MonthDay] = set()
    windows: list[tuple[MonthDay, MonthDay]] = []
    periods: list[str] = []
    excluded: set[int] = set()
    excluded_periods: list[str] = []
    year: int | None = None
    summer = named_span = either = False
    for found in read_windows(seg_low, seg):
        reading.warnings.extend(_problem_warnings(found))
        reading.use(offset, [found.span])
        if is_excluded(found, seg_low):
            if found.periods or found.name in POLICY_PERIODS:
                excluded_periods.extend(_period_names(found))
            else:
                excluded.update(found.months or months_of((found.start, found.end)))
            continue
        year = year or found.year
        if is_lone_year(found):
            continue
        summer = summer or found.name in SUMMER_PERIODS or "sommarlov" in _period_names(found)
        either = either or found.either
        if found.periods or (found.name in POLICY_PERIODS and not found.from_marker):
            periods.extend(_period_names(found))
        elif found.months and not found.from_marker:
            months.update(found.months)
        elif found.iso_weeks:
            weeks.update(found.iso_weeks)
        elif found.dates and not found.from_marker:
            dates.update(found.dates)
        else:
            windows.append((found.start, found.end))
            named_span = named_span or (found.exact and not found.from_marker)
    count = spec.count
    if spec.per == "year" and months and count < len(months) and not either:
        count = len(months)  # "årligen i mars och oktober": once in each named month
    named = len(windows) + len(periods)
    if per is None and count == 1 and named >= 2:
        count = named  # "en gång på våren och en på hösten", "inför varje ny termin": each
    return replace(
        spec,
        count=count,
        months=tuple(sorted(months)),
        iso_weeks=tuple(sorted(weeks)),
        dates=tuple(sorted(dates)),
        windows=tuple(windows),
        periods=tuple(dict.fromkeys(periods)),
        summer=summer,
        named_span=named_span,
        excluded_months=tuple(sorted(excluded)),
        excluded_periods=tuple(dict.fromkeys(excluded_periods)),
        year=year,
    )


def _period_names(window: Window) -> tuple[str, ...]:
    """The school periods a window names (dated by the calendar policy): its event's
    stretches, or its school period's key; "lov" (all the breaks) as each break."""
    names = window.periods or ((window.name,) if window.name in POLICY_PERIODS else ())
    return tuple(b for n in names for b in (SCHOOL_BREAKS if n == "lov" else (n,)))


def _activity(spec: SeriesSpec, seg_low: str) -> dict[str, Any]:
    """The activity counted, or else the first activity noun of the segment ("Trygghetsvandring
    vår och höst"), and its kind: the fields of `spec` to change."""
    noun = spec.activity or next(
        (w for w in _WORD_OR_NUMBER.findall(seg_low) if activity_of(w) is not None), None
    )
    if noun is None:
        return {}
    return {"activity": noun, "activity_kind": activity_of(noun)}


def _with_days_and_times(spec: SeriesSpec, seg_low: str) -> SeriesSpec:
    return replace(spec, **_days_and_times(spec, seg_low), **_activity(spec, seg_low))


def _days_and_times(spec: SeriesSpec, seg_low: str) -> dict[str, Any]:
    """The weekdays, ordinal, time and part of the day the segment names: the fields of `spec`
    to change (one `replace` for all the readings of a segment: a SeriesSpec has many fields)."""
    # "Var tredje måndag" is every third week, not the third Monday of a month.
    ordinal = read_ordinal_weekday(seg_low) if spec.per not in ("day", "week") else None
    clock = read_clock(seg_low)
    weekdays = spec.weekdays or read_weekdays(seg_low)
    edge = spec.period_edge
    if ordinal is not None:
        weekdays = (ordinal.weekday,)
        if ordinal.per not in (None, "month"):
            # "Första måndagen i kvartalet": in the quarter's first month, not its middle one.
            edge = 1 if ordinal.ordinal > 0 else -1
    bounded = spec.windows or spec.periods or spec.months or spec.iso_weeks
    if spec.per == "day" and spec.interval == 1 and not weekdays and bounded:
        # "Dagligen under sommarlovet": every day of the period, weekends too. All year round
        # ("dagligen" alone) it is every working day.
        weekdays = EVERY_DAY
    part = clock.part if clock is not None else None
    as_said = bool(
        {"SA", "SU"} & set(weekdays)
        or (weekdays and part in OUT_OF_HOURS)
        or (spec.per == "day" and weekdays == EVERY_DAY)
    )
    return {
        "weekdays": weekdays,
        "period_edge": edge,
        "ordinal": ordinal.ordinal if ordinal is not None else spec.ordinal,
        "time": (clock.hour, clock.minute) if clock is not None else None,
        "duration_minutes": clock.duration_minutes if clock is not None else None,
        "daypart": part,
        "days_as_said": as_said,
    }


def _problem_warnings(window: Window) -> list[str]:
    return [f"{problem[:1].upper()}{problem[1:]}; det ignoreras." for problem in window.problems]


def _with_lone_year(windows: list[Window]) -> list[Window]:
    """ "Hösten, 2025": a lone year belongs to the windows beside it that have none."""
    lone = [w for w in windows if is_lone_year(w)]
    others = [w for w in windows if not is_lone_year(w)]
    if not others:
        return lone
    if len(lone) == 1:
        return [w if w.year else replace(w, year=lone[0].year) for w in others]
    return others


def _any_marker(low: str) -> bool:
    return (
        is_as_needed(low)
        or is_continuous(low)
        or is_triggered(low)
        or is_through_the_year(low)
        or is_vague_recurring(low)
    )


def _cadence(text: str, clean: str, low: str, reading: _Reading) -> Cadence:
    kinds: set[str] = set()
    series = _labelled(reading.series)
    if series:
        kinds.add(RECURRING)
    named = reading.occasions
    deadline, extra = _from_loose_windows(_outside_occasions(reading), low, reading)
    series += extra
    if extra:
        kinds.add(RECURRING)
    if deadline is not None:
        kinds.add(DEADLINE)
    if is_as_needed(low):
        kinds.add(AS_NEEDED)
    if is_triggered(low):
        kinds.add(TRIGGERED)
    if is_continuous(low):
        kinds.add(CONTINUOUS)
    warnings = reading.warnings
    validity = reading.validity
    if validity is not None:
        warnings.append(
            f"{quote(validity.description)} säger hur länge åtgärden gäller, inte hur ofta; "
            "det planerar inga datum, men inga datum läggs utanför de åren."
        )
        if not kinds:
            kinds.add(CONTINUOUS)  # it applies through those years: work, not dated meetings
    if not kinds and is_vague_recurring(low):
        kinds.add(CONTINUOUS)
        warnings.append(f"{quote(clean)} säger inte hur ofta; inga datum planeras.")
    if not kinds and is_through_the_year(low):
        kinds.add(CONTINUOUS)
    warnings.extend(occasion_warning(o) for o in named)
    if not kinds:
        if not named:
            warnings.append(
                f"Kunde inte tolka När: {quote(clean, whole=True)}; inga datum planeras."
            )
        else:
            warnings.append(
                f"Inget annat i {quote(clean, whole=True)} gick att läsa; inga datum planeras."
            )
        return Cadence(text, frozenset({UNSPECIFIED}), warnings=tuple(warnings), partial=False,
                       words=_words(clean, low, [], [(0, len(clean))]))  # fmt: skip
    for unread in reading.unread:
        warnings.append(f"Delvis tolkat: {quote(unread, whole=True)} kunde inte läsas.")
    warnings.extend(reading.set_aside)
    reading.reported.extend(o.span for o in named)
    used = [*reading.used, *_read_markers(clean, low)]
    unused = unused_runs(clean, low, [*used, *reading.reported], [(0, len(clean))])
    warnings.extend(
        f"Delvis tolkat: {quote(words, whole=True)} lästes inte och påverkar inte datumen."
        for words, _ in unused
    )
    quoted = [*reading.reported, *(span for _, span in unused)]
    return Cadence(
        text,
        frozenset(kinds),
        tuple(series),
        deadline,
        tuple(warnings),
        partial=bool(reading.unread or unused or named or reading.set_aside),
        words=_words(clean, low, used, quoted),
        valid_years=(validity.first, validity.last) if validity is not None else None,
    )


def _words(clean: str, low: str, used: list[Span], quoted: list[Span]) -> tuple[Word, ...]:
    """Every word of the text and its use: used by a reader, quoted by a warning (used first:
    a word both read and quoted, as in "Totalen 10 stämmer inte …", was read), or filler."""
    words = []
    by_use = ((USED, _merged(used)), (QUOTED, _merged(quoted)))
    for start, end in word_spans(low):
        use = next((u for u, spans in by_use if _touches((start, end), spans)), None)
        if use is None:
            # Grammar, who or what; in a reading that read nothing, its warning quotes it all.
            use = FILLER if is_filler(low[start:end]) else QUOTED
        words.append(Word(clean[start:end], use))
    return tuple(words)


def _merged(spans: list[Span]) -> list[Span]:
    """The spans sorted and joined where they overlap, for `_touches`."""
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _touches(span: Span, merged: list[Span]) -> bool:
    """Whether `span` overlaps one of the sorted, disjoint `merged` spans."""
    index = bisect_right(merged, (span[1], span[1])) - 1
    while index >= 0 and merged[index][1] > span[0]:
        if merged[index][0] < span[1]:
            return True
        index -= 1
    return False


def _in_its_sentence(spec: SeriesSpec, window: Window, low: str, reading: _Reading) -> SeriesSpec:
    """A series named by its months or seasons ("I mars och oktober kl 13", "på kvällen vår och
    höst") takes the weekday and time of its sentence."""
    start, end = next(
        ((a, b) for a, b in reading.sentences if a <= window.span[0] < b), (0, len(low))
    )
    reading.use(start, reader_spans(low[start:end]))
    return _with_days_and_times(spec, low[start:end])


def _outside_occasions(reading: _Reading) -> list[tuple[Window, bool]]:
    """The loose windows that are not part of an occasion: a year inside "under valrörelsen
    2026" is the occasion's, not a deadline of its own."""
    return [
        (window, marker)
        for window, marker in reading.loose_windows
        if not any(
            window.span[0] < o.span[1] and o.span[0] < window.span[1] for o in reading.occasions
        )
    ]


def _read_markers(clean: str, low: str) -> list[Span]:
    """Words read as markers, not by a series' reader: kinds, deadline and "från" words,
    meeting and task words, roles, restatements."""
    used = marker_spans(low) + window_marker_spans(low) + keyword_spans(low) + role_spans(clean)
    used += activity_spans(low)
    return used + [m.span() for m in _RESTATEMENT.finditer(low)]


def _labelled(series: list[SeriesSpec]) -> list[SeriesSpec]:
    """One series needs no label; several need one each, so unnamed ones get a plain name."""
    if len(series) == 1:
        return [series[0] if not series[0].label else replace(series[0], label="")]
    labelled = []
    for number, spec in enumerate(series, start=1):
        labelled.append(spec if spec.label else replace(spec, label=f"Serie {number}"))
    return labelled


def _from_loose_windows(
    loose: list[tuple[Window, bool]], low: str, reading: _Reading
) -> tuple[DeadlineSpec | None, list[SeriesSpec]]:
    """Time expressions outside any series: a list is a series, anything else a deadline.

    "I mars och oktober", "vecka 12 och 38", "12/3 och 8/10", "våren och hösten" name the dates
    of a series; "våren 2024", "senast vecka 40", "Q2" name when something is due. "Senast" makes
    even a list a deadline (its last item). Windows that end up in neither are left unused, so
    the reading quotes them.
    """
    if not loose:
        return None, []
    for index, (window, deadline_marker) in enumerate(loose):
        events = _event_list(loose, index)
        names = tuple(name for w in events for name in _period_names(w))
        if len(names) >= 2:
            # "Inför varje ny termin", "under alla lov", "inför sommaren och inför jul": once
            # in each, even after "inför".
            reading.used.extend(w.span for w in events)
            each = SeriesSpec(count=len(names), periods=names, summer="sommarlov" in names)
            return None, [_in_its_sentence(each, window, low, reading)]
        if deadline_marker:
            continue
        listed = _season_list(loose, index)
        if listed:
            reading.used.extend(w.span for w in listed)
            return None, [_in_its_sentence(_season_series(listed), window, low, reading)]
        spec = _listed_series(window, reading)
        if spec is not None:
            reading.used.append(window.span)
            return None, [_in_its_sentence(spec, window, low, reading)]
    window, marker = loose[-1]
    reading.used.append(window.span)
    for other, _ in loose[:-1]:
        # "Inför skolstarten i augusti": one time is the deadline, the other is said, not lost.
        reading.reported.append(other.span)
        reading.set_aside.append(
            f"Delvis tolkat: {quote(other.description, whole=True)} används inte; tidsfristen "
            f"följer {quote(window.description)}."
        )
    name = window.name or ""
    bare_season = name and not window.periods and not name.startswith("före")
    if bare_season and not marker and not window.from_marker:
        reading.warnings.append(
            f"{quote(window.description)} läses som en tidsfrist i slutet av "
            f'{SEASON_NAMES.get(name, name)}, men texten säger inte "senast" '
            'eller "klart"; skriv det, eller hur ofta, om något annat menas.'
        )
    return _deadline(window), []


def _listed_series(window: Window, reading: _Reading) -> SeriesSpec | None:
    """The series a list of months, weeks or dates names: once in each ("i mars och oktober"),
    or once in one of them ("i mars eller maj", said in a warning); None for no list."""
    if window.either and (window.months or window.dates or window.iso_weeks):
        reading.warnings.append(
            f"{quote(window.description)} anger alternativ; en gång planeras, inte en i varje."
        )
        return SeriesSpec(count=1, months=window.months, iso_weeks=window.iso_weeks[:1],
                          dates=window.dates[:1], year=window.year)  # fmt: skip
    if len(window.months) >= 2:
        return SeriesSpec(count=len(window.months), months=window.months, year=window.year)
    if len(window.iso_weeks) >= 2:
        return SeriesSpec(count=len(window.iso_weeks), iso_weeks=window.iso_weeks, year=window.year)
    if len(window.dates) >= 2:
        return SeriesSpec(count=len(window.dates), dates=window.dates, year=window.year)
    return None


def _event_list(loose: list[tuple[Window, bool]], index: int) -> list[Window]:
    """The school-period windows joined as a list from `index` on ("inför sommaren och inför
    jul"), whatever marker the sentence has; [] when the window there names none."""
    if not _period_names(loose[index][0]):
        return []
    listed = [loose[index][0]]
    for window, _ in loose[index + 1 :]:
        if not (window.joined and _period_names(window)):
            break
        listed.append(window)
    return listed


def _season_list(loose: list[tuple[Window, bool]], index: int) -> list[Window]:
    """ "Våren och hösten" from `index` on: two or more seasons joined as a list, else []."""
    listed = [loose[index][0]]
    for window, marker in loose[index + 1 :]:
        if not (window.joined and window.name) or marker:
            break
        listed.append(window)
    if len(listed) < 2 or not listed[0].name:
        return []
    return listed


def _season_series(listed: list[Window]) -> SeriesSpec:
    """Once in each season of a list: "vår och höst 2025" is two, one a season."""
    windows = tuple((w.start, w.end) for w in listed if not _period_names(w))
    periods = tuple(name for w in listed for name in _period_names(w))
    return SeriesSpec(
        count=len(listed),
        windows=windows,
        periods=periods,
        summer=any(w.name in SUMMER_PERIODS for w in listed),
        year=next((w.year for w in listed if w.year), None),
    )


def _deadline(window: Window) -> DeadlineSpec | None:
    period = window.name if window.name in POLICY_PERIODS or window.periods else None
    if period is not None and period.startswith(("efter:", "från:")):
        # "Efter sportlovet": something starts then, so it is due when it starts.
        return DeadlineSpec(window.start, window.start, window.year, window.description,
                            period=period, starts=True)  # fmt: skip
    if window.iso_weeks:
        week = window.iso_weeks[-1]
        return DeadlineSpec(MonthDay(1, 1), MonthDay(12, 31), window.year, window.description, week)
    if window.dates:
        day = window.dates[-1]
        return DeadlineSpec(day, day, window.year, window.description)
    if window.problems and window.start == MonthDay(1, 1) and window.end == MonthDay(12, 31):
        return None  # only an impossible date was named: its warning says so
    if window.from_marker:
        # "Från mars", "efter sommaren": something starts then, so it is due when it starts.
        return DeadlineSpec(
            window.start, window.start, window.year, window.description, starts=True
        )
    return DeadlineSpec(window.start, window.end, window.year, window.description, period=period)
