"""The one iCalendar writer. Pure: values in, bytes out, the same bytes for the same values.

Subscription feeds carry each occurrence as its own VEVENT (clients get RECURRENCE-ID overrides and
EXDATE wrong); tasks are all-day events because Google and Outlook ignore VTODO in subscriptions,
with a separate VTODO rendering for clients that show them (a done task COMPLETED). A series can
also be written as recurring VEVENTs for importing a forum as a real recurring meeting: each a
rule Outlook can hold (scheduler/feeds/outlook_rules.py), one EXDATE per line, and every
occurrence that differs from the rule an override (same UID, RECURRENCE-ID); never RDATE.

A cancelled occurrence is STATUS:CANCELLED and TRANSP:TRANSPARENT: Outlook ignores STATUS, so
only TRANSP frees the time (and only the title, "INSTÄLLT: …", says why).

Feeds and reminder attachments are METHOD:PUBLISH. The email that tells a convener about a moved or
cancelled meeting carries an iTIP message instead (RFC 5546): METHOD:REQUEST or METHOD:CANCEL, with
the convener as ATTENDEE, so a meeting they put in their own calendar follows (same UID, higher
SEQUENCE).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event, Todo, vCalAddress, vDuration, vRecur

from scheduler.base.caches import memo, memoised
from scheduler.base.text import one_line
from scheduler.base.time import STOCKHOLM, TZID
from scheduler.feeds.content_lines import (
    categories_line,
    date_line,
    local_line,
    raw_line,
    text_line,
    utc_line,
)
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
    refresh: timedelta  # feeds.refresh_hours (scheduler.settings.model.Feeds)
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
    # An override of a recurring event: the start the rule gave the occurrence it replaces.
    recurrence_id: datetime | None = None
    completed: datetime | None = None  # a task done: when (a VTODO's COMPLETED)


@dataclass(frozen=True)
class RecurringEvent:
    """One series as a recurring VEVENT: `master` is its first occurrence as the rule places it,
    repeated by `rrule` (without "RRULE:") except on `exdates`; each of `overrides` is an
    occurrence as it really is (its UID the master's, its `recurrence_id` the rule's start)."""

    master: FeedEvent
    rrule: str
    exdates: tuple[datetime, ...] = ()
    overrides: tuple[FeedEvent, ...] = ()


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
    return _rendered(header, items, _event_text, _events_with_icalendar)


def render_todos(header: FeedHeader, items: Sequence[FeedEvent]) -> bytes:
    """Tasks as VTODO, for clients that show them (Thunderbird, Apple Reminders via CalDAV)."""
    return _rendered(header, items, _todo_text, _todos_with_icalendar)


def _rendered(
    header: FeedHeader,
    items: Sequence[FeedEvent],
    as_text: Callable[[FeedEvent, bytes], bytes],
    with_icalendar: Callable[[FeedHeader, Sequence[FeedEvent]], bytes],
) -> bytes:
    """A feed is written as text; an iTIP message (its own method, attendees) by icalendar."""
    ordered = sorted(items, key=lambda i: (i.start, i.uid))
    if header.method != PUBLISH or any(item.attendees for item in ordered):
        return with_icalendar(header, ordered)
    organizer = _organizer_line(header.organizer_name, header.organizer_email)
    return _assembled(header, [as_text(item, organizer) for item in ordered])


# -- feeds: each event written once as text (scheduler/feeds/content_lines.py) ----------------
# The VTIMEZONE and the ORGANIZER line are the same for every event of a feed and for many feeds:
# icalendar writes them, once each. An event's text depends only on the event and its organiser,
# and one event is in several feeds (the plan, its area, its measure, its roles), so the text of
# recent events is kept (scheduler/base/caches.py: what each saves).
_END = b"END:VCALENDAR\r\n"


def _calendar_start(header: FeedHeader) -> bytes:
    """Everything before a PUBLISH feed's first event, in icalendar's order: the canonical
    properties first, then the others by name, then the VTIMEZONE."""
    name, description = one_line(header.name), one_line(header.description)
    lines = [
        b"BEGIN:VCALENDAR", b"VERSION:2.0", text_line("PRODID", PRODID), b"CALSCALE:GREGORIAN",
        text_line("METHOD", header.method), text_line("DESCRIPTION", description),
        raw_line("X-WR-CALDESC", description), raw_line("NAME", name),
        raw_line("X-WR-CALNAME", name),
        b"REFRESH-INTERVAL;VALUE=DURATION:" + _duration_value(header.refresh),
        raw_line("X-PUBLISHED-TTL", _duration(header.refresh)), raw_line("X-WR-TIMEZONE", TZID),
    ]  # fmt: skip
    # icalendar writes NAME and the X- properties as it got them (no TEXT escaping): kept so.
    return b"\r\n".join(lines) + b"\r\n" + _vtimezone()


@memo("feeds.vtimezone")
def _vtimezone() -> bytes:
    return bytes(stockholm_vtimezone().to_ical())


def _assembled(header: FeedHeader, components: list[bytes]) -> bytes:
    return b"".join([_calendar_start(header), *components, _END])


@memo("feeds.organizer_line")
def _organizer_line(name: str, email: str) -> bytes:
    event = Event()
    # Only the organiser is read from this header.
    only = FeedHeader(name="", description="", organizer_name=name, organizer_email=email,
                      refresh=timedelta())  # fmt: skip
    _organizer(event, only)
    lines = bytes(event.to_ical()).split(b"\r\n")
    return b"\r\n".join(lines[1:-2])  # between BEGIN:VEVENT and END:VEVENT


# Lines that repeat from event to event are written once each: a measure's description and title
# (the same in each of its occurrences), the times of an import (every row it added has them), an
# area's categories, a location. An export writes tens of thousands of events, and without these
# a feed's first render costs ten times as much (BENCHMARKS.md, "Issue 24: public APIs only").
_text = memoised("feeds.text_line", text_line)
_utc_text = memoised("feeds.utc_line", utc_line)
_categories = memoised("feeds.categories_line", categories_line)


def _optional(item: FeedEvent) -> dict[str, bytes]:
    """The properties an event may lack, by name."""
    lines = {}
    if item.categories:
        lines["CATEGORIES"] = _categories(item.categories)
    if item.location:
        lines["LOCATION"] = _text("LOCATION", item.location)
    if item.url:
        lines["URL"] = raw_line("URL", item.url)
    return lines


@memo("feeds.event_text")
def _event_text(item: FeedEvent, organizer: bytes) -> bytes:
    return _vevent_text(item, organizer)


def _vevent_text(item: FeedEvent, organizer: bytes, recurrence: tuple[bytes, ...] = ()) -> bytes:
    """A VEVENT; `recurrence`: a recurring event's RRULE and EXDATE lines."""
    # icalendar's order: SUMMARY, DTSTART, DTEND, DTSTAMP, UID, RECURRENCE-ID, SEQUENCE, RRULE,
    # EXDATE, then by name.
    optional = _optional(item)
    if item.all_day:
        first = _day(item.start)
        start = date_line("DTSTART", first)
        end = date_line("DTEND", max(_day(item.end), first + timedelta(days=1)))
    else:
        start, end = local_line("DTSTART", item.start), local_line("DTEND", item.end)
    parts = [
        b"BEGIN:VEVENT", _text("SUMMARY", item.summary), start, end,
        _utc_text("DTSTAMP", item.stamp), text_line("UID", item.uid),
        None if item.recurrence_id is None else _moment_line("RECURRENCE-ID", item.recurrence_id, item.all_day),
        raw_line("SEQUENCE", str(item.sequence)), *recurrence, optional.get("CATEGORIES"),
        _utc_text("CREATED", item.created), _text("DESCRIPTION", item.description),
        _utc_text("LAST-MODIFIED", item.stamp), optional.get("LOCATION"), organizer,
        b"STATUS:CANCELLED" if item.cancelled else b"STATUS:CONFIRMED",
        b"TRANSP:TRANSPARENT" if item.all_day or item.cancelled else b"TRANSP:OPAQUE",
        optional.get("URL"), b"END:VEVENT",
    ]  # fmt: skip
    return b"\r\n".join(part for part in parts if part is not None) + b"\r\n"


def _moment_line(name: str, moment: datetime, all_day: bool) -> bytes:
    """A local time, or the local day of an all-day event."""
    return date_line(name, _day(moment)) if all_day else local_line(name, moment)


def _todo_status(item: FeedEvent) -> str:
    if item.cancelled:
        return "CANCELLED"
    return "NEEDS-ACTION" if item.completed is None else "COMPLETED"


@memo("feeds.todo_text")
def _todo_text(item: FeedEvent, organizer: bytes) -> bytes:
    # A VTODO's properties come in alphabetical order.
    optional = _optional(item)
    if item.all_day:
        start = date_line("DTSTART", _day(item.start))
        due = date_line("DUE", _day(item.start))
    else:
        start, due = local_line("DTSTART", item.start), local_line("DUE", item.start)
    done = item.completed is not None and not item.cancelled
    parts = [
        b"BEGIN:VTODO", optional.get("CATEGORIES"),
        _utc_text("COMPLETED", item.completed) if done and item.completed else None,
        _utc_text("CREATED", item.created), _text("DESCRIPTION", item.description),
        _utc_text("DTSTAMP", item.stamp), start, due, _utc_text("LAST-MODIFIED", item.stamp),
        optional.get("LOCATION"), organizer, b"PERCENT-COMPLETE:100" if done else None,
        b"PRIORITY:0", raw_line("SEQUENCE", str(item.sequence)),
        raw_line("STATUS", _todo_status(item)), _text("SUMMARY", item.summary),
        text_line("UID", item.uid), optional.get("URL"), b"END:VTODO",
    ]  # fmt: skip
    return b"\r\n".join(part for part in parts if part is not None) + b"\r\n"


# -- iTIP messages (and the reference the text above is held to): icalendar components -------
def _events_with_icalendar(header: FeedHeader, items: Sequence[FeedEvent]) -> bytes:
    calendar = _calendar(header)
    for item in items:
        calendar.add_component(_event(item, header))
    return bytes(calendar.to_ical())


def _event(item: FeedEvent, header: FeedHeader) -> Event:
    event = Event()
    _common(event, item, header)
    if item.all_day:
        first = _day(item.start)
        event.add("dtstart", first)
        event.add("dtend", max(_day(item.end), first + timedelta(days=1)))
    else:
        event.add("dtstart", _local(item.start))
        event.add("dtend", _local(item.end))
    if item.recurrence_id is not None:
        moment = item.recurrence_id
        event.add("recurrence-id", _day(moment) if item.all_day else _local(moment))
    event.add("transp", "TRANSPARENT" if item.all_day or item.cancelled else "OPAQUE")
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    return event


def _todos_with_icalendar(header: FeedHeader, items: Sequence[FeedEvent]) -> bytes:
    calendar = _calendar(header)
    for item in items:
        todo = Todo()
        _common(todo, item, header)
        due = _day(item.start) if item.all_day else _local(item.start)
        todo.add("dtstart", due)  # PUBLISH requires DTSTART and PRIORITY on a VTODO
        todo.add("due", due)
        todo.add("priority", 0)
        todo.add("status", _todo_status(item))
        if item.completed is not None and not item.cancelled:
            todo.add("completed", _utc(item.completed))
            todo.add("percent-complete", 100)
        calendar.add_component(todo)
    return bytes(calendar.to_ical())


def render_recurring(header: FeedHeader, series: Sequence[RecurringEvent]) -> bytes:
    """Each series' master, then its overrides in the order of their RECURRENCE-IDs."""
    organizer = _organizer_line(header.organizer_name, header.organizer_email)
    components = []
    for item in series:
        components.append(_recurring_text(item, organizer))
        components += [_vevent_text(o, organizer) for o in _in_order(item.overrides)]
    return _assembled(header, components)


def _in_order(overrides: tuple[FeedEvent, ...]) -> list[FeedEvent]:
    return sorted(overrides, key=lambda o: (o.recurrence_id or o.start, o.uid))


def _rule(rrule: str) -> bytes:
    """icalendar's RRULE value: its parts in its own order (FREQ, COUNT, BYDAY, BYMONTH …)."""
    return bytes(vRecur.from_ical(rrule).to_ical())


def _duration_value(span: timedelta) -> bytes:
    return bytes(vDuration(span).to_ical())  # type: ignore[no-untyped-call]


def _recurring_text(item: RecurringEvent, organizer: bytes) -> bytes:
    all_day = item.master.all_day
    lines = (
        b"RRULE:" + _rule(item.rrule),
        *(_moment_line("EXDATE", moment, all_day) for moment in sorted(item.exdates)),
    )  # one EXDATE a line: a list on one line is read by some clients as its first value only
    return _vevent_text(item.master, organizer, lines)


def _recurring_with_icalendar(header: FeedHeader, series: Sequence[RecurringEvent]) -> bytes:
    """What the text above is held to (tests/test_feeds_content_lines.py)."""
    calendar = _calendar(header)
    for item in series:
        event = _event(item.master, header)
        event.add("rrule", vRecur.from_ical(item.rrule))
        for moment in sorted(item.exdates):
            event.add("exdate", _day(moment) if item.master.all_day else _local(moment))
        calendar.add_component(event)
        for override in _in_order(item.overrides):
            calendar.add_component(_event(override, header))
    return bytes(calendar.to_ical())
