"""The embedded 2024 plan's reminders over a whole year, through a real SMTP server.

Time is stepped, never slept: a dispatcher pass every morning at 08:00 and at every due time the
outbox names (`next_due`), from before the first reminder until the last held question. On the way
a meeting is cancelled and another moved with the command line, as the coordinator would.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import holidays

from scheduler.base.time import STOCKHOLM
from scheduler.mail.render import message_id
from scheduler.model.mail import MailKind, OutboxMail, OutboxStatus, is_change
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus
from scheduler.store.occurrences import cancel_occurrence, move_occurrence
from scheduler.store.outbox import next_due
from tests.support.seed import ROOT, YEAR_OF_REMINDERS
from tests.support.smtp_server import SENDER, Received, SmtpServer, World, make_world

END = datetime(2025, 2, 1, 8, 0, tzinfo=UTC)  # every held question of 2024 is due before this
REMINDER_KINDS = ("meeting-14d", "meeting-2d", "held")


def local(moment: datetime) -> datetime:
    return moment.astimezone(STOCKHOLM)


def morning(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=STOCKHOLM).astimezone(UTC)


def role_addresses() -> dict[str, str]:
    """Role name → address, read straight from the repo's config.toml."""
    roles = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))["roles"]
    return {entry["name"]: entry["email"] for entry in roles.values() if "email" in entry}


def conveners(world: World) -> dict[int, tuple[str, str]]:
    """Measure id → (title, convener), from the `scheduler plan --json` contract."""
    result = world.cli("plan", "--json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    return {m["id"]: (m["title"], m["convener"]) for a in plan["areas"] for m in a["measures"]}


SWEDISH_HOLIDAYS = holidays.country_holidays(
    "SE", years=range(2023, 2027), categories=(holidays.PUBLIC, holidays.DE_FACTO)
)


def closed_to_mail(day: date) -> bool:
    """A weekend, a holiday or de-facto holiday (julafton, nyårsafton, midsommarafton), or the
    Christmas blackout of config.toml (24 December to 6 January): no reminder goes out then."""
    names = [n for n in str(SWEDISH_HOLIDAYS.get(day, "")).split("; ") if n and n != "Söndag"]
    christmas = (day.month, day.day) >= (12, 24) or (day.month, day.day) <= (1, 6)
    return day.weekday() >= 5 or bool(names) or christmas


def reminder_day(meeting: date, days: int) -> date:
    """The working day a reminder `days` before `meeting` goes out: that day, or the one before."""
    day = meeting - timedelta(days=days)
    while closed_to_mail(day):
        day -= timedelta(days=1)
    return day


def expected_kinds(meeting: date) -> tuple[str, ...]:
    """The reminders a meeting gets: both leads, or only the 14-day one when closed days put
    both on the same working day (one email, not two the same morning)."""
    if reminder_day(meeting, 14) == reminder_day(meeting, 2):
        return ("meeting-14d", "held")
    return REMINDER_KINDS


def key(occurrence: Occurrence, kind: str) -> str:
    return f"{occurrence.uid}|{kind}|{occurrence.start.isoformat()}"


def named(row: OutboxMail) -> str:
    """A reminder as its key names it ("meeting-14d", "held"): its kind and days ahead."""
    return row.key.split("|")[1]


def step_through(
    world: World,
    until: datetime,
    events: dict[datetime, Callable[[datetime], None]] | None = None,
    *,
    refresh: bool = True,
) -> int:
    """Passes every morning at 08:00 and at each due time; `events` maps a time to a callable run
    just before the pass at (or first after) that time, whose pass then goes through the CLI.
    `refresh`: whether the other passes refresh the plan first, as `remind run-due` does."""
    pending_events = sorted((events or {}).items(), key=lambda item: item[0])
    now = world.outbox()[0].created_at
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    passes = 0
    while now < until:
        through_cli = False
        while pending_events and pending_events[0][0] <= now:
            _, action = pending_events.pop(0)
            action(now)
            through_cli = True
        if through_cli:
            result = world.cli("remind", "run-due", "--now", now.isoformat())
            assert result.code == 0, result.err
            assert result.out.startswith("Skickade "), result.out
        else:
            outcome = world.run(now, refresh=refresh)
            assert not outcome.errors, outcome.errors
        passes += 1
        assert passes < 2000, "the dispatcher keeps finding work at the same time"
        tomorrow = morning(local(now).date() + timedelta(days=1))
        due = next_due(world.engine)
        after = [t for t in (due, tomorrow, pending_events[0][0] if pending_events else None)
                 if t is not None and t > now]  # fmt: skip
        now = min(after)
    return passes


def subject(arrived: Received) -> str:
    """The Subject as a mail client shows it. lstrip: CPython's parser keeps the space of a
    Subject folded right after its colon ("Subject:\r\n Dags att …", valid RFC 5322 that
    clients unfold and trim); it happens to a subject of 70–77 ASCII characters."""
    return str(arrived.message["Subject"]).lstrip()


def delivered_by_id(smtp: SmtpServer) -> dict[str, Received]:
    messages = smtp.handler.snapshot()
    counts = Counter(m.message_id for m in messages)
    twice = [mid for mid, n in counts.items() if n > 1]
    assert not twice, f"Message-IDs delivered more than once: {twice}"
    return {m.message_id: m for m in messages}


def assert_outbox_matches_deliveries(world: World, smtp: SmtpServer) -> dict[str, Received]:
    """Each sent row arrived exactly once, with its own Message-ID, to its recipient; nothing
    arrived that is not a sent row."""
    delivered = delivered_by_id(smtp)
    sent = world.outbox(OutboxStatus.SENT)
    assert len(delivered) == len(sent)
    domain = SENDER.split("@")[1]
    for row in sent:
        arrived = delivered[message_id(row.key, domain)]
        assert arrived.rcpt_tos == (row.recipient,)
        assert arrived.message["To"].addresses[0].addr_spec == row.recipient
        assert subject(arrived) == row.subject
    return delivered


def test_a_year_of_reminders_arrives_each_exactly_once(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp)
    addresses = role_addresses()
    by_measure = conveners(world)
    meetings = [o for o in world.occurrences() if o.kind == OccurrenceKind.MEETING]
    assert len(meetings) > 40
    ssp = [o for o in meetings if by_measure[o.measure_id][0] == "SSP"]
    assert len(ssp) == 8  # "Möten 8 ggr/år": two series of four

    # The coordinator cancels an April meeting after its first reminder, and moves a May meeting
    # a week later after its first reminder (a meeting of the other convener, SSP, if it has one).
    cancelled = next(o for o in meetings if local(o.start).month == 4)
    moved = next(
        (o for o in ssp if local(o.start) >= datetime(2024, 5, 1, tzinfo=STOCKHOLM)),
        next(o for o in meetings if local(o.start).month == 5 and o.id != cancelled.id),
    )
    new_start = local(moved.start) + timedelta(days=7)

    def cancel(now: datetime) -> None:
        result = world.cli("cancel", cancelled.uid, "--note", "Inställt i testet",
                           "--now", now.isoformat())  # fmt: skip
        assert result.code == 0, result.err

    def move(now: datetime) -> None:
        result = world.cli("move", moved.uid, f"{new_start:%Y-%m-%d}", f"{new_start:%H:%M}",
                           "--now", now.isoformat())  # fmt: skip
        assert result.code == 0, result.err

    cancel_at = morning(local(cancelled.start).date() - timedelta(days=10))
    move_at = morning(local(moved.start).date() - timedelta(days=10))
    passes = step_through(world, END, {cancel_at: cancel, move_at: move})
    assert passes < 800

    delivered = assert_outbox_matches_deliveries(world, smtp)
    rows = {row.key: row for row in world.outbox()}
    assert not [
        r for r in rows.values() if r.status not in (OutboxStatus.SENT, OutboxStatus.CANCELLED)
    ], "all sent or cancelled"

    # Every reminder of every meeting arrived, to the convener's address from config.toml, the
    # 14-day and the 2-day one at 08:00 before the meeting (on the working day before when that
    # day is closed), the held question after it.
    domain = SENDER.split("@")[1]
    final = {o.uid: o for o in world.occurrences()}
    checked = 0
    for occurrence in final.values():
        if (
            occurrence.kind != OccurrenceKind.MEETING
            or occurrence.status == OccurrenceStatus.CANCELLED
        ):
            continue
        title, convener = by_measure[occurrence.measure_id]
        address = addresses[convener]
        start = local(occurrence.start)
        kinds = expected_kinds(start.date())
        reminders = {named(r) for r in world.rows_for(occurrence) if not is_change(r.kind)}
        assert reminders == set(kinds), title
        for kind in kinds:
            row = rows[key(occurrence, kind)]
            assert row.status == OutboxStatus.SENT, (title, kind, row.status)
            arrived = delivered[message_id(row.key, domain)]
            assert arrived.rcpt_tos == (address,)
            at = local(arrived.sent_at)
            if kind == "held":
                assert occurrence.end <= arrived.sent_at < occurrence.end + timedelta(hours=2)
                assert subject(arrived).startswith("Blev det av?")
                assert "/svar/" in arrived.text()
            else:
                days = 14 if kind == "meeting-14d" else 2
                assert at.date() == reminder_day(start.date(), days), (title, kind)
                assert not closed_to_mail(at.date()), (title, kind)
                assert at.time() == time(8, 0)
                word = "Dags att kalla till" if days == 14 else "Påminnelse:"
                assert subject(arrived).startswith(word)
                assert f"kl. {start:%H:%M}" in subject(arrived)
            checked += 1
    assert checked == sum(
        len(expected_kinds(local(o.start).date()))
        for o in final.values()
        if o.kind == OccurrenceKind.MEETING and o.status != OccurrenceStatus.CANCELLED
    )
    prevention = addresses["Preventionssamordnare"]
    to_prevention = [m for m in delivered.values() if m.rcpt_tos == (prevention,)]
    assert all("SSP" in subject(m) for m in to_prevention)
    ssp_mails = sum(len(expected_kinds(local(final[o.uid].start).date())) for o in ssp)
    # + the moved one's first reminder, and the notice of each change to an SSP meeting.
    changed_ssp = sum(o in ssp for o in (moved, cancelled))
    assert len(to_prevention) == ssp_mails + (1 if moved in ssp else 0) + changed_ssp

    # Each change was told to its convener once, in the pass right after it.
    for occurrence, kind, changed_at in ((moved, MailKind.CHANGE_MOVED, move_at),
                                         (cancelled, MailKind.CHANGE_CANCELLED, cancel_at)):  # fmt: skip
        (notice,) = [r for r in world.rows_for(occurrence) if is_change(r.kind)]
        assert notice.kind == kind and notice.status == OutboxStatus.SENT
        arrived = delivered[message_id(notice.key, domain)]
        assert arrived.rcpt_tos == (addresses[by_measure[occurrence.measure_id][1]],)
        assert arrived.sent_at == changed_at

    # The cancelled meeting: its first reminder went out before the cancellation, nothing after.
    assert final[cancelled.uid].status == OccurrenceStatus.CANCELLED
    assert rows[key(cancelled, "meeting-14d")].status == OutboxStatus.SENT
    for kind in ("meeting-2d", "held"):
        row = rows[key(cancelled, kind)]
        assert row.status == OutboxStatus.CANCELLED
        assert message_id(row.key, domain) not in delivered
    for row in world.rows_for(cancelled):
        if is_change(row.kind):
            continue  # the notice of the cancellation itself, checked above
        got = delivered.get(message_id(row.key, domain))
        assert got is None or got.sent_at < cancel_at

    # The moved meeting: the old 14-day reminder had gone out; the old 2-day one and the old held
    # question were cancelled; new ones for the new time went out at the new times.
    assert rows[key(moved, "meeting-14d")].status == OutboxStatus.SENT
    for kind in ("meeting-2d", "held"):
        assert rows[key(moved, kind)].status == OutboxStatus.CANCELLED
        assert "ändrats eller ställts in" in rows[key(moved, kind)].last_error
    assert local(final[moved.uid].start) == new_start
    assert all(
        rows[key(final[moved.uid], kind)].status == OutboxStatus.SENT for kind in REMINDER_KINDS
    )


def test_a_moved_meeting_takes_its_pending_reminders_along(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'move.sqlite3'}", smtp,
                       extra=YEAR_OF_REMINDERS)  # fmt: skip
    meeting = next(
        o
        for o in world.occurrences()
        if o.kind == OccurrenceKind.MEETING and local(o.start).month == 3
    )
    old = {named(r): r for r in world.rows_for(meeting)}
    assert {old[k].status for k in REMINDER_KINDS} == {OutboxStatus.PENDING}

    start = local(meeting.start) + timedelta(days=3, hours=2)
    changed = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
    move_occurrence(world.engine, meeting.uid, start=start, end=start + (meeting.end - meeting.start),
                    now=changed)  # fmt: skip
    world.refresh(changed)

    rows = {r.key: r for r in world.rows_for(meeting)}
    for kind in REMINDER_KINDS:
        assert rows[old[kind].key].status == OutboxStatus.CANCELLED
    moved = next(o for o in world.occurrences() if o.uid == meeting.uid)
    new = {kind: rows[key(moved, kind)] for kind in REMINDER_KINDS}
    assert {r.status for r in new.values()} == {OutboxStatus.PENDING}
    assert new["meeting-14d"].due_at == morning(reminder_day(start.date(), 14))
    assert new["meeting-2d"].due_at == morning(reminder_day(start.date(), 2))
    after = moved.end + timedelta(hours=1)
    if closed_to_mail(local(after).date()):  # a question after a weekend meeting waits
        next_day = local(after).date() + timedelta(days=1)
        while closed_to_mail(next_day):
            next_day += timedelta(days=1)
        after = morning(next_day)
    assert new["held"].due_at == after
    assert f"kl. {start:%H:%M}" in new["meeting-2d"].subject

    # A second refresh changes nothing: the old rows stay cancelled, the new ones pending.
    world.refresh(changed + timedelta(hours=1))
    assert {r.key: r.status for r in world.rows_for(meeting)} == {
        k: r.status for k, r in rows.items()
    }

    step_through(world, max(moved.end, new["held"].due_at) + timedelta(days=1))
    delivered = assert_outbox_matches_deliveries(world, smtp)
    domain = SENDER.split("@")[1]
    for kind in REMINDER_KINDS:
        assert message_id(old[kind].key, domain) not in delivered
        assert message_id(new[kind].key, domain) in delivered


def test_a_cancelled_meeting_gets_nothing_more(tmp_path: Path, smtp: SmtpServer) -> None:
    """`scheduler cancel`, then passes through the command line: pending reminders cancelled."""
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'cancel.sqlite3'}", smtp,
                       extra=YEAR_OF_REMINDERS)  # fmt: skip
    meeting = next(
        o
        for o in world.occurrences()
        if o.kind == OccurrenceKind.MEETING and local(o.start).month == 3
    )
    assert world.cli("cancel", meeting.uid).code == 0
    now = morning(local(meeting.start).date() - timedelta(days=20))
    result = world.cli("remind", "run-due", "--now", now.isoformat())
    assert result.code == 0, result.err
    rows = world.rows_for(meeting)
    assert {named(r): r.status for r in rows} == dict.fromkeys(
        REMINDER_KINDS, OutboxStatus.CANCELLED
    )
    listed = world.cli("remind", "list", "--status", "cancelled")
    assert "inställt" in listed.out and "ändrats eller ställts in" in listed.out

    step_through(world, meeting.end + timedelta(days=3))
    assert_outbox_matches_deliveries(world, smtp)
    assert {r.status for r in world.rows_for(meeting)} == {OutboxStatus.CANCELLED}
    domain = SENDER.split("@")[1]
    assert not {message_id(r.key, domain) for r in rows} & set(smtp.handler.message_ids())


def test_a_cancel_reaches_a_dispatcher_that_does_not_refresh(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    """The dispatcher inside `scheduler serve` sends from the outbox without recomputing the
    schedule: a reminder whose meeting was cancelled (or moved) since it was made is not sent,
    even when the change reached the store without a refresh of the outbox (the store functions
    here; the CLI commands refresh as well)."""
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'serve.sqlite3'}", smtp,
                       extra=YEAR_OF_REMINDERS)  # fmt: skip
    meetings = [
        o
        for o in world.occurrences()
        if o.kind == OccurrenceKind.MEETING and local(o.start).month == 3
    ]
    cancelled, moved = meetings[0], meetings[1]
    changed_at = datetime(2024, 1, 5, tzinfo=UTC)
    cancel_occurrence(world.engine, cancelled.uid, now=changed_at)
    later = moved.start + timedelta(days=1)
    move_occurrence(
        world.engine, moved.uid, start=later, end=later + (moved.end - moved.start), now=changed_at
    )

    step_through(world, max(cancelled.end, moved.end) + timedelta(hours=2), refresh=False)
    for meeting in (cancelled, moved):
        statuses = {named(r): r.status for r in world.rows_for(meeting)}
        assert statuses == dict.fromkeys(REMINDER_KINDS, OutboxStatus.CANCELLED), statuses
        assert all("ställts in" in r.last_error or "flyttats" in r.last_error
                   for r in world.rows_for(meeting))  # fmt: skip
    assert_outbox_matches_deliveries(world, smtp)
    assert world.outbox(OutboxStatus.SKIPPED) == []


def test_downtime_catch_up_sends_what_is_still_useful_at_a_bounded_rate(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    """No pass from 1 December until mid-March; then passes every few minutes, at most
    `max_per_pass` each."""
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'down.sqlite3'}", smtp,
                       extra=YEAR_OF_REMINDERS + "max_per_pass = 3\n")  # fmt: skip
    meetings = [o for o in world.occurrences() if o.kind == OccurrenceKind.MEETING]
    # Back at 10:00 on the day of the 2-day reminder of the first meeting after 10 March: its
    # 14-day reminder is due too, but overtaken.
    target = next(o for o in meetings if local(o.start) >= datetime(2024, 3, 10, tzinfo=STOCKHOLM))
    back = morning(local(target.start).date() - timedelta(days=2)) + timedelta(hours=2)
    before: dict[str, OutboxMail] = {r.key: r for r in world.outbox()}
    due = [r for r in before.values() if r.due_at <= back]
    past = [r for r in due if r.useful_until is not None and r.useful_until <= back]
    useful = [r for r in due if r not in past]
    # Of the reminders still useful, only the latest of each occurrence's family is worth sending.
    latest: dict[tuple[int | None, str], OutboxMail] = {}
    for row in sorted(useful, key=lambda r: r.due_at):
        lead = re.match(r"(meeting|task)-\d+d$", row.kind)  # meeting-14d and -2d: one family
        latest[(row.occurrence_id, lead[1] if lead else row.kind)] = row
    overtaken_keys = {r.key for r in useful} - {r.key for r in latest.values()}
    assert key(target, "meeting-14d") in overtaken_keys
    assert len(past) > 20 and len(latest) > 6

    first = world.run(back)
    assert first.sent == 3
    assert len(smtp.handler.snapshot()) == 3
    rows = {r.key: r for r in world.outbox()}
    for row in past:
        assert rows[row.key].status == OutboxStatus.SKIPPED
        assert rows[row.key].last_error == "Inte längre aktuellt: tiden har redan passerat."
    for overtaken in overtaken_keys:
        assert rows[overtaken].status == OutboxStatus.SKIPPED
        assert rows[overtaken].last_error == "Ersatt av en senare påminnelse."
    assert first.skipped == len(past) + len(overtaken_keys)

    # Oldest due first; the rest waits for the next passes, three at a time.
    sent_first = sorted(
        (r for r in rows.values() if r.status == OutboxStatus.SENT), key=lambda r: r.due_at
    )
    waiting = [r for r in rows.values() if r.status == OutboxStatus.PENDING and r.due_at <= back]
    assert max(r.due_at for r in sent_first) <= min(r.due_at for r in waiting)
    assert next_due(world.engine) == min(r.due_at for r in waiting)  # so the runner comes back now
    now = back
    while waiting:
        now += timedelta(minutes=5)
        result = world.run(now)
        assert 1 <= result.sent <= 3
        waiting = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= back]
    sent = {r.key for r in world.outbox(OutboxStatus.SENT)}
    assert key(target, "meeting-2d") in sent
    assert {r.key for r in latest.values()} <= sent
    assert not overtaken_keys & sent
    assert_outbox_matches_deliveries(world, smtp)
