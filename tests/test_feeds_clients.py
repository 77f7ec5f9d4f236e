"""Every feed of the embedded plan, read by real calendar parsers: ical.js (Thunderbird), libical
(Evolution; also the iTIP PUBLISH restriction check) and recurring-ical-events. Each must find
exactly the occurrences the scheduler holds, at the same UTC instants, without a parse error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.base.time import STOCKHOLM
from scheduler.feeds.scopes import MEASURE, SERIES, all_scopes
from scheduler.model.occurrence import Occurrence, OccurrenceStatus
from scheduler.services.feeds import EVENTS, SERIES_EXPORT, TODOS, FeedSettings, render_feed
from scheduler.settings.model import Organisation, Settings
from scheduler.store.occurrences import cancel_occurrence, move_occurrence
from tests.clients import (
    ClientResult,
    icaljs_expand_many,
    libical_expand_many,
    python_expand_many,
    require_clients,
)
from tests.support.feeds_fixture import Scheduled, scheduled_plan

NOW = datetime(2024, 1, 10, 12, 0, tzinfo=UTC)
START, END = datetime(2023, 12, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
SETTINGS = FeedSettings.from_settings(
    Settings(organisation=Organisation(email="trygghet@kungsholmen.example.org"))
)

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`


@pytest.fixture(scope="module")
def scheduled(tmp_path_factory: pytest.TempPathFactory) -> Scheduled:
    require_clients("icaljs", "libical", "python")
    scheduled = scheduled_plan(tmp_path_factory.mktemp("feeds"))
    rows = scheduled.rows()
    # One meeting moved by hand and one cancelled: feeds must carry both.
    meeting = next(r for r in rows if r.kind == "meeting" and r.start.month == 5)
    move_occurrence(scheduled.engine, meeting.uid, start=meeting.start + timedelta(days=1, hours=4),
                    end=meeting.end + timedelta(days=1, hours=3), now=NOW, note="Lokalen var upptagen")  # fmt: skip
    other = next(
        r for r in rows if r.kind == "meeting" and r.start.month == 9 and r.uid != meeting.uid
    )
    cancel_occurrence(scheduled.engine, other.uid, now=NOW, note="Krock med valet")
    return scheduled


def _instant(row: Occurrence) -> str:
    """How a client reports the start: the local day of an all-day task, else the UTC instant."""
    if row.all_day:
        return row.start.astimezone(STOCKHOLM).date().isoformat()
    return row.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expected(rows: list[Occurrence], uids: set[str]) -> set[tuple[str | None, str, str]]:
    return {(r.uid, _instant(r), "CANCELLED" if r.status == OccurrenceStatus.CANCELLED else "CONFIRMED")
            for r in rows if r.uid in uids}  # fmt: skip


def _found(result: ClientResult) -> set[tuple[str | None, str, str]]:
    return {(e.uid, e.start_utc, (e.status or "").upper()) for e in result.events}


def _read_all(bodies: list[bytes]) -> dict[str, list[ClientResult]]:
    jobs = [(body, START, END) for body in bodies]
    return {"icaljs": icaljs_expand_many(jobs), "libical": libical_expand_many(jobs),
            "python": python_expand_many(jobs)}  # fmt: skip


def test_every_feed_reads_the_same_in_three_parsers(scheduled: Scheduled) -> None:
    schedule, rows = scheduled.schedule(), scheduled.rows()
    scopes = all_scopes(schedule)
    assert {s.kind for s in scopes} >= {"plan", "area", "measure", "series", "role"}
    rendered = [
        render_feed(schedule, rows, s.name, EVENTS, now=NOW, settings=SETTINGS) for s in scopes
    ]
    readings = _read_all([r.body for r in rendered])
    for index, scope in enumerate(scopes):
        body = rendered[index].body
        assert len(body) < 1_000_000, scope.name
        uids = {
            line.split(":", 1)[1].strip()
            for line in body.decode().splitlines()
            if line.startswith("UID:")
        }
        expected = _expected(rows, uids)
        assert expected, f"{scope.name} is empty"
        for client, results in readings.items():
            result = results[index]
            assert result.errors == [], (client, scope.name, result.errors[:3])
            assert _found(result) == expected, (client, scope.name)


def test_the_plan_feed_holds_every_occurrence_including_around_both_dst_changes(
    scheduled: Scheduled,
) -> None:
    schedule, rows = scheduled.schedule(), scheduled.rows()
    body = render_feed(schedule, rows, "plan", EVENTS, now=NOW, settings=SETTINGS).body
    events = _read_all([body])["libical"][0].events
    assert {e.uid for e in events} == {r.uid for r in rows if r.start.year == 2024}
    starts = {e.start_utc for e in events}
    # Tuesdays 09:00 local: 08:00Z before the spring change, 07:00Z after it, and back in autumn
    # (the weeks of påsklov and höstlov, right after each change, are school breaks: skipped).
    for instant in ("2024-03-26T08:00:00Z", "2024-04-09T07:00:00Z",
                    "2024-10-22T07:00:00Z", "2024-11-05T08:00:00Z"):  # fmt: skip
        assert instant in starts


def test_tasks_are_all_day_events_and_a_vtodo_feed_exists(scheduled: Scheduled) -> None:
    schedule, rows = scheduled.schedule(), scheduled.rows()
    tasks = [r for r in rows if r.kind == "task"]
    assert tasks, "the seed's newsletter and deadlines are tasks"
    body = render_feed(schedule, rows, "plan", TODOS, now=NOW, settings=SETTINGS).body
    for client, results in _read_all([body]).items():
        result = results[0]
        assert result.errors == [], (client, result.errors[:3])
        assert {t.uid for t in result.todos} == {r.uid for r in tasks}, client


def _span(row: Occurrence) -> tuple[str, str | None]:
    if row.all_day:
        first = row.start.astimezone(STOCKHOLM).date()
        return first.isoformat(), (first + timedelta(days=1)).isoformat()
    return _instant(row), row.end.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_series_exported_as_recurring_events_expand_to_the_same_occurrences(
    scheduled: Scheduled,
) -> None:
    """Start, end and status: a moved meeting is an override with its own length, a cancelled
    one an override marked cancelled."""
    schedule, rows = scheduled.schedule(), scheduled.rows()
    scopes = [s for s in all_scopes(schedule) if s.kind in {MEASURE, SERIES}]
    bodies = [
        render_feed(schedule, rows, s.name, SERIES_EXPORT, now=NOW, settings=SETTINGS).body
        for s in scopes
    ]
    readings = _read_all(bodies)
    for index, scope in enumerate(scopes):
        wanted = sorted(
            (*_span(r), "CANCELLED" if r.status == OccurrenceStatus.CANCELLED else "CONFIRMED") for r in rows
            if r.measure_id == scope.measure_id
            and (scope.series_label is None or r.series_label == scope.series_label)
        )  # fmt: skip
        for client, results in readings.items():
            result = results[index]
            assert result.errors == [], (client, scope.name, result.errors[:3])
            found = sorted(
                (e.start_utc, e.end_utc, (e.status or "").upper()) for e in result.events
            )
            assert found == wanted, (client, scope.name)
        assert b"RDATE" not in bodies[index]


def test_uids_are_stable_across_exports_and_a_reimport(tmp_path: Path) -> None:
    first = scheduled_plan(tmp_path / "a")
    again = scheduled_plan(tmp_path / "b")
    one = render_feed(
        first.schedule(), first.rows(), "plan", EVENTS, now=NOW, settings=SETTINGS
    ).body
    two = render_feed(
        first.schedule(), first.rows(), "plan", EVENTS, now=NOW, settings=SETTINGS
    ).body
    other = render_feed(
        again.schedule(), again.rows(), "plan", EVENTS, now=NOW, settings=SETTINGS
    ).body
    assert one == two
    assert one == other  # a fresh database with the same plan publishes the very same bytes

    from scheduler.services.refresh import import_and_schedule
    from tests.support.feeds_fixture import seed_with_dst_measure

    import_and_schedule(first.engine, first.config, seed_with_dst_measure(), source="test",
                        now=NOW + timedelta(days=3))  # fmt: skip
    three = render_feed(
        first.schedule(), first.rows(), "plan", EVENTS, now=NOW, settings=SETTINGS
    ).body
    assert three == one


def test_a_moved_meeting_keeps_its_uid_with_a_higher_sequence(scheduled: Scheduled) -> None:
    rows = scheduled.rows()
    moved = next(r for r in rows if r.manual and r.status != OccurrenceStatus.CANCELLED)
    assert moved.sequence == 1
    body = render_feed(scheduled.schedule(), rows, "plan", EVENTS, now=NOW, settings=SETTINGS).body
    event = next(e for e in _read_all([body])["icaljs"][0].events if e.uid == moved.uid)
    assert event.sequence == 1
    assert event.start_utc == moved.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_cancelled_meeting_is_published_as_cancelled_then_leaves(scheduled: Scheduled) -> None:
    schedule, rows = scheduled.schedule(), scheduled.rows()
    cancelled = next(r for r in rows if r.status == OccurrenceStatus.CANCELLED)
    soon = render_feed(
        schedule, rows, "plan", EVENTS, now=NOW + timedelta(days=10), settings=SETTINGS
    ).body
    text = soon.decode()
    assert cancelled.uid in text and "STATUS:CANCELLED" in text and "INSTÄLLT:" in text
    later = render_feed(
        schedule, rows, "plan", EVENTS, now=NOW + timedelta(days=61), settings=SETTINGS
    ).body
    assert cancelled.uid not in later.decode()


def test_a_role_feed_holds_that_roles_meetings_and_no_others(scheduled: Scheduled) -> None:
    schedule, rows = scheduled.schedule(), scheduled.rows()
    roles = {item.stored.id: item.responsibility.participants for item in schedule.measures}
    body = render_feed(
        schedule, rows, "roll-preventionssamordnare", EVENTS, now=NOW, settings=SETTINGS
    ).body
    uids = {e.uid for e in _read_all([body])["python"][0].events}
    expected = {r.uid for r in rows if "Preventionssamordnare" in roles[r.measure_id]}
    assert uids == expected and uids
    ssp = next(i.stored.id for i in schedule.measures if i.stored.measure.title == "SSP")
    assert {r.measure_id for r in rows if r.uid in uids} == {ssp}


def test_the_window_can_be_narrowed(scheduled: Scheduled) -> None:
    schedule, rows = scheduled.schedule(), scheduled.rows()
    body = render_feed(schedule, rows, "plan", EVENTS, now=NOW, settings=SETTINGS,
                       window=(date(2024, 3, 1), date(2024, 4, 1))).body  # fmt: skip
    events = _read_all([body])["python"][0].events
    assert events and all(e.start_utc[:7] == "2024-03" for e in events)
