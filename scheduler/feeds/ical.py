"""The one iCalendar writer. Pure: values in, bytes out, the same bytes for the same values.

Subscription feeds carry each occurrence as its own VEVENT (clients get RECURRENCE-ID overrides and
EXDATE wrong); tasks are all-day events because Google and Outlook ignore VTODO in subscriptions,
with a separate VTODO rendering for clients that show them. A series can also be written as one
recurring VEVENT (RRULE, EXDATE, RDATE) for importing a forum as a real recurring meeting.

Feeds and reminder attachments are METHOD:PUBLISH. The email that tells a convener about a moved or
cancelled meeting carries an iTIP message instead (RFC 5546): METHOD:REQUEST or METHOD:CANCEL, with
the convener as ATTENDEE, so a meeting they put in their own calendar follows (same UID, higher
SEQUENCE).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Todo, vCalAddress, vRecur

from scheduler.base.text import one_line
from scheduler.base.time import STOCKHOLM, TZID
from scheduler.feeds.timezone import stockholm_vtimezone

PRODID = "-//Atgardsplan scheduler//Atgardsplan//SV"
# The calendar's METHOD: a feed or a copy to keep (PUBLISH); an update of a meeting in someone's
# calendar, or its cancellation (iTIP REQUEST, CANCEL).
PUBLISH, REQUEST, CANCEL = "PUBLISH", "REQUEST", "CANCEL"


@dataclass(frozen=True)
class FeedHeader:
    name: str  # calendar name shown in the client
    description: str
    organizer_name: str  # the organisation: iTIP PUBLISH wants an ORGANIZER on every component
    organizer_email: str
    refresh: timedelta = timedelta(hours=12)
    method: str = PUBLISH


@dataclass(frozen=True)
class Attendee:
    """Someone an iTIP message is for (the convener, who chairs the meeting)."""

    email: str
    name: str


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    sequence: int
    stamp: datetime  # the last change: DTSTAMP and LAST-MODIFIED, never the request time
    created: datetime
    start: datetime
    end: datetime
    all_day: bool
    summary: str
    description: str
    location: str | None
    cancelled: bool
    categories: tuple[str, ...] = ()
    url: str | None = None
    task: bool = False  # work with a due date rather than a meeting
    attendees: tuple[Attendee, ...] = ()  # only in iTIP messages: feeds name roles, not people


@dataclass(frozen=True)
class RecurringEvent:
    """One series as a single recurring VEVENT."""

    uid: str
    stamp: datetime
    start: datetime  # first occurrence of the rule
    duration: timedelta
    all_day: bool
    rrule: str  # without "RRULE:"
    exdates: tuple[datetime, ...]
    rdates: tuple[datetime, ...]
    summary: str
    description: str
    location: str | None


def _calendar(header: FeedHeader) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", header.method)
    if header.method != PUBLISH:
        # An iTIP message is one entry for the recipient's own calendar, not a calendar to
        # subscribe to: no name, no refresh (a client could offer it as a calendar of its own).
        calendar.add_component(stockholm_vtimezone())
        return calendar
    # A title may hold a line break (workbook cells do); calendar-level names must be one line.
    name, description = one_line(header.name), one_line(header.description)
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("x-wr-caldesc", description)
    calendar.add("description", description)
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", header.refresh, parameters={"VALUE": "DURATION"})
    # Outlook reads X-PUBLISHED-TTL as an RFC 5545 duration ("PT12H"); icalendar would write
    # an unknown property's timedelta as "12:00:00".
    calendar.add("x-published-ttl", _duration(header.refresh))
    calendar.add_component(stockholm_vtimezone())
    return calendar


def _duration(span: timedelta) -> str:
    """An RFC 5545 duration ("PT12H") for a property icalendar does not know the type of."""
    seconds = int(span.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    text = "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
    return text if text != "P" else "PT0S"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _local(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def _day(moment: datetime) -> date:
    return _local(moment).date()


def _organizer(component: Event | Todo, header: FeedHeader) -> None:
    organizer = vCalAddress(f"mailto:{header.organizer_email}")
    organizer.params["CN"] = header.organizer_name
    component.add("organizer", organizer)


def _common(component: Event | Todo, item: FeedEvent, header: FeedHeader) -> None:
    _organizer(component, header)
    component.add("uid", item.uid)
    component.add("dtstamp", _utc(item.stamp))
    component.add("created", _utc(item.created))
    component.add("last-modified", _utc(item.stamp))
    component.add("sequence", item.sequence)
    for attendee in item.attendees:
        address = vCalAddress(f"mailto:{attendee.email}")
        # The convener chairs the meeting; no reply is asked for (RSVP=FALSE): the message
        # only keeps their calendar in step.
        address.params.update({"CN": one_line(attendee.name), "ROLE": "CHAIR", "RSVP": "FALSE"})
        component.add("attendee", address)
    component.add("summary", item.summary)
    component.add("description", item.description)
    if item.location:
        component.add("location", item.location)
    if item.categories:
        component.add("categories", list(item.categories))
    if item.url:
        component.add("url", item.url)


def render_events(header: FeedHeader, items: Sequence[FeedEvent]) -> bytes:
    calendar = _calendar(header)
    for item in sorted(items, key=lambda i: (i.start, i.uid)):
        event = Event()
        _common(event, item, header)
        if item.all_day:
            first = _day(item.start)
            event.add("dtstart", first)
            event.add("dtend", max(_day(item.end), first + timedelta(days=1)))
            event.add("transp", "TRANSPARENT")
        else:
            event.add("dtstart", _local(item.start))
            event.add("dtend", _local(item.end))
            event.add("transp", "OPAQUE")
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def render_todos(header: FeedHeader, items: Sequence[FeedEvent]) -> bytes:
    """Tasks as VTODO, for clients that show them (Thunderbird, Apple Reminders via CalDAV)."""
    calendar = _calendar(header)
    for item in sorted(items, key=lambda i: (i.start, i.uid)):
        todo = Todo()
        _common(todo, item, header)
        due = _day(item.start) if item.all_day else _local(item.start)
        todo.add("dtstart", due)  # PUBLISH requires DTSTART and PRIORITY on a VTODO
        todo.add("due", due)
        todo.add("priority", 0)
        todo.add("status", "CANCELLED" if item.cancelled else "NEEDS-ACTION")
        calendar.add_component(todo)
    return bytes(calendar.to_ical())


def render_recurring(header: FeedHeader, series: Sequence[RecurringEvent]) -> bytes:
    calendar = _calendar(header)
    for item in series:
        event = Event()
        _organizer(event, header)
        event.add("uid", item.uid)
        event.add("dtstamp", _utc(item.stamp))
        event.add("summary", item.summary)
        event.add("description", item.description)
        if item.location:
            event.add("location", item.location)
        if item.all_day:
            event.add("dtstart", _day(item.start))
            event.add("duration", timedelta(days=1))
        else:
            event.add("dtstart", _local(item.start))
            event.add("duration", item.duration)
        event.add("rrule", vRecur.from_ical(item.rrule))
        for name, moments in (("exdate", item.exdates), ("rdate", item.rdates)):
            if moments:
                values = [_day(m) if item.all_day else _local(m) for m in moments]
                event.add(name, values)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
