"""Nothing dropped in silence (issue 23): every word of a När is used by the reading, quoted by a
warning, or a word an honest reading may leave (grammar, who, what); a word that narrows time is
never one of those. Walked over every phrase of the test sets, and over texts generated from the
vocabulary; and what a used word says is in the reading: a bound, a day, an alternative.
"""

from __future__ import annotations

import re
from typing import Final

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.base.swedish import MONTH_NAMES, WEEKDAY_CODES, WEEKDAY_NAMES
from scheduler.cadence import CalendarPolicy, parse_when, place_cadence
from scheduler.cadence.activity import ACTIVITY_NOUNS
from scheduler.cadence.describe import unused_phrases
from scheduler.cadence.model import FILLER, QUOTED, UNSPECIFIED, USED, Cadence
from scheduler.cadence.periods import resolve_periods
from scheduler.cadence.text import normalise
from scheduler.cadence.vocabulary import (
    DAY_SETS,
    MONTH_ABBREVIATIONS,
    MONTH_NUMBERS,
    MONTH_PARTS,
    NUMBER_WORDS,
    ORDINAL_WORDS,
    SCHOOL_EVENTS,
    SEASON_FORMS,
    TIMES_OF_DAY,
    UNIT_ADVERBS,
    UNIT_WORDS,
)
from scheduler.settings.model import Calendar
from tests.test_cadence_corpus import ROWS as GOLDEN_ROWS
from tests.test_cadence_corpus_municipal import ROWS as MUNICIPAL_ROWS
from tests.test_cadence_seed import ROWS as SEED_ROWS

POLICY: Final = CalendarPolicy.from_section(Calendar())
_WORD: Final = re.compile(r"[^\W_]+(?:[-:/.][^\W_]+)*-?")

# The words that narrow time: months, weekdays, numbers, ordinals, units, seasons and school
# periods, parts of the day and of a month, sets of days, and the words that bound or except.
# None of them may be left as filler. ("En" and "ett" are articles as often as counts, and
# "eller" and "alternativt" join other things than counts: alternatives are checked by what the
# reading says, below.)
_NOT_ALONE: Final = frozenset({"i", "alla", "varje", "en", "ett"})
TIME_WORDS: Final = frozenset(
    {
        *MONTH_NUMBERS, *MONTH_ABBREVIATIONS, *WEEKDAY_NAMES.values(),
        *(f"{day}ar" for day in WEEKDAY_NAMES.values()), *NUMBER_WORDS, *ORDINAL_WORDS,
        *UNIT_WORDS, *UNIT_ADVERBS, *SEASON_FORMS, *TIMES_OF_DAY,
        *(word for phrase in DAY_SETS for word in phrase.split()),
        *(word for part in MONTH_PARTS for word in part.split()),
        *(word for event in SCHOOL_EVENTS for word in event.split()),
        "vecka", "veckan", "veckorna", "utom", "förutom", "tidigast", "senast", "gäller",
    }
    - _NOT_ALONE
)  # fmt: skip
# Two counts offered as alternatives: "sex alternativt åtta gånger", "4 eller 6 ggr per år".
_NUMBER_WORD: Final = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_ALTERNATIVE_COUNTS: Final = re.compile(
    rf"(?<!\w)(?:\d+|{_NUMBER_WORD})\s+(?:eller|alternativt)\s+(?:\d+|{_NUMBER_WORD})(?!\w)"
)


def phrases_of_the_test_sets() -> list[str]:
    """Every När of the test sets: the golden corpus, the municipal set and the seed plan."""
    return list(
        dict.fromkeys([r.text for r in GOLDEN_ROWS + MUNICIPAL_ROWS] + [r.when for r in SEED_ROWS])
    )


def assert_every_word_used_or_quoted(cadence: Cadence) -> None:
    """Each word of the text has a use; a quoted word is in a warning; no word that narrows
    time is left as filler; a reading that quotes words it did not use is partial."""
    clean = normalise(cadence.text)[:600]
    assert [w.text for w in cadence.words] == _WORD.findall(clean), cadence.text
    for word in cadence.words:
        assert word.use in (USED, QUOTED, FILLER), word
        if word.use == QUOTED:
            assert any(word.text in warning for warning in cadence.warnings), (word, cadence)
        if word.use == FILLER:
            assert word.text.lower() not in TIME_WORDS, (word, cadence.text)
            assert not any(c.isdigit() for c in word.text), (word, cadence.text)
    quoted = [w for w in cadence.words if w.use == QUOTED]
    if quoted and cadence.kind != UNSPECIFIED:
        assert cadence.partial or all(_in_problem(w.text, cadence) for w in quoted), cadence


def _in_problem(word: str, cadence: Cadence) -> bool:
    """Quoted by a warning about something named but impossible ("31/2", "Antalet 0"), which
    plans nothing for it: said, though the rest was read whole."""
    return any(word in w and ("finns inte" in w or "Antalet 0" in w) for w in cadence.warnings)


@pytest.mark.parametrize("text", phrases_of_the_test_sets(), ids=lambda t: t[:40])
def test_every_word_of_a_test_phrase_is_used_or_quoted(text: str) -> None:
    assert_every_word_used_or_quoted(parse_when(text))


def test_the_unused_words_are_the_runs_the_warnings_quote() -> None:
    cadence = parse_when("Varje fredag under sommarlovet om vädret tillåter")
    assert unused_phrases(cadence) == ["vädret tillåter"]
    assert any('"vädret tillåter"' in w for w in cadence.warnings)
    assert unused_phrases(parse_when("Torsdags- och fredagskvällar under hösten")) == []


# Texts built from the vocabulary: a frequency, with bounds, days, times, alternatives,
# exceptions and conditions around it, and a word no table knows.
_MONTH = st.sampled_from([MONTH_NAMES[m] for m in range(1, 13)])
_DAY = st.sampled_from([WEEKDAY_NAMES[c] for c in WEEKDAY_CODES])
_NUMBER = st.sampled_from(["två", "tre", "fyra", "sex", "åtta", "tio", "2", "4", "6", "12"])
_NOUN = st.sampled_from(["gånger", "ggr", "träffar", *sorted(ACTIVITY_NOUNS)[::7]])
_UNIT = st.sampled_from(["år", "året", "termin", "månad", "månaden", "kvartal", "vecka", "läsår"])


@st.composite
def _frequency(draw: st.DrawFn) -> str:
    number, noun = draw(_NUMBER), draw(_NOUN)
    shape = draw(st.integers(0, 6))
    if shape == 0:
        return f"{number} {noun} per {draw(_UNIT)}"
    if shape == 1:
        return f"{number} {noun}"
    if shape == 2:
        return f"{number} eller {draw(_NUMBER)} {noun} per {draw(_UNIT)}"
    if shape == 3:
        return f"{number} alternativt {draw(_NUMBER)} gånger"
    if shape == 4:
        return draw(st.sampled_from(["varje vecka", "varannan vecka", "månadsvis", "dagligen",
                                     "årligen", "kvartalsvis", "en gång om året"]))  # fmt: skip
    if shape == 5:
        return f"{number}–{draw(_NUMBER)} gånger per {draw(_UNIT)}"
    return f"{draw(_DAY)}ar"


@st.composite
def _bound(draw: st.DrawFn) -> str:
    month, other = draw(_MONTH), draw(_MONTH)
    return draw(
        st.sampled_from(
            [
                f"från {month} till mitten av {other}",
                f"från {month} till {other}",
                f"mellan {draw(st.integers(1, 28))}/{draw(st.integers(1, 12))} och "
                f"{draw(st.integers(1, 28))}/{draw(st.integers(1, 12))}",
                f"sista veckan i {month}",
                f"de två första veckorna i {month}",
                f"i början av {month}",
                f"under första halvan av {month}",
                f"vecka {draw(st.integers(1, 30))}–{draw(st.integers(31, 52))}",
                f"i {month} eller {other}",
                f"utom {month}",
                f"tidigast i {month}",
                "under sommarlovet", "under alla lov", "inför sommarlovet", "efter sportlovet",
                "inför varje ny termin", "efter varje skolavslutning", "under hösten",
                "utom under loven", "gäller 2024–2026", "inför valet",
            ]
        )
    )  # fmt: skip


@st.composite
def _days(draw: st.DrawFn) -> str:
    first, second = draw(_DAY), draw(_DAY)
    return draw(
        st.sampled_from(
            [
                f"{first}ar", f"{first}skvällar", f"{first}s- och {second}skvällar", "helger",
                "vardagar", "alla dagar i veckan", "helgkvällar", f"{first}ar och {second}ar",
                "på kvällen", "kl 18", "vardagskvällar",
            ]
        )
    )  # fmt: skip


_CONDITION = st.sampled_from(
    ["om vädret tillåter", "beroende på läget", "när ledningen bestämmer", "i stadsdelshuset",
     "vid behov", "plingeliplong"]
)  # fmt: skip


@st.composite
def _sentence(draw: st.DrawFn) -> str:
    parts = [draw(_frequency())]
    parts += draw(st.lists(st.one_of(_bound(), _days(), _CONDITION), min_size=1, max_size=2))
    order = draw(st.permutations(parts))
    return draw(st.sampled_from([", ", " "])).join(order)


@st.composite
def _text(draw: st.DrawFn) -> str:
    """One sentence, or two (two series, or a series and more words), sometimes named."""
    sentences = draw(st.lists(_sentence(), min_size=1, max_size=2))
    name = draw(st.sampled_from(["", "", "Styrgruppen ", "Nattvandring "]))
    return name + draw(st.sampled_from([". ", " och ", "; "])).join(sentences)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_text())
def test_no_generated_text_leaves_a_time_word_neither_used_nor_quoted(text: str) -> None:
    cadence = parse_when(text)
    assert_every_word_used_or_quoted(cadence)
    _check_what_is_used_is_in_the_reading(cadence)


def _check_what_is_used_is_in_the_reading(cadence: Cadence) -> None:
    """A used weekday is a day of a series (or a warning names it); a used month is inside a
    series' months, windows or exceptions, or the deadline (or a warning names it); counts
    offered as alternatives are said to be alternatives (or quoted)."""
    resolved = resolve_periods(cadence, year=2025, policy=POLICY)
    schedule = place_cadence(cadence, year=2025, policy=POLICY)
    said = " ".join(schedule.warnings).lower()
    offered = _ALTERNATIVE_COUNTS.search(cadence.text.lower())
    if offered is not None:
        assert "anger alternativ" in said or offered.group() in said, cadence.text
    days = {code for spec in resolved.series for code in spec.weekdays}
    months = _months_of(resolved)
    for word in cadence.words:
        low = word.text.lower()
        if word.use != USED:
            continue
        day = next((c for c, n in WEEKDAY_NAMES.items() if low.startswith(n)), None)
        if day is not None and resolved.series:
            assert day in days or WEEKDAY_NAMES[day] in said, (word, cadence.text, days)
        month = MONTH_NUMBERS.get(low)
        if month is not None and (resolved.series or resolved.deadline):
            assert month in months or low in said, (word, cadence.text, sorted(months))


def _months_of(cadence: Cadence) -> set[int]:
    found: set[int] = set()
    for spec in cadence.series:
        found.update(spec.months, spec.excluded_months, (d.month for d in spec.dates))
        for start, end in spec.windows:
            found.update(_span(start.month, end.month))
    if cadence.deadline is not None:
        found.update(_span(cadence.deadline.start.month, cadence.deadline.end.month))
    return found


def _span(first: int, last: int) -> list[int]:
    return (
        list(range(first, last + 1)) if first <= last else [*range(first, 13), *range(1, last + 1)]
    )
