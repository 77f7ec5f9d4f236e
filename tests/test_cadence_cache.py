"""The cadence caches (issue 14): a När reading and a placement are computed once per text,
year, policy and what the title says, and shared; a shared value can be changed by nobody, and
a cached placement is the one a fresh computation gives, whatever was placed before it."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields, is_dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from scheduler.base import caches
from scheduler.cadence import CalendarPolicy, parse_when, place_cadence
from scheduler.model.plan import PolicyOverrides
from scheduler.settings.model import Calendar

CORPUS = Path(__file__).with_name("cadence_corpus.tsv")
POLICY = CalendarPolicy.from_section(Calendar())
# Titles that change how a När is placed: a school forum follows the terms, a walk has its own
# weekday and time, a newsletter is a task; and two that change nothing.
TITLES = ("", "SSP", "Trygghetsvandring i centrum", "Nyhetsbrev", "Styrgrupp", "Åtgärd 12")
_LEAVES = (str, int, float, bool, type(None), date, datetime, time, timedelta, bytes)


def corpus_phrases() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [line.split("\t", 1)[0] for line in lines if line.strip() and not line.startswith("#")]


def clear_caches() -> None:
    caches.clear_all()


def mutable_parts(value: object, where: str = "value") -> list[str]:
    """Where in `value` something could be changed in place: a list, dict, set or an unfrozen
    object anywhere inside."""
    if isinstance(value, _LEAVES):
        return []
    if is_dataclass(value) and not isinstance(value, type):
        own = [] if value.__dataclass_params__.frozen else [where]  # type: ignore[attr-defined]
        return own + [part for f in fields(value)
                      for part in mutable_parts(getattr(value, f.name), f"{where}.{f.name}")]  # fmt: skip
    if isinstance(value, tuple | frozenset):
        return [part for i, item in enumerate(value) for part in mutable_parts(item, f"{where}[{i}]")]  # fmt: skip
    return [f"{where} ({type(value).__name__})"]


def test_a_cached_reading_is_shared_and_nothing_in_it_can_be_changed() -> None:
    for text in corpus_phrases():
        reading = parse_when(text)
        assert parse_when(text) is reading  # cached: the second caller gets the same value
        assert mutable_parts(reading) == [], text
        assert mutable_parts(place_cadence(reading, year=2025, policy=POLICY)) == [], text


def test_changing_a_cached_placement_is_refused() -> None:
    schedule = place_cadence(parse_when("4 ggr/år"), year=2025, policy=POLICY)
    again = place_cadence(parse_when("4 ggr/år"), year=2025, policy=POLICY)
    assert again is schedule
    with pytest.raises(FrozenInstanceError):
        schedule.series[0].occurrences[0].start = datetime(2025, 1, 1)  # type: ignore[misc]
    with pytest.raises(AttributeError):
        schedule.series.append(schedule.series[0])  # type: ignore[attr-defined]


@pytest.mark.parametrize("title", TITLES)
def test_a_placement_after_other_titles_were_placed_is_the_one_a_fresh_cache_gives(
    title: str,
) -> None:
    """The cache is keyed by what the title and action say, not by their text: a key that left
    out something they decide would hand one measure another's placement."""
    phrases = corpus_phrases()[::8]
    settings = PolicyOverrides()
    fresh = {}
    for text in phrases:
        clear_caches()
        fresh[text] = place_cadence(parse_when(text), year=2025, policy=POLICY, settings=settings,
                            title=title, action="Möten med polisen")  # fmt: skip
    clear_caches()
    for other in TITLES:  # every other title placed first, into the same cache
        for text in phrases:
            place_cadence(parse_when(text), year=2025, policy=POLICY, settings=settings, title=other,
                  action="Möten med polisen")  # fmt: skip
    for text in phrases:
        placed = place_cadence(parse_when(text), year=2025, policy=POLICY, settings=settings, title=title,
                       action="Möten med polisen")  # fmt: skip
        assert placed == fresh[text], (title, text)


def test_titles_that_place_differently_are_not_given_one_placement() -> None:
    """What the test above protects: these titles do change where "Varje vecka" goes."""
    reading = parse_when("Varje vecka")
    placed = {
        title: place_cadence(reading, year=2025, policy=POLICY, title=title) for title in TITLES
    }
    assert placed["SSP"] != placed["Styrgrupp"]  # a school forum keeps to the terms
    assert placed["Trygghetsvandring i centrum"] != placed["Styrgrupp"]  # its own time
    assert placed["Nyhetsbrev"] != placed["Styrgrupp"]  # a task, not a meeting
    assert placed["Åtgärd 12"] == placed["Styrgrupp"] == placed[""]
