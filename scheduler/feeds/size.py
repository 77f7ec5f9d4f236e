"""A feed kept under the size calendar programs take. Pure.

Google Calendar drops events from a subscribed calendar of about 1 MB, and is reported to stop at
about 1,100 events, with no word to the subscriber (docs/calendar-clients.md). So a feed that
would be bigger, or hold more events, than its limits is trimmed in the way that costs its readers least: first every description is shortened
(the measure's action and När, the same in each of its occurrences, are left to the calendar's
page, which each entry links to), then the window: what is over goes first, then the farthest
future, until it fits. The calendar's description then says up to which day it reaches.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, time

from scheduler.base.swedish import MONTH_WORDS
from scheduler.base.time import STOCKHOLM
from scheduler.feeds.ical import FeedEvent, FeedHeader

Render = Callable[[FeedHeader, Sequence[FeedEvent]], bytes]


def fitted(
    header: FeedHeader,
    events: Sequence[FeedEvent],
    render: Render,
    *,
    limit: int,
    most: int,
    today: date,
    brief: Callable[[], Sequence[FeedEvent]],
) -> bytes:
    """The feed's bytes, at most `limit` long and with at most `most` events if it can be:
    `events` as they are, else `brief()` (the same events with shorter descriptions), else those
    of them from `today` on, as far ahead as fits."""
    body = render(header, events)
    if len(body) <= limit and len(events) <= most:
        return body
    if len(body) > limit:  # shorter descriptions make it smaller, not fewer
        events = brief()
        body = render(header, events)
        if len(body) <= limit and len(events) <= most:
            return body
    ordered = sorted(events, key=lambda e: (e.start, e.uid))
    midnight = datetime.combine(today, time(), tzinfo=STOCKHOLM)
    coming = [event for event in ordered if event.end > midnight]  # today's too

    def shown(count: int) -> bytes | None:
        """The first `count` coming events' feed, if it fits."""
        body = render(_reaching(header, coming[:count], today), coming[:count])
        return body if len(body) <= limit and count <= most else None

    fits, over = 0, len(coming) + 1  # shown(fits) fits (or is empty); shown(over) does not
    while over - fits > 1:
        middle = (fits + over) // 2
        if shown(middle) is None:
            over = middle
        else:
            fits = middle
    return shown(fits) or render(_reaching(header, [], today), [])


def _day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def _reaching(header: FeedHeader, events: Sequence[FeedEvent], today: date) -> FeedHeader:
    """The header, saying which days the calendar shows."""
    if not events:
        note = "Kalendern är för stor för att visas."
    else:
        last = _day(events[-1].start)
        note = f"Hela planen får inte plats: kalendern visar {_words(today)} till {_words(last)}."
    return replace(header, description=f"{header.description} {note}")


def _words(day: date) -> str:
    return f"{day.day} {MONTH_WORDS[day.month - 1]} {day.year}"
