#!/usr/bin/python3
"""Read an iCalendar file the way libical (Evolution, GNOME, KDE's backends) reads it.

Runs with Debian's /usr/bin/python3 and python3-gi + gir1.2-ical-3.0 (the
project's venv cannot import ``gi``), so it uses the standard library only.

    /usr/bin/python3 libical_expand.py 2025-01-01T00:00:00Z 2026-01-01T00:00:00Z < feed.ics
    /usr/bin/python3 libical_expand.py --batch < jobs.json   # [{"ics", "start", "end"}, ...]

Prints {"errors": [...], "events": [...], "todos": [...]} with the same rules
as icaljs_expand.mjs (see there); exit code 1 when "errors" is not empty.
Batch mode prints a JSON list of such objects and exits 0.

errors are:
* libical's own parse errors: the X-LIC-ERROR properties its parser leaves in
  any component (a value it cannot parse is dropped and replaced by one);
* libical's restriction check (icalrestriction_check, RFC 5546 iTIP rules
  for the calendar's METHOD; without METHOD it checks nearly nothing). It
  stops at the first failing component, so every component is checked on
  its own, inside a copy of the VCALENDAR's properties;
* values libical would silently guess: a TZID with no VTIMEZONE in the file
  (libical falls back to its built-in zones), a VEVENT without DTSTART.

Recurrences: DTSTART, every RRULE (ICalGLib.RecurIterator) and RDATE, minus
EXDATE (a DATE EXDATE removes every occurrence on that local date); an
override (same UID + RECURRENCE-ID) replaces the occurrence it names, an
override naming no occurrence is dropped, as ical.js drops it;
RANGE=THISANDFUTURE is not applied. Times are converted to UTC through the
VTIMEZONE components of the file (icaltimezone built from each of them).
"""

from __future__ import annotations

import calendar
import json
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import gi  # type: ignore[import-not-found,unused-ignore]

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # type: ignore[import-not-found,unused-ignore]  # noqa: E402

# ICalGLib objects (Component, Property, Time, ...) have no type stubs.
GObj = Any
Value = date | datetime  # a DATE, an aware UTC DATE-TIME or a naive (floating) one
Result = dict[str, list[Any]]

C = ICalGLib.ComponentKind
P = ICalGLib.PropertyKind
UTC_ZONE = ICalGLib.Timezone.get_utc_timezone()
MAX_OCCURRENCES = 100_000
LOOKAHEAD = timedelta(days=366)


class HarnessError(Exception):
    pass


def children(comp: GObj, kind: GObj = C.ANY_COMPONENT) -> list[GObj]:
    out = []
    child = comp.get_first_component(kind)
    while child is not None:
        out.append(child)
        child = comp.get_next_component(kind)
    return out


def props(comp: GObj, kind: GObj = P.ANY_PROPERTY) -> list[GObj]:
    out = []
    prop = comp.get_first_property(kind)
    while prop is not None:
        out.append(prop)
        prop = comp.get_next_property(kind)
    return out


def first(comp: GObj, kind: GObj) -> GObj:
    return comp.get_first_property(kind)


def kind_name(comp: GObj) -> str:
    return str(ICalGLib.Component.kind_to_string(comp.isa()))


def label(comp: GObj) -> str:
    uid = first(comp, P.UID_PROPERTY)
    text = f"{kind_name(comp)} {uid.get_uid() if uid is not None else '(no UID)'}"
    rid = first(comp, P.RECURRENCEID_PROPERTY)
    if rid is not None:
        text += f" RECURRENCE-ID={rid.get_value_as_string()}"
    return text


def parse_bound(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise HarnessError(f"window bound {text!r} has no UTC offset")
    return value.astimezone(UTC)


def to_py(t: GObj) -> Value:
    value = to_py_opt(t)
    if value is None:
        raise HarnessError("a DATE or DATE-TIME value is missing")
    return value


def span(start: Value, end: Value) -> timedelta:
    if isinstance(start, datetime) != isinstance(end, datetime):
        raise HarnessError(f"start {fmt(start)} and end {fmt(end)} are not of one value type")
    return timedelta(seconds=sort_key(end) - sort_key(start))


def to_py_opt(t: GObj) -> Value | None:
    """ICalGLib.Time -> date | aware UTC datetime | naive datetime (floating) | None."""
    if t is None or t.is_null_time():
        return None
    if t.is_date():
        t = t.normalize()
        return date(t.get_year(), t.get_month(), t.get_day())
    if not t.is_utc() and t.get_timezone() is not None:
        t = t.convert_to_zone(UTC_ZONE)
    t = t.normalize()
    try:
        value = datetime(
            t.get_year(),
            t.get_month(),
            t.get_day(),
            t.get_hour(),
            t.get_minute(),
            t.get_second(),
        )
    except ValueError as exc:
        raise HarnessError(f"bad time {t.as_ical_string()}: {exc}") from None
    if t.is_utc() or t.get_timezone() is not None:
        value = value.replace(tzinfo=UTC)
    return value


def sort_key(value: Value) -> int:
    """Seconds since the epoch; DATE and floating values as if UTC."""
    if isinstance(value, datetime):
        return (
            calendar.timegm(value.utctimetuple())
            if value.tzinfo
            else calendar.timegm(value.timetuple())
        )
    return calendar.timegm(value.timetuple())


def fmt(value: Value | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        return text + "Z" if value.tzinfo else text
    return value.isoformat()


def with_file_zone(t: GObj, prop: GObj, root: GObj) -> GObj:
    """Attach the VTIMEZONE of the file named by prop's TZID to t (for PERIOD values)."""
    tzid = prop.get_parameter_as_string("TZID")
    if tzid and not t.is_utc() and not t.is_date():
        zone = root.get_timezone(tzid)
        if zone is not None:
            t = t.clone()
            t.set_timezone(zone)
    return t


def prop_time(prop: GObj, comp: GObj, root: GObj) -> tuple[GObj, GObj | None]:
    """Value of a DATE/DATE-TIME/PERIOD property as (ICalGLib.Time start, Time | None end)."""
    value = prop.get_value()
    if value is not None and value.isa() == ICalGLib.ValueKind.PERIOD_VALUE:
        period = prop.get_rdate().get_period()
        start = with_file_zone(period.get_start(), prop, root)
        end = period.get_end()
        if end.is_null_time():
            end = start.add(period.get_duration())
        else:
            end = with_file_zone(end, prop, root)
        return start, end
    return prop.get_datetime_with_component(comp), None


def text_prop(comp: GObj, kind: GObj, getter: Callable[[GObj], Any]) -> Any:
    prop = first(comp, kind)
    return None if prop is None else getter(prop)


def common_fields(comp: GObj) -> dict[str, Any]:
    status = first(comp, P.STATUS_PROPERTY)
    return {
        "uid": text_prop(comp, P.UID_PROPERTY, lambda p: p.get_uid()),
        "summary": text_prop(comp, P.SUMMARY_PROPERTY, lambda p: p.get_summary()),
        "status": None if status is None else status.get_value_as_string(),
        "sequence": text_prop(comp, P.SEQUENCE_PROPERTY, lambda p: p.get_sequence()),
    }


def duration_of(comp: GObj) -> tuple[GObj, timedelta]:
    """(start Time, timedelta between DTSTART and the computed end)."""
    start_t = comp.get_dtstart()
    if start_t.is_null_time():
        raise HarnessError("no DTSTART")
    start = to_py(start_t)
    end = to_py_opt(comp.get_dtend())  # libical: DTEND, else DTSTART + DURATION, else a default
    return start_t, span(start, end) if end is not None else timedelta(0)


def event_record(comp: GObj, start: Value, end: Value) -> dict[str, Any]:
    record = common_fields(comp)
    record.update(
        start_utc=fmt(start),
        end_utc=fmt(end),
        all_day=not isinstance(start, datetime),
    )
    return record


def occurrences(master: GObj, root: GObj, horizon_key: int) -> list[tuple[Value, Value]]:
    """Yield (start, end) of a master VEVENT, sorted, EXDATEs applied."""
    dtstart_t, length = duration_of(master)
    start = to_py(dtstart_t)
    found = {sort_key(start): (start, start + length)}
    for rrule in props(master, P.RRULE_PROPERTY):
        iterator = ICalGLib.RecurIterator.new(rrule.get_rrule(), dtstart_t)
        if iterator is None:
            raise HarnessError(f"libical cannot iterate RRULE:{rrule.get_rrule().to_string()}")
        for _ in range(MAX_OCCURRENCES):
            t = iterator.next()
            if t is None or t.is_null_time():
                break
            value = to_py(t)
            if sort_key(value) >= horizon_key:
                break
            found.setdefault(sort_key(value), (value, value + length))
        else:
            raise HarnessError(f"more than {MAX_OCCURRENCES} occurrences before the window ends")
    for rdate in props(master, P.RDATE_PROPERTY):
        t, end_t = prop_time(rdate, master, root)
        value = to_py(t)
        end = to_py(end_t) if end_t is not None else value + length
        found.setdefault(sort_key(value), (value, end))
    for exdate in props(master, P.EXDATE_PROPERTY):
        t = exdate.get_datetime_with_component(master)
        excluded = to_py(t)
        if t.is_date():
            local_dates = {key: occ_local_date(occ[0], dtstart_t) for key, occ in found.items()}
            for key, day in local_dates.items():
                if day == excluded:
                    del found[key]
        else:
            found.pop(sort_key(excluded), None)
    return [found[key] for key in sorted(found)]


def occ_local_date(value: Value, dtstart_t: GObj) -> date:
    """The date of an occurrence in the zone of DTSTART."""
    if not isinstance(value, datetime):
        return value
    zone = dtstart_t.get_timezone()
    if value.tzinfo is None or zone is None or dtstart_t.is_utc():
        return value.date()
    t = ICalGLib.Time.new_from_string(value.strftime("%Y%m%dT%H%M%SZ"))
    local = t.convert_to_zone(zone)
    return date(local.get_year(), local.get_month(), local.get_day())


def recurrence_key(comp: GObj, root: GObj) -> int:
    prop = first(comp, P.RECURRENCEID_PROPERTY)
    return sort_key(to_py(prop.get_datetime_with_component(comp)))


def expand_events(cal: GObj, win_start: datetime, win_end: datetime, result: Result) -> None:
    vevents = children(cal, C.VEVENT_COMPONENT)
    master_uids = {
        first(c, P.UID_PROPERTY).get_uid()
        for c in vevents
        if first(c, P.RECURRENCEID_PROPERTY) is None and first(c, P.UID_PROPERTY) is not None
    }
    overrides: dict[str | None, dict[int, GObj]] = {}
    masters = []
    for comp in vevents:
        uid_prop = first(comp, P.UID_PROPERTY)
        uid = uid_prop.get_uid() if uid_prop is not None else None
        if first(comp, P.RECURRENCEID_PROPERTY) is not None and uid in master_uids:
            try:
                overrides.setdefault(uid, {})[recurrence_key(comp, cal)] = comp
            except HarnessError as exc:
                result["errors"].append(f"{label(comp)}: RECURRENCE-ID: {exc}")
        else:
            masters.append(comp)

    horizon_key = sort_key(win_end + LOOKAHEAD)

    def in_window(value: Value) -> bool:
        return sort_key(win_start) <= sort_key(value) < sort_key(win_end)

    for comp in masters:
        try:
            recurring = (
                first(comp, P.RECURRENCEID_PROPERTY) is None
                and (first(comp, P.RRULE_PROPERTY) or first(comp, P.RDATE_PROPERTY)) is not None
            )
            uid_prop = first(comp, P.UID_PROPERTY)
            uid = uid_prop.get_uid() if uid_prop is not None else None
            if not recurring:
                start_t, length = duration_of(comp)
                start = to_py(start_t)
                if in_window(start):
                    result["events"].append(event_record(comp, start, start + length))
                continue
            moved = overrides.get(uid, {})
            for start, end in occurrences(comp, cal, horizon_key):
                override = moved.get(sort_key(start))
                if override is not None:
                    o_start_t, o_length = duration_of(override)
                    o_start = to_py(o_start_t)
                    if in_window(o_start):
                        result["events"].append(event_record(override, o_start, o_start + o_length))
                elif in_window(start):
                    result["events"].append(event_record(comp, start, end))
        except (HarnessError, TypeError, ValueError) as exc:
            result["errors"].append(f"{label(comp)}: {exc}")


def expand_todos(cal: GObj, win_start: datetime, win_end: datetime, result: Result) -> None:
    for comp in children(cal, C.VTODO_COMPONENT):
        try:
            start_p = first(comp, P.DTSTART_PROPERTY)
            due_p = first(comp, P.DUE_PROPERTY)
            start = to_py_opt(start_p.get_datetime_with_component(comp)) if start_p else None
            due = to_py_opt(due_p.get_datetime_with_component(comp)) if due_p else None
            ref = due if due is not None else start
            if ref is not None and not (sort_key(win_start) <= sort_key(ref) < sort_key(win_end)):
                continue
            record = common_fields(comp)
            record.update(
                start_utc=fmt(start),
                due_utc=fmt(due),
                all_day=ref is not None and not isinstance(ref, datetime),
            )
            result["todos"].append(record)
        except (HarnessError, TypeError, ValueError) as exc:
            result["errors"].append(f"{label(comp)}: {exc}")


def error_type(prop: GObj) -> str:
    param = prop.get_first_parameter(ICalGLib.ParameterKind.XLICERRORTYPE_PARAMETER)
    return param.as_ical_string().partition("=")[2] if param is not None else "ERROR"


def parse_errors(comp: GObj, errors: list[str]) -> None:
    for prop in props(comp, P.XLICERROR_PROPERTY):
        kind = error_type(prop)
        errors.append(f"{label(comp)}: {kind}: {prop.get_xlicerror()}")
    for child in children(comp):
        parse_errors(child, errors)


def is_error_property(prop: GObj) -> bool:
    """libical 3.0.16 knows RFC 7986 properties (REFRESH-INTERVAL, NAME …) the GIR enum of
    Debian 12 lacks: PyGObject raises ValueError for their kind. Those are never X-LIC-ERROR."""
    try:
        return bool(prop.isa() == P.XLICERROR_PROPERTY)
    except ValueError:
        return False


def restriction_errors(cal: GObj, errors: list[str]) -> None:
    """Run icalrestriction_check on every component, each in its own VCALENDAR copy."""
    method = first(cal, P.METHOD_PROPERTY)
    method_text = method.get_value_as_string() if method is not None else "(none)"
    seen = set()
    parts = [c for c in children(cal) if c.isa() != C.VTIMEZONE_COMPONENT] or [None]
    for part in parts:
        wrapper = ICalGLib.Component.new_vcalendar()
        for prop in props(cal):
            if not is_error_property(prop):
                wrapper.add_property(prop.clone())
        if part is not None:
            wrapper.add_component(part.clone())
        if ICalGLib.restriction_check(wrapper):
            continue
        for comp in [wrapper, *children(wrapper)]:
            for prop in props(comp, P.XLICERROR_PROPERTY):
                if error_type(prop) != "INVALID-ITIP":
                    continue
                message = (
                    f"{label(comp)}: restriction check (METHOD {method_text}): "
                    f"{prop.get_xlicerror()}"
                )
                if message not in seen:
                    seen.add(message)
                    errors.append(message)


def missing_timezones(comp: GObj, root: GObj, errors: list[str]) -> None:
    for prop in props(comp):
        tzid = prop.get_parameter_as_string("TZID")
        if tzid and root.get_timezone(tzid) is None:
            errors.append(f"{label(comp)}: {prop.get_property_name()} TZID={tzid} has no VTIMEZONE")
    for child in children(comp):
        missing_timezones(child, root, errors)


def expand(ics: str, start_text: str, end_text: str) -> Result:
    result: Result = {"errors": [], "events": [], "todos": []}
    try:
        win_start, win_end = parse_bound(start_text), parse_bound(end_text)
    except (ValueError, HarnessError) as exc:
        result["errors"].append(f"window: {exc}")
        return result
    root = ICalGLib.Component.new_from_string(ics) if ics.strip() else None
    if root is None:
        result["errors"].append("parse: libical found no component")
        return result
    if root.isa() == C.VCALENDAR_COMPONENT:
        calendars = [root]
    elif root.isa() == C.XROOT_COMPONENT:
        calendars = children(root, C.VCALENDAR_COMPONENT)
    else:
        calendars = []
    if not calendars:
        result["errors"].append(f"parse: top-level component is {kind_name(root)}, not VCALENDAR")
        return result
    for cal in calendars:
        parse_errors(cal, result["errors"])
        missing_timezones(cal, cal, result["errors"])
        restriction_errors(cal, result["errors"])
        expand_events(cal, win_start, win_end, result)
        expand_todos(cal, win_start, win_end, result)

    def key(names: list[str]) -> Callable[[dict[str, Any]], tuple[str, ...]]:
        return lambda r: tuple(r[n] or "" for n in names)

    result["events"].sort(key=key(["start_utc", "uid", "end_utc"]))
    result["todos"].sort(key=key(["due_utc", "start_utc", "uid"]))
    return result


def main(argv: list[str]) -> int:
    data = sys.stdin.buffer.read().decode("utf-8")
    if argv == ["--batch"]:
        jobs = json.loads(data)
        print(json.dumps([expand(j["ics"], j["start"], j["end"]) for j in jobs]))
        return 0
    if len(argv) != 2:
        print(
            "usage: libical_expand.py WINDOW_START WINDOW_END < file.ics\n"
            "       libical_expand.py --batch < jobs.json",
            file=sys.stderr,
        )
        return 2
    result = expand(data, argv[0], argv[1])
    print(json.dumps(result))
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
