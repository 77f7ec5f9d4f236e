"""Feeds written as text are byte for byte what icalendar writes for the same events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.feeds.content import Window, feed_events, feed_header
from scheduler.feeds.content_lines import fold
from scheduler.feeds.ical import (
    FeedEvent,
    FeedHeader,
    RecurringEvent,
    _events_with_icalendar,
    _recurring_with_icalendar,
    _todos_with_icalendar,
    render_events,
    render_recurring,
    render_todos,
)
from scheduler.feeds.scopes import find_scope
from tests.feeds_fixture import scheduled_plan

HEADER = FeedHeader(
    name="Åtgärdsplan: alla möten", description="Kungsholmen: alla möten, uppgifter; och mer",
    organizer_name="Kungsholmens stadsdelsförvaltning", organizer_email="trygghet@example.org",
)  # fmt: skip
START = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)  # the night of the spring change
BASE = FeedEvent(
    uid="a800fa19@atgardsplan-scheduler", sequence=2, stamp=datetime(2024, 1, 8, 7, 0, 1, 500, tzinfo=UTC),
    created=datetime(2024, 1, 8, 7, tzinfo=UTC), start=START, end=START + timedelta(minutes=90),
    all_day=False, summary="SSP", description="Sammankallande: Polis", location=None, cancelled=False,
)  # fmt: skip

TEXTS = [
    "",
    "a, b; c \\ d",
    "rad ett\nrad två\r\nrad tre\rrad fyra \\N slut",
    "x" * 73 + "\\," + "y" * 200,
    "å" * 40 + "ä\\;" * 30,
    'Våld i nära relation/Barn – möte 🚓 med ^caret^ och "citat" ' * 4,
    "ö" * 36 + "\\" + "z" * 80,
    "e" + "\u0301" * 50 + "z" * 100,  # combining marks: characters of two bytes in a row
]


def _variants() -> list[FeedEvent]:
    events = []
    for i, text in enumerate(TEXTS):
        events.append(replace(BASE, uid=f"{i}@x", summary=text or "tom", description=text))
        events.append(
            replace(
                BASE,
                uid=f"{i}-loc@x",
                location=text or None,
                categories=(text or "Möte", "Uppgift, extra"),
            )
        )
        events.append(
            replace(
                BASE,
                uid=f"{i}-url@x",
                url=f"http://127.0.0.1:8000/feeds/{text[:5]}/#atgard-{i}"
                if text.isascii()
                else None,
            )
        )
    events.append(replace(BASE, uid="day@x", all_day=True, task=True, end=START))
    events.append(
        replace(BASE, uid="days@x", all_day=True, end=START + timedelta(days=3), cancelled=True)
    )
    events.append(replace(BASE, uid="cancel@x", cancelled=True, sequence=12))
    return events  # fmt: skip


HEADERS = [
    HEADER,
    replace(HEADER, organizer_name='Norr; Söder, Väst: "Öst"', refresh=timedelta(hours=36)),
    replace(HEADER, name="Rad ett\nrad två, med \\ och ;" + "x" * 80, refresh=timedelta(days=2)),
]


@pytest.mark.parametrize("header", HEADERS)
def test_events_and_todos_as_text_are_what_icalendar_writes(header: FeedHeader) -> None:
    events = sorted(_variants(), key=lambda i: (i.start, i.uid))
    assert render_events(header, events) == _events_with_icalendar(header, events)
    assert render_todos(header, events) == _todos_with_icalendar(header, events)


def test_a_long_line_folds_at_74_octets_and_unfolds_to_itself() -> None:
    line = ("Område: Otrygga och brottsutsatta platser, " * 5).encode()
    folded = fold(line)
    assert all(len(piece) <= 75 for piece in folded.split(b"\r\n"))
    assert folded.replace(b"\r\n ", b"") == line


def test_the_seed_plans_feed_is_what_icalendar_writes(tmp_path: Path) -> None:
    scheduled = scheduled_plan(tmp_path)
    schedule, now = scheduled.schedule(), datetime(2024, 2, 1, tzinfo=UTC)
    scope = find_scope(schedule, "plan")
    events = feed_events(schedule, scheduled.rows(), scope, now=now, window=Window.year(2024),
                         keep_cancelled=timedelta(days=60), link=lambda m: f"http://x/feeds/t/#atgard-{m}")  # fmt: skip
    header = feed_header(schedule, scope, refresh=timedelta(hours=12), organizer_email="a@b.se")
    ordered = sorted(events, key=lambda i: (i.start, i.uid))
    assert len(ordered) > 50
    assert render_events(header, events) == _events_with_icalendar(header, ordered)
    tasks = [event for event in ordered if event.task]
    assert tasks and render_todos(header, tasks) == _todos_with_icalendar(header, tasks)


def test_recurring_events_as_text_are_what_icalendar_writes() -> None:
    local = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
    moved = [local + timedelta(weeks=n, hours=n % 3) for n in range(12)]
    series = [
        RecurringEvent(uid="s1-serie@x", stamp=BASE.stamp, start=local, duration=timedelta(minutes=90),
                       all_day=False, rrule="FREQ=MONTHLY;BYMONTH=2,5,9,11;BYDAY=2TU", exdates=tuple(moved),
                       rdates=(local + timedelta(days=1),), summary=TEXTS[3], description=TEXTS[2],
                       location="Polishuset, plan 3; rum \\ 12"),
        RecurringEvent(uid="s2-serie@x", stamp=BASE.stamp, start=local, duration=timedelta(days=1),
                       all_day=True, rrule="FREQ=WEEKLY;COUNT=13;BYDAY=FR;BYMONTH=6,7,8", exdates=tuple(moved[:3]),
                       rdates=(), summary="Uppgift", description="", location=None),
        RecurringEvent(uid="s3-serie@x", stamp=BASE.stamp, start=local, duration=timedelta(hours=2),
                       all_day=False, rrule="FREQ=YEARLY", exdates=(), rdates=(), summary="Årsmöte",
                       description=TEXTS[4], location=None),
    ]  # fmt: skip
    for header in HEADERS:
        assert render_recurring(header, series) == _recurring_with_icalendar(header, series)
