"""The calendar-client harness (tests/clients) proven on hand-written .ics files.

Each test runs the real parsers - ical.js (Thunderbird), libical (Evolution)
and icalendar + recurring-ical-events - and checks what they read against
instants worked out by hand. Tests that pin a *difference* between clients
say so; those differences are what the feed code has to steer around.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

import tests.clients as clients
from tests.clients import (
    CLIENTS,
    ClientFailed,
    ClientResult,
    ClientUnavailable,
    expand_all,
    icaljs_expand,
    icaljs_expand_many,
    libical_expand,
    libical_expand_many,
    python_expand,
    require_clients,
)

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`

STOCKHOLM = ZoneInfo("Europe/Stockholm")
YEAR_2025 = (datetime(2025, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))


# Tests that run no calendar client; all others need every client installed.
NEEDS_NO_CLIENT = {
    "test_require_clients_skips_outside_ci_and_fails_in_ci",
    "test_what_icalendar_generates_for_stockholm",
}


@pytest.fixture(autouse=True)
def _clients_installed(request: pytest.FixtureRequest) -> None:
    if request.function.__name__ not in NEEDS_NO_CLIENT:
        require_clients()


def ics(*components: str, method: str | None = None, vtimezone: str | None = None) -> bytes:
    """A VCALENDAR around the given components, CRLF line ends like a real feed."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Atgardsplan//harness test//SV"]
    if method:
        lines.append(f"METHOD:{method}")
    text = "\n".join(lines) + "\n" + (vtimezone or "") + "".join(components) + "END:VCALENDAR\n"
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def utc(local: str) -> str:
    """'2025-03-27 09:00' Stockholm wall time -> '2025-03-27T08:00:00Z' via zoneinfo."""
    value = datetime.fromisoformat(local).replace(tzinfo=STOCKHOLM)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A correct Europe/Stockholm: DST from the last Sunday of March 02:00 local
# (still +0100, so 01:00Z) to the last Sunday of October 03:00 local (+0200,
# so 01:00Z). DTSTART of an observance is local time in its TZOFFSETFROM.
VTIMEZONE_STOCKHOLM = """\
BEGIN:VTIMEZONE
TZID:Europe/Stockholm
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""

# The same with the DAYLIGHT onset written as 03:00 (the icalendar 7.3 way):
# read with TZOFFSETFROM +0100 that is 02:00Z, an hour after the real change.
VTIMEZONE_STOCKHOLM_DAYLIGHT_AT_3 = VTIMEZONE_STOCKHOLM.replace(
    "DTSTART:19700329T020000", "DTSTART:19700329T030000"
)

WEEKLY = """\
BEGIN:VEVENT
UID:styrgrupp@example.se
DTSTAMP:20250101T120000Z
ORGANIZER:mailto:samordnare@example.se
DTSTART;TZID=Europe/Stockholm:20250320T090000
DTEND;TZID=Europe/Stockholm:20250320T100000
RRULE:FREQ=WEEKLY;UNTIL=20251106T080000Z
EXDATE;TZID=Europe/Stockholm:20250403T090000
RDATE;TZID=Europe/Stockholm:20250405T090000
SUMMARY:Styrgrupp trygghet
STATUS:CONFIRMED
SEQUENCE:2
END:VEVENT
BEGIN:VEVENT
UID:styrgrupp@example.se
DTSTAMP:20250101T120000Z
ORGANIZER:mailto:samordnare@example.se
RECURRENCE-ID;TZID=Europe/Stockholm:20250410T090000
DTSTART;TZID=Europe/Stockholm:20250410T130000
DTEND;TZID=Europe/Stockholm:20250410T140000
SUMMARY:Styrgrupp trygghet (flyttad)
STATUS:CONFIRMED
SEQUENCE:3
END:VEVENT
"""


def weekly_expected() -> list[tuple[str, str, str]]:
    """(uid, start, end) of WEEKLY in 2025, worked out from the rules by hand."""
    out = []
    day = date(2025, 3, 20)
    while day <= date(2025, 11, 6):
        if day != date(2025, 4, 3):  # EXDATE
            hour = 13 if day == date(2025, 4, 10) else 9  # the override
            out.append((f"{day} {hour:02d}:00", f"{day} {hour + 1:02d}:00"))
        day += timedelta(days=7)
    out.append(("2025-04-05 09:00", "2025-04-05 10:00"))  # RDATE, a Saturday
    return [("styrgrupp@example.se", utc(s), utc(e)) for s, e in sorted(out)]


# --------------------------------------------------------------------------
# the harness itself


def test_available_names_every_client() -> None:
    state = clients.available()
    assert set(state) == set(CLIENTS)
    assert all(reason is None for reason in state.values()), state


def test_weekly_series_across_both_dst_changes_is_read_alike_by_all_clients() -> None:
    results = expand_all(ics(WEEKLY, vtimezone=VTIMEZONE_STOCKHOLM), *YEAR_2025)
    expected = weekly_expected()
    # Spot checks written out: 09:00 local is 08:00Z in winter, 07:00Z in summer.
    starts = [start for _, start, _ in expected]
    assert starts[:3] == ["2025-03-20T08:00:00Z", "2025-03-27T08:00:00Z", "2025-04-05T07:00:00Z"]
    assert "2025-04-03T07:00:00Z" not in starts  # EXDATE
    assert "2025-04-10T11:00:00Z" in starts  # override: 13:00 CEST
    assert starts[-3:] == ["2025-10-23T07:00:00Z", "2025-10-30T08:00:00Z", "2025-11-06T08:00:00Z"]
    for name, result in results.items():
        assert result.errors == [], name
        assert result.instants() == expected, name
        summaries = {e.start_utc: e.summary for e in result.events}
        assert summaries["2025-04-10T11:00:00Z"] == "Styrgrupp trygghet (flyttad)", name
        assert summaries["2025-04-17T07:00:00Z"] == "Styrgrupp trygghet", name
        assert {e.status for e in result.events} == {"CONFIRMED"}, name
        assert not any(e.all_day for e in result.events), name
    # SEQUENCE: ical.js and libical give each occurrence its own component's;
    # recurring-ical-events gives every occurrence the series' highest.
    for name in ("icaljs", "libical"):
        seqs = {e.start_utc: e.sequence for e in results[name].events}
        assert seqs["2025-04-10T11:00:00Z"] == 3 and seqs["2025-04-17T07:00:00Z"] == 2, name
    assert {e.sequence for e in results["python"].events} == {3}


def test_window_keeps_occurrences_that_start_inside_it_batched() -> None:
    feed = ics(WEEKLY, vtimezone=VTIMEZONE_STOCKHOLM)
    windows = [
        # half-open: an occurrence starting exactly at the end is out
        (datetime(2025, 3, 27, 8, tzinfo=UTC), datetime(2025, 4, 5, 7, tzinfo=UTC)),
        # a window holding only the moved occurrence
        (datetime(2025, 4, 10, 10, tzinfo=UTC), datetime(2025, 4, 10, 12, tzinfo=UTC)),
        # the original slot of the moved occurrence is empty
        (datetime(2025, 4, 10, 6, tzinfo=UTC), datetime(2025, 4, 10, 8, tzinfo=UTC)),
        # an aware bound in another zone is converted to UTC
        (
            datetime(2025, 10, 30, 9, tzinfo=STOCKHOLM),
            datetime(2025, 10, 30, 9, 1, tzinfo=STOCKHOLM),
        ),
    ]
    want = [
        ["2025-03-27T08:00:00Z"],
        ["2025-04-10T11:00:00Z"],
        [],
        ["2025-10-30T08:00:00Z"],
    ]
    jobs = [(feed, s, e) for s, e in windows]
    for name, results in (
        ("icaljs", icaljs_expand_many(jobs)),
        ("libical", libical_expand_many(jobs)),
        ("python", [python_expand(*job) for job in jobs]),
    ):
        assert [r.starts() for r in results] == want, name


def test_override_moved_into_the_window_from_outside_it() -> None:
    moved = WEEKLY.replace(
        "RECURRENCE-ID;TZID=Europe/Stockholm:20250410T090000\n"
        "DTSTART;TZID=Europe/Stockholm:20250410T130000\n"
        "DTEND;TZID=Europe/Stockholm:20250410T140000",
        "RECURRENCE-ID;TZID=Europe/Stockholm:20251106T090000\n"
        "DTSTART;TZID=Europe/Stockholm:20251101T100000\n"
        "DTEND;TZID=Europe/Stockholm:20251101T110000",
    )
    window = (datetime(2025, 10, 31, tzinfo=UTC), datetime(2025, 11, 3, tzinfo=UTC))
    for name, result in expand_all(ics(moved, vtimezone=VTIMEZONE_STOCKHOLM), *window).items():
        assert result.errors == [], name
        assert result.instants() == [
            ("styrgrupp@example.se", "2025-11-01T09:00:00Z", "2025-11-01T10:00:00Z")
        ], name


def test_single_events_utc_zoned_floating_and_duration() -> None:
    events = "".join(
        f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20250101T120000Z\n{body}\nSUMMARY:{uid}\nEND:VEVENT\n"
        for uid, body in [
            ("utc", "DTSTART:20250115T130000Z\nDTEND:20250115T150000Z"),
            ("winter", "DTSTART;TZID=Europe/Stockholm:20250212T180000\nDURATION:PT90M"),
            (
                "summer",
                "DTSTART;TZID=Europe/Stockholm:20250819T083000\n"
                "DTEND;TZID=Europe/Stockholm:20250819T120000",
            ),
            ("floating", "DTSTART:20250301T100000\nDTEND:20250301T110000"),
            ("no-end", "DTSTART:20250302T100000Z"),
            ("outside", "DTSTART:20240615T100000Z\nDTEND:20240615T110000Z"),
        ]
    )
    expected = [
        ("utc", "2025-01-15T13:00:00Z", "2025-01-15T15:00:00Z"),
        ("winter", "2025-02-12T17:00:00Z", "2025-02-12T18:30:00Z"),
        ("floating", "2025-03-01T10:00:00", "2025-03-01T11:00:00"),  # no Z: floating
        ("no-end", "2025-03-02T10:00:00Z", "2025-03-02T10:00:00Z"),
        ("summer", "2025-08-19T06:30:00Z", "2025-08-19T10:00:00Z"),
    ]
    for name, result in expand_all(ics(events, vtimezone=VTIMEZONE_STOCKHOLM), *YEAR_2025).items():
        assert result.errors == [], name
        assert result.instants() == expected, name
        assert [e.summary for e in result.events] == [uid for uid, _, _ in expected], name


def test_all_day_events_are_dates_not_instants() -> None:
    events = """\
BEGIN:VEVENT
UID:nationaldagen
DTSTAMP:20250101T120000Z
DTSTART;VALUE=DATE:20250606
DTEND;VALUE=DATE:20250607
SUMMARY:Nationaldagen
END:VEVENT
BEGIN:VEVENT
UID:jul
DTSTAMP:20250101T120000Z
DTSTART;VALUE=DATE:20251224
DTEND;VALUE=DATE:20251227
SUMMARY:Jul
END:VEVENT
BEGIN:VEVENT
UID:utan-slut
DTSTAMP:20250101T120000Z
DTSTART;VALUE=DATE:20250920
SUMMARY:En dag utan DTEND
END:VEVENT
"""
    expected = [
        ("nationaldagen", "2025-06-06", "2025-06-07"),
        ("utan-slut", "2025-09-20", "2025-09-21"),  # no DTEND: one day (RFC 5545 3.6.1)
        ("jul", "2025-12-24", "2025-12-27"),
    ]
    for name, result in expand_all(ics(events), *YEAR_2025).items():
        assert result.errors == [], name
        assert result.instants() == expected, name
        assert all(e.all_day for e in result.events), name


def test_yearly_all_day_series_from_29_february() -> None:
    # Difference pinned: ical.js 2.2.1 moves 29 February to 1 March in
    # non-leap years; libical and recurring-ical-events skip those years, as
    # RFC 5545 3.3.10 says. So: no BYMONTHDAY=29..31 / 29 Feb rules in feeds.
    event = """\
BEGIN:VEVENT
UID:skottdag
DTSTAMP:20250101T120000Z
DTSTART;VALUE=DATE:20240229
RRULE:FREQ=YEARLY
SUMMARY:Skottdag
END:VEVENT
"""
    window = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC))
    results = expand_all(ics(event), *window)
    assert results["libical"].starts() == ["2024-02-29", "2028-02-29"]
    assert results["python"].starts() == ["2024-02-29", "2028-02-29"]
    assert results["icaljs"].starts() == [
        "2024-02-29",
        "2025-03-01",
        "2026-03-01",
        "2027-03-01",
        "2028-02-29",
    ]


def test_todos_with_due_dates() -> None:
    todos = """\
BEGIN:VTODO
UID:rapport
DTSTAMP:20250101T120000Z
DTSTART;TZID=Europe/Stockholm:20250601T080000
DUE;TZID=Europe/Stockholm:20250615T170000
SUMMARY:Lämna lägesrapport
STATUS:NEEDS-ACTION
SEQUENCE:1
END:VTODO
BEGIN:VTODO
UID:uppfoljning
DTSTAMP:20250101T120000Z
DUE;VALUE=DATE:20251201
SUMMARY:Årsuppföljning
STATUS:IN-PROCESS
END:VTODO
BEGIN:VTODO
UID:utan-datum
DTSTAMP:20250101T120000Z
SUMMARY:Utan datum
END:VTODO
BEGIN:VTODO
UID:forra-aret
DTSTAMP:20250101T120000Z
DUE:20241231T120000Z
SUMMARY:Förra året
END:VTODO
"""
    expected = [
        clients.ClientTodo("utan-datum", None, None, "Utan datum", None, None, False),
        clients.ClientTodo(
            "rapport",
            "2025-06-01T06:00:00Z",
            "2025-06-15T15:00:00Z",
            "Lämna lägesrapport",
            "NEEDS-ACTION",
            1,
            False,
        ),
        clients.ClientTodo(
            "uppfoljning", None, "2025-12-01", "Årsuppföljning", "IN-PROCESS", None, True
        ),
    ]
    for name, result in expand_all(ics(todos, vtimezone=VTIMEZONE_STOCKHOLM), *YEAR_2025).items():
        assert result.errors == [], name
        assert result.events == [], name
        assert result.todos == expected, name


# --------------------------------------------------------------------------
# errors


GOOD_EVENT = """\
BEGIN:VEVENT
UID:möte@example.se
DTSTAMP:20250101T120000Z
ORGANIZER:mailto:samordnare@example.se
DTSTART;TZID=Europe/Stockholm:20250320T090000
DTEND;TZID=Europe/Stockholm:20250320T100000
SUMMARY:Möte
END:VEVENT
"""

GOOD_TODO = """\
BEGIN:VTODO
UID:uppgift@example.se
DTSTAMP:20250101T120000Z
ORGANIZER:mailto:samordnare@example.se
DTSTART;TZID=Europe/Stockholm:20250320T090000
DUE;TZID=Europe/Stockholm:20250415T170000
SUMMARY:Uppgift
PRIORITY:5
END:VTODO
"""


@pytest.mark.parametrize(
    ("broken", "needle"),
    [
        pytest.param(
            (
                "DTSTART;TZID=Europe/Stockholm:20250320T090000",
                "DTSTART;TZID=Europe/Stockholm:20250320T25XX00",
            ),
            "DTSTART",
            id="bad-dtstart",
        ),
        pytest.param(("SUMMARY:Möte", "SUMMARY Möte"), "SUMMARY", id="line-without-colon"),
        pytest.param(
            ("SUMMARY:Möte", "SUMMARY:Möte\nRRULE:FREQ=WEEKLYISH;COUNT=3"),
            "WEEKLYISH",
            id="bad-rrule",
        ),
    ],
)
def test_broken_file_is_reported_by_every_client(broken: tuple[str, str], needle: str) -> None:
    feed = ics(GOOD_EVENT.replace(*broken), vtimezone=VTIMEZONE_STOCKHOLM)
    for name, result in expand_all(feed, *YEAR_2025).items():
        assert result.errors, f"{name} read a broken file without complaint"
        assert any(needle in error for error in result.errors), (name, result.errors)


def test_tzid_without_vtimezone_is_an_error_for_every_client() -> None:
    feed = ics(
        GOOD_EVENT.replace("Europe/Stockholm", "Europe/Berlin"), vtimezone=VTIMEZONE_STOCKHOLM
    )
    for name, result in expand_all(feed, *YEAR_2025).items():
        assert any("TZID=Europe/Berlin has no VTIMEZONE" in e for e in result.errors), name


def test_cli_exit_codes_and_single_file_mode() -> None:
    start, end = "2025-01-01T00:00:00Z", "2026-01-01T00:00:00Z"
    node = [shutil.which("node") or "node", str(clients.ICALJS_SCRIPT)]
    libical = [clients.SYSTEM_PYTHON, str(clients.LIBICAL_SCRIPT)]
    good = ics(GOOD_EVENT, vtimezone=VTIMEZONE_STOCKHOLM)
    bad = ics(GOOD_EVENT.replace("SUMMARY:", "SUMMARY "), vtimezone=VTIMEZONE_STOCKHOLM)
    for argv in (node, libical):
        ok = subprocess.run([*argv, start, end], input=good, capture_output=True, timeout=30)
        assert ok.returncode == 0, ok.stderr
        assert json.loads(ok.stdout)["events"][0]["start_utc"] == "2025-03-20T08:00:00Z"
        failed = subprocess.run([*argv, start, end], input=bad, capture_output=True, timeout=30)
        assert failed.returncode == 1, failed.stderr
        assert json.loads(failed.stdout)["errors"]
        usage = subprocess.run(argv, input=good, capture_output=True, timeout=30)
        assert usage.returncode == 2 and b"usage" in usage.stderr


def test_publish_restriction_check_passes_on_a_good_file() -> None:
    feed = ics(GOOD_EVENT, GOOD_TODO, method="PUBLISH", vtimezone=VTIMEZONE_STOCKHOLM)
    for name, result in expand_all(feed, *YEAR_2025).items():
        assert result.errors == [], name
        assert result.starts() == ["2025-03-20T08:00:00Z"], name


@pytest.mark.parametrize("missing", ["DTSTAMP", "UID", "ORGANIZER"])
def test_publish_restriction_check_fails_on_missing_property(missing: str) -> None:
    # libical applies RFC 5546 3.2.1 to METHOD:PUBLISH: each VEVENT needs
    # exactly one DTSTAMP, DTSTART, ORGANIZER and UID (VTODO 3.4.1 also
    # needs SUMMARY, PRIORITY and DTSTART). ical.js and icalendar check none.
    event = "".join(line + "\n" for line in GOOD_EVENT.splitlines() if not line.startswith(missing))
    feed = ics(event, GOOD_TODO, method="PUBLISH", vtimezone=VTIMEZONE_STOCKHOLM)
    result = libical_expand(feed, *YEAR_2025)
    assert [e for e in result.errors if "restriction check (METHOD PUBLISH)" in e]
    assert any(f"for {missing} property" in e for e in result.errors), result.errors
    # without METHOD, libical checks no restrictions at all
    assert libical_expand(ics(event, vtimezone=VTIMEZONE_STOCKHOLM), *YEAR_2025).errors == []


def test_require_clients_skips_outside_ci_and_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        clients, "available", lambda: {"icaljs": None, "libical": "no gi here", "python": None}
    )
    monkeypatch.delenv("CI", raising=False)
    require_clients("icaljs", "python")
    with pytest.raises(pytest.skip.Exception, match="libical: no gi here"):
        require_clients()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="libical: no gi here"):
        require_clients("libical")
    with pytest.raises(ClientUnavailable, match="no gi here"):
        libical_expand(ics(GOOD_EVENT), *YEAR_2025)


def test_crashing_client_raises_with_its_stderr(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    crash = tmp_path / "crash.py"
    crash.write_text(
        "import sys\nsys.stderr.write('Segmentation fault (pretend)')\nsys.exit(139)\n"
    )
    monkeypatch.setattr(clients, "LIBICAL_SCRIPT", crash)
    with pytest.raises(ClientFailed, match=r"exited 139[\s\S]*Segmentation fault \(pretend\)"):
        libical_expand(ics(GOOD_EVENT), *YEAR_2025)
    garbage = tmp_path / "garbage.py"
    garbage.write_text("print('not json')\n")
    monkeypatch.setattr(clients, "LIBICAL_SCRIPT", garbage)
    with pytest.raises(ClientFailed, match="unreadable output"):
        libical_expand(ics(GOOD_EVENT), *YEAR_2025)
    with pytest.raises(ValueError, match="timezone-aware"):
        icaljs_expand(ics(GOOD_EVENT), datetime(2025, 1, 1), datetime(2026, 1, 1))


def test_result_shape_round_trips() -> None:
    result = icaljs_expand(ics(GOOD_EVENT, vtimezone=VTIMEZONE_STOCKHOLM), *YEAR_2025)
    assert isinstance(result, ClientResult) and result.ok and result.client == "icaljs"
    data = result.to_json()
    assert ClientResult.from_json("icaljs", data) == result
    assert data["events"][0] == {
        "uid": "möte@example.se",
        "start_utc": "2025-03-20T08:00:00Z",
        "end_utc": "2025-03-20T09:00:00Z",
        "summary": "Möte",
        "status": None,
        "sequence": None,
        "all_day": False,
    }


# --------------------------------------------------------------------------
# VTIMEZONE findings for the feed writer
#
# Probe events, Stockholm wall time -> what each client makes of them in UTC.
PROBES = [
    "2025-03-30 01:30",  # before the spring change
    "2025-03-30 02:30",  # does not exist (clocks jump 02:00 -> 03:00)
    "2025-03-30 03:30",  # first hour of summer time
    "2025-03-30 09:00",
    "2025-06-05 09:00",  # midsummer meeting
    "2025-10-26 01:30",  # summer time, night of the autumn change
    "2025-10-26 09:00",
    "2025-12-04 09:00",
]


def probe_feed(vtimezone: str) -> bytes:
    events = "".join(
        f"BEGIN:VEVENT\nUID:{p}\nDTSTAMP:20250101T120000Z\n"
        f"DTSTART;TZID=Europe/Stockholm:{p.replace('-', '').replace(' ', 'T').replace(':', '')}00\n"
        f"DURATION:PT30M\nSUMMARY:{p}\nEND:VEVENT\n"
        for p in PROBES
    )
    return ics(events, vtimezone=vtimezone)


def probe(vtimezone: str) -> dict[str, dict[str, str]]:
    results = expand_all(probe_feed(vtimezone), *YEAR_2025)
    out = {}
    for name, result in results.items():
        assert result.errors == [], (name, result.errors)
        out[name] = {e.summary: e.start_utc for e in result.events if e.summary}
    return out


def truth(nonexistent: str) -> dict[str, str]:
    """zoneinfo's answer, with the non-existent 02:30 read as the clients read it."""
    return {p: utc(p) for p in PROBES} | {"2025-03-30 02:30": nonexistent}


def test_correct_vtimezone_is_read_alike() -> None:
    got = probe(VTIMEZONE_STOCKHOLM)
    # All existing times agree. The non-existent 02:30 differs: ical.js and
    # libical read it with the summer offset (+0200 -> 00:30Z), zoneinfo with
    # fold=0 uses the winter one (+0100 -> 01:30Z). Feeds never hold it.
    assert got["icaljs"] == truth("2025-03-30T00:30:00Z")
    assert got["libical"] == truth("2025-03-30T00:30:00Z")
    assert got["python"] == truth("2025-03-30T01:30:00Z")


def test_vtimezone_with_daylight_onset_at_3_only_moves_the_missing_hour() -> None:
    # DAYLIGHT DTSTART 03:00 with TZOFFSETFROM +0100 (what icalendar 7.3
    # writes) starts summer time at 02:00Z instead of 01:00Z. For times that
    # exist it changes nothing in ical.js or libical: 03:30 read as +0100 is
    # 02:30Z, after the (late) onset, so it is summer time, 01:30Z - right.
    # Only the non-existent 02:00-02:59 moves: 02:30 -> 01:30Z instead of
    # 00:30Z with the correct VTIMEZONE. (Displaying a UTC instant between
    # 01:00Z and 02:00Z on that night in local time would be an hour off; our
    # feed writes local times, so that case does not arise.)
    # icalendar + recurring-ical-events never read the VTIMEZONE at all for a
    # TZID that zoneinfo knows, so the python client cannot see this.
    got = probe(VTIMEZONE_STOCKHOLM_DAYLIGHT_AT_3)
    expected = truth("2025-03-30T01:30:00Z")
    assert got == {"icaljs": expected, "libical": expected, "python": expected}


def icalendar_vtimezone() -> str:
    vtimezone: bytes = icalendar.Timezone.from_tzid("Europe/Stockholm").to_ical()
    return vtimezone.decode()


def test_what_icalendar_generates_for_stockholm() -> None:
    # icalendar 7.3.2's Timezone.from_tzid (and Calendar.add_missing_timezones,
    # which gives the same): no RRULE; a STANDARD 1970 +0100->+0100, then a
    # DAYLIGHT DTSTART 19800406T030000 and a STANDARD DTSTART 19800928T030000,
    # each with ONE RDATE line holding every later change up to 2037, all at
    # 03:00 local. The DAYLIGHT ones should say 02:00 (TZOFFSETFROM +0100).
    assert icalendar.__version__ == "7.3.2"
    lines = unfold(icalendar_vtimezone()).splitlines()
    blocks = "\n".join(lines).split("BEGIN:")[1:]
    daylight = [b for b in blocks if b.startswith("DAYLIGHT")]
    assert len(daylight) == 1
    props = dict(line.split(":", 1) for line in daylight[0].splitlines()[1:] if ":" in line)
    assert props["DTSTART"] == "19800406T030000"
    assert props["TZOFFSETFROM"] == "+0100"
    assert props["TZOFFSETTO"] == "+0200"
    assert "RRULE" not in props
    assert [line for line in daylight[0].splitlines() if line.startswith("RDATE")] == [
        "RDATE:" + props["RDATE"]
    ], "expected all RDATEs on one line"
    onsets = props["RDATE"].split(",")
    assert "20250330T030000" in onsets  # 03:00 local; the change is at 02:00 local
    assert onsets[-1] == "20370329T030000"
    assert not any(line.startswith("RRULE") for line in lines)


def unfold(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n ", "")


def split_rdates(vtimezone: str) -> str:
    """The same VTIMEZONE with one RDATE property per change."""
    unfolded = unfold(vtimezone)
    out: list[str] = []
    for line in unfolded.splitlines():
        if line.startswith("RDATE:"):
            out.extend("RDATE:" + value for value in line[len("RDATE:") :].split(","))
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def test_icaljs_ignores_all_but_the_first_value_of_a_vtimezone_rdate() -> None:
    # ical.js 2.2.1 Timezone._expandComponent reads rdate.getFirstValue() of
    # each RDATE property and drops DTSTART of an observance that has RDATEs.
    # With icalendar's VTIMEZONE it therefore sees DST only in 1981: every
    # summer time after that is read as +0100, an hour late. Thunderbird uses
    # its own zone data for known TZIDs, but any ical.js-based reader that
    # trusts the file (web calendars, ical.js expansion) shows 09:00 as 10:00.
    got = probe(icalendar_vtimezone())
    right = truth("2025-03-30T01:30:00Z")
    assert got["libical"] == right
    assert got["python"] == right
    wrong = {p for p in PROBES if got["icaljs"][p] != right[p]}
    assert wrong == {"2025-03-30 03:30", "2025-03-30 09:00", "2025-06-05 09:00", "2025-10-26 01:30"}
    assert got["icaljs"]["2025-06-05 09:00"] == "2025-06-05T08:00:00Z"  # 10:00 CEST
    # One RDATE per line is read right by ical.js too.
    assert probe(split_rdates(icalendar_vtimezone()))["icaljs"] == right
