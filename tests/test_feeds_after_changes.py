"""Issue 27's "done when", through the real command line on both databases: after a move that
changes a meeting's length, a holiday shift and a cancellation, every exported calendar reads in
recurring-ical-events, ical.js and libical as `agenda --json` says (start and end); no `.serie`
has an RDATE; every RRULE fits Outlook's templates ([MS-OXCICAL] §2.1.3.2.2, the checker in
tests/support/outlook_templates.py); every override has its own DTEND and a SEQUENCE higher than the
series had before; every cancelled VEVENT is TRANSPARENT. After `plan hand-in` the hand-in task
is COMPLETED in the to-do lists, and no to-do list is empty."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest

from tests.clients import (
    ClientResult,
    icaljs_expand_many,
    libical_expand_many,
    python_expand_many,
    require_clients,
)
from tests.support.cli import Cli
from tests.support.outlook_templates import outlook_template
from tests.support.seed import IMPORT_NOW, SEED_PLAN

pytestmark = pytest.mark.processes  # the calendar clients run as processes: not in `make quick`

YEAR = 2024
WINDOW = (datetime(2023, 12, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))
CHANGED_AT = "2024-01-10T12:00"
EXPORTED_AT = "2024-01-11T08:00"

Entry = dict[str, Any]


@dataclass
class Changed:
    """The plan after the changes, with what was changed."""

    cli: Cli
    agenda: list[Entry]
    before: Path  # the export before the changes
    after: Path
    moved: Entry  # as it was before the move
    shifted: Entry  # the meeting the new holiday moves
    cancelled: Entry


def _agenda(cli: Cli) -> list[Entry]:
    result = cli("agenda", "--json", "--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31")
    assert result.code == 0, result.err
    found: list[Entry] = json.loads(result.out)
    return found


def _export(cli: Cli, folder: Path, now: str = EXPORTED_AT) -> Path:
    result = cli("feeds", "export", str(folder), "--now", now)
    assert result.code == 0, result.err
    return folder


@pytest.fixture
def changed(cli: Cli, tmp_path: Path) -> Changed:
    require_clients()
    assert cli("import", str(SEED_PLAN), "--now", IMPORT_NOW).code == 0
    agenda = _agenda(cli)
    before = _export(cli, tmp_path / "before", now=IMPORT_NOW)
    # The meeting series with the most dates: its May meeting moved a day later, to 13:00 and an
    # hour long; its September meeting cancelled; its October day made a holiday.
    series = Counter((e["title"], e["series"]) for e in agenda if e["kind"] == "meeting")
    (title, label), _ = series.most_common(1)[0]
    own = [e for e in agenda if (e["title"], e["series"]) == (title, label)]
    moved = next(e for e in own if e["date"].startswith(f"{YEAR}-05"))
    cancelled = next(e for e in own if e["date"].startswith(f"{YEAR}-09"))
    shifted = next(e for e in own if e["date"].startswith(f"{YEAR}-10"))
    day = date.fromisoformat(moved["date"]) + timedelta(days=1)
    done = cli("move", moved["uid"], day.isoformat(), "13:00", "--minutes", "60",
               "--note", "Lokalen var upptagen", "--now", CHANGED_AT)  # fmt: skip
    assert done.code == 0, done.err
    done = cli("cancel", cancelled["uid"], "--note", "Krock med valet", "--now", CHANGED_AT)
    assert done.code == 0, done.err
    holiday = shifted["date"][5:]
    with cli.config.open("a", encoding="utf-8") as config:  # a new day off: the export re-places
        config.write(f'\n[calendar]\nblackouts = ["12-24..01-06", "{holiday}..{holiday}"]\n')
    after = _export(cli, tmp_path / "after")
    return Changed(cli, _agenda(cli), before, after, moved, shifted, cancelled)


# -- what a calendar should hold, from agenda --json ---------------------------------------------


def _utc(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(entry: Entry) -> tuple[str, str]:
    """(start, end) as the client readers report them."""
    if entry["all_day"]:
        first = date.fromisoformat(entry["date"])
        return first.isoformat(), (first + timedelta(days=1)).isoformat()
    return _utc(entry["start"]), _utc(entry["end"])


def _status(entry: Entry) -> str:
    return "CANCELLED" if entry["status"] == "cancelled" else "CONFIRMED"


def _calendar(body: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(body)


def _holds(name: str, calendar_name: str, agenda: list[Entry]) -> list[Entry]:
    """The agenda entries the calendar `name` (its file name without suffixes) holds, found from
    its kind and its title as the client shows it ("SSP: Gymnasiet (2024)")."""
    title = calendar_name.removesuffix(f" ({YEAR})")
    if name == "plan":
        return agenda
    if name.startswith("omrade-"):
        return [e for e in agenda if e["area"] == title]
    if name.startswith("roll-"):
        role = title.removesuffix(f": möten och uppgifter {YEAR}")
        return [e for e in agenda if role in e["participants"]]
    assert name.startswith("atgard-"), name
    if any(e["title"] == title for e in agenda):
        return [e for e in agenda if e["title"] == title]
    measure, label = title.rsplit(": ", 1)
    return [e for e in agenda if e["title"] == measure and e["series"] == label]


def _read(bodies: list[bytes]) -> dict[str, list[ClientResult]]:
    jobs = [(body, *WINDOW) for body in bodies]
    return {"icaljs": icaljs_expand_many(jobs), "libical": libical_expand_many(jobs),
            "python": python_expand_many(jobs)}  # fmt: skip


def _files(folder: Path, kind: str) -> dict[str, bytes]:
    """{calendar name: bytes} of the folder's `.ics` (kind ""), `.todo` or `.serie` files."""
    found = {}
    for path in sorted(folder.glob("*.ics")):
        stem = path.name.removesuffix(".ics")
        own = stem.rsplit(".", 1)[1] if "." in stem else ""
        if own == kind:
            found[stem.removesuffix(f".{kind}") if kind else stem] = path.read_bytes()
    return found


# -- the checks ------------------------------------------------------------------------------


def test_every_calendar_reads_in_three_parsers_as_the_agenda_says(changed: Changed) -> None:
    feeds = _files(changed.after, "")
    assert len(feeds) > 20 and {"plan", "roll-polis"} <= set(feeds)
    names = list(feeds)
    readings = _read([feeds[n] for n in names])
    for index, name in enumerate(names):
        calendar = _calendar(feeds[name])
        wanted = {(e["uid"], *_when(e), _status(e))
                  for e in _holds(name, str(calendar.calendar_name), changed.agenda)}  # fmt: skip
        assert wanted, name
        for client, results in readings.items():
            result = results[index]
            assert result.errors == [], (client, name, result.errors[:3])
            found = {
                (e.uid, e.start_utc, e.end_utc, (e.status or "").upper()) for e in result.events
            }
            assert found == wanted, (client, name, sorted(found ^ wanted)[:4])


def test_every_series_file_reads_as_the_agenda_and_holds_only_what_outlook_maps(
    changed: Changed,
) -> None:
    series = _files(changed.after, "serie")
    assert len(series) > 5 and any("atgard-ssp" in name for name in series)
    names = list(series)
    readings = _read([series[n] for n in names])
    old_files = _files(changed.before, "serie")
    before = {name: _sequences(body) for name, body in old_files.items()}
    old_overrides = {name: _overrides(body) for name, body in old_files.items()}
    overrides_seen = changed_seen = 0
    for index, name in enumerate(names):
        body = series[name]
        calendar = _calendar(body)
        entries = _holds(name, str(calendar.calendar_name), changed.agenda)
        wanted = Counter((*_when(e), _status(e)) for e in entries)
        for client, results in readings.items():
            result = results[index]
            assert result.errors == [], (client, name, result.errors[:3])
            found: Counter[tuple[str, str, str]] = Counter(
                (e.start_utc, e.end_utc or "", (e.status or "").upper()) for e in result.events
            )
            assert found == wanted, (client, name, found - wanted, wanted - found)
        assert b"\r\nRDATE" not in body, name
        lines = body.replace(b"\r\n ", b"").split(b"\r\n")
        assert all(b"," not in line for line in lines if line.startswith(b"EXDATE")), name
        for event in calendar.events:
            for rule in event.rrules:
                assert outlook_template(rule.to_ical().decode()) is not None, (name, rule)
            if "RECURRENCE-ID" in event:
                overrides_seen += 1
                assert "DTEND" in event, (name, event.uid)
                old = before.get(name, {}).get(event.uid)
                if old_overrides.get(name, {}).get(_override_key(event)) != _content(event):
                    changed_seen += 1  # an override new or changed since the first export
                    assert old is not None and event.sequence > old, (name, event.uid)
            if event.status == "CANCELLED":
                assert event.transparency == "TRANSPARENT", name
    assert overrides_seen >= 3
    # The move, the holiday and the cancellation (in the measure's file, and in its series' if it
    # has several), each with a SEQUENCE above the series' before.
    assert changed_seen >= 3


def _sequences(body: bytes) -> dict[str, int]:
    """Each series' SEQUENCE in a `.serie` file, by UID (its master's)."""
    return {e.uid: e.sequence for e in _calendar(body).events if e.rrules}


def _override_key(event: icalendar.Event) -> tuple[str, str]:
    recurrence: Any = event["RECURRENCE-ID"]
    return event.uid, recurrence.to_ical().decode()


def _overrides(body: bytes) -> dict[tuple[str, str], tuple[str, ...]]:
    """A `.serie` file's overrides by (UID, RECURRENCE-ID), with what they say."""
    return {_override_key(e): _content(e) for e in _calendar(body).events if "RECURRENCE-ID" in e}


def _content(event: icalendar.Event) -> tuple[str, ...]:
    return (str(event.start), str(event.end), str(event.status), str(event.summary),
            str(event.description))  # fmt: skip


def test_the_changes_show_as_the_issue_asks(changed: Changed) -> None:
    by_uid = {e["uid"]: e for e in changed.agenda}
    moved, cancelled = by_uid[changed.moved["uid"]], by_uid[changed.cancelled["uid"]]
    assert datetime.fromisoformat(moved["end"]) - datetime.fromisoformat(moved["start"]) == timedelta(minutes=60)  # fmt: skip
    assert cancelled["status"] == "cancelled"
    shifted = by_uid[changed.shifted["uid"]]
    assert shifted["date"] != changed.shifted["date"] and shifted["sequence"] > changed.shifted["sequence"]  # fmt: skip
    plan = _calendar((changed.after / "plan.ics").read_bytes())
    for event in plan.walk("VEVENT"):
        if event["STATUS"] == "CANCELLED":
            assert event["TRANSP"] == "TRANSPARENT" and str(event["SUMMARY"]).startswith(
                "INSTÄLLT: "
            )
    cancelled_events = [e for e in plan.walk("VEVENT") if str(e["UID"]) == cancelled["uid"]]
    assert len(cancelled_events) == 1 and cancelled_events[0]["STATUS"] == "CANCELLED"


def test_after_hand_in_the_hand_in_task_is_completed_and_no_to_do_list_is_empty(
    changed: Changed, tmp_path: Path
) -> None:
    assert changed.cli("plan", "hand-in").code == 0
    folder = _export(changed.cli, tmp_path / "handed-in")
    todos = _files(folder, "todo")
    events = _files(folder, "")
    assert "plan" in todos and len(todos) < len(events)  # calendars without tasks have none
    agenda = _agenda(changed.cli)
    hand_in = next(e for e in agenda if e["kind"] == "task" and e["area"] == "")
    names = list(todos)
    readings = _read([todos[n] for n in names])
    for index, name in enumerate(names):
        calendar = _calendar(todos[name])
        tasks = [
            e for e in _holds(name, str(calendar.calendar_name), agenda) if e["kind"] == "task"
        ]
        assert tasks, f"{name}.todo.ics is empty"
        for client, results in readings.items():
            found = {t.uid: (t.status or "").upper() for t in results[index].todos}
            assert set(found) == {e["uid"] for e in tasks}, (client, name)
            if hand_in["uid"] in found:
                assert found[hand_in["uid"]] == "COMPLETED", (client, name)
    completed = [t for t in _calendar(todos["plan"]).todos if t.uid == hand_in["uid"]]
    assert completed and "COMPLETED" in completed[0]
    assert completed[0].decoded("PERCENT-COMPLETE") == 100
    # The same in the folders `export --all` writes for the web server.
    everything = tmp_path / "all"
    assert changed.cli("feeds", "export", str(everything), "--all", "--now", EXPORTED_AT).code == 0
    (folder_all,) = [p for p in everything.iterdir() if p.is_dir()]
    for path in folder_all.glob("*.todo.ics"):
        assert b"BEGIN:VTODO" in path.read_bytes(), path.name
    for path in folder_all.glob("*.serie.ics"):
        text = path.read_bytes()
        assert b"\r\nRDATE" not in text
        rules = [rule.to_ical().decode() for e in _calendar(text).events for rule in e.rrules]
        assert rules and all(outlook_template(rule) for rule in rules), path.name
