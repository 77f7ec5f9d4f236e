"""Feeds written as text are byte for byte what icalendar writes for the same events."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.feeds.content import DateSpan, feed_events, feed_header
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
from tests.support.feeds_fixture import scheduled_plan

HEADER = FeedHeader(
    name="Åtgärdsplan: alla möten", description="Kungsholmen: alla möten, uppgifter; och mer",
    organizer_name="Kungsholmens stadsdelsförvaltning", organizer_email="trygghet@example.org",
    refresh=timedelta(hours=12),
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
    events = feed_events(schedule, scheduled.rows(), scope, now=now, window=DateSpan.year(2024),
                         keep_cancelled=timedelta(days=60), link=lambda m: f"http://x/feeds/t/#atgard-{m}")  # fmt: skip
    header = feed_header(schedule, scope, refresh=timedelta(hours=12), organizer_email="a@b.se")
    ordered = sorted(events, key=lambda i: (i.start, i.uid))
    assert len(ordered) > 50
    assert render_events(header, events) == _events_with_icalendar(header, ordered)
    tasks = [event for event in ordered if event.task]
    assert tasks and render_todos(header, tasks) == _todos_with_icalendar(header, tasks)


def test_recurring_events_as_text_are_what_icalendar_writes() -> None:
    local = datetime(2025, 3, 4, 8, 0, tzinfo=UTC)
    skipped = tuple(local + timedelta(weeks=n) for n in range(0, 12, 5))
    master = replace(BASE, uid="s1-serie@x", start=local, end=local + timedelta(minutes=90),
                     summary=TEXTS[3], description=TEXTS[2], location="Polishuset, plan 3; rum \\ 12")  # fmt: skip
    moved = replace(master, start=local + timedelta(weeks=1, hours=3), end=local + timedelta(weeks=1, hours=4),
                    recurrence_id=local + timedelta(weeks=1), sequence=7, description="Flyttat: lokalen")  # fmt: skip
    cancelled = replace(master, summary="INSTÄLLT: SSP", cancelled=True,
                        recurrence_id=local + timedelta(weeks=2), start=local + timedelta(weeks=2),
                        end=local + timedelta(weeks=2, minutes=90))  # fmt: skip
    day = replace(BASE, uid="s2-serie@x", start=local, end=local, all_day=True, task=True,
                  categories=("Område", "Uppgift"))  # fmt: skip
    series = [
        RecurringEvent(master, "FREQ=WEEKLY;BYDAY=TU;COUNT=12", skipped, (cancelled, moved)),
        RecurringEvent(day, "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2;INTERVAL=3;COUNT=4", skipped[:2],
                       (replace(day, start=local + timedelta(days=1), end=local + timedelta(days=1),
                                recurrence_id=local),)),
        RecurringEvent(replace(master, uid="s3-serie@x", url="http://x/#a"), "FREQ=DAILY;COUNT=1"),
    ]  # fmt: skip
    for header in HEADERS:
        assert render_recurring(header, series) == _recurring_with_icalendar(header, series)


def test_a_done_task_is_completed_in_the_todo_list_as_icalendar_writes_it() -> None:
    done = replace(BASE, uid="done@x", all_day=True, task=True, end=START,
                   completed=datetime(2024, 4, 2, 9, 30, tzinfo=UTC))  # fmt: skip
    cancelled_after = replace(done, uid="gone@x", cancelled=True)
    body = render_todos(HEADER, [done, cancelled_after])
    assert body == _todos_with_icalendar(HEADER, [done, cancelled_after])
    lines = body.decode().split("\r\n")
    assert (
        lines.count("COMPLETED:20240402T093000Z") == 1 and lines.count("PERCENT-COMPLETE:100") == 1
    )
    assert lines.count("STATUS:COMPLETED") == 1 and lines.count("STATUS:CANCELLED") == 1
