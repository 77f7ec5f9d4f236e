"""A meeting moved or cancelled with `scheduler move` / `scheduler cancel` tells its convener at
once: one email through a real SMTP server, with an iTIP .ics (METHOD:REQUEST or METHOD:CANCEL)
that ical.js and libical (with its RFC 5546 restriction check) read as the feed's event: same UID,
the occurrence's SEQUENCE, the new time. Never twice for one change; once more for each new one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import icalendar
import pytest

from scheduler.base.time import STOCKHOLM
from scheduler.model.mail import MailKind, OutboxMail, OutboxStatus, is_change
from scheduler.model.occurrence import Occurrence
from scheduler.model.stored import StoredMeasure
from scheduler.plan.files import read_plan
from scheduler.store.plans import load_plan
from tests.clients import ClientResult, icaljs_expand_many, libical_expand_many, require_clients
from tests.support.seed import SEED_PLAN
from tests.support.smtp_server import Received, SmtpServer, World, make_world

pytestmark = pytest.mark.processes  # the calendar clients run as processes: not in `make quick`

PREVENTION = "preventionssamordnare@kungsholmen.example.org"  # convenes SSP
# Before any reminder of the 2024 plan is due, so a pass sends only what a change adds.
CHANGED = datetime(2023, 12, 1, 8, 0, tzinfo=UTC)
WINDOW = (datetime(2023, 12, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC))


def ssp_meeting(world: World) -> Occurrence:
    """The first SSP meeting (13 February; its convener is the preventionssamordnare)."""
    by_measure = {m.id: m.measure.title for m in world_measures(world)}
    return next(o for o in world.occurrences()
                if o.kind == "meeting" and by_measure[o.measure_id] == "SSP")  # fmt: skip


def world_measures(world: World) -> list[StoredMeasure]:
    return list(load_plan(world.engine, world.plan_id).measures)


def current(world: World, uid: str) -> Occurrence:
    return next(o for o in world.occurrences() if o.uid == uid)


def at(moment: datetime) -> str:
    return moment.isoformat()


def change_rows(world: World) -> list[OutboxMail]:
    return [r for r in world.outbox() if is_change(r.kind)]


def calendar_part(message: EmailMessage) -> tuple[str, EmailMessage]:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert isinstance(part, EmailMessage)
    return str(part.get_content()), part


def feed_uids(world: World, tmp_path: Path, name: str) -> dict[str, icalendar.Event]:
    """The events of the plan's feed as `scheduler feeds export` writes it, by UID."""
    folder = tmp_path / name
    result = world.cli("feeds", "export", str(folder))
    assert result.code == 0, result.err
    (plan_file,) = [p for p in folder.iterdir() if p.name.startswith("plan") and p.name.endswith(".ics")
                    and ".todo" not in p.name]  # fmt: skip
    calendar = icalendar.Calendar.from_ical(plan_file.read_bytes())
    return {event.uid: event for event in calendar.events}


def read_by_clients(ics: str) -> list[ClientResult]:
    """ical.js and libical (which also checks the iTIP rules of the calendar's METHOD)."""
    jobs = [(ics, *WINDOW)]
    readings = [icaljs_expand_many(jobs)[0], libical_expand_many(jobs)[0]]
    for reading in readings:
        assert reading.errors == [], (reading.client, reading.errors)
    return readings


def only_message(smtp: SmtpServer) -> Received:
    (message,) = smtp.handler.snapshot()
    return message


@pytest.fixture(autouse=True)
def _clients() -> None:
    require_clients("icaljs", "libical")


def test_a_moved_meeting_sends_its_convener_one_email_with_the_updated_entry(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp)
    meeting = ssp_meeting(world)
    before = feed_uids(world, tmp_path, "before")
    assert meeting.uid in before

    result = world.cli("move", meeting.uid, "2024-03-12", "10:00", "--now", at(CHANGED))
    assert result.code == 0, result.err
    assert "Sammankallande (Preventionssamordnare) får ett mejl om ändringen." in result.out
    (row,) = change_rows(world)
    assert row.kind == MailKind.CHANGE_MOVED and row.recipient == PREVENTION

    passed = world.run(CHANGED)
    assert passed.sent == 1
    arrived = only_message(smtp)
    assert arrived.rcpt_tos == (PREVENTION,)
    moved = current(world, meeting.uid)
    assert moved.sequence == meeting.sequence + 1
    new_start = datetime(2024, 3, 12, 10, 0, tzinfo=STOCKHOLM)
    assert moved.start == new_start
    subject = str(arrived.message["Subject"])
    assert subject.startswith("Flyttat: SSP") and "tisdag 12 mars 2024 kl. 10:00" in subject
    old = meeting.start.astimezone(STOCKHOLM)
    assert f"kl. {old:%H:%M} till tisdag 12 mars 2024 kl. 10:00" in arrived.text()

    ics, part = calendar_part(arrived.message)
    assert part.get_filename() == "mote.ics"
    assert part.get_param("method") == "REQUEST"
    for reading in read_by_clients(ics):
        (event,) = reading.events
        assert event.uid == meeting.uid, reading.client
        assert event.sequence == moved.sequence, reading.client
        assert event.start_utc == new_start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (event.status or "").upper() == "CONFIRMED"
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar.method == "REQUEST"
    (entry,) = calendar.events
    assert entry.stamp == CHANGED
    assert entry.organizer == before[meeting.uid].organizer
    assert [str(a) for a in entry.attendees] == [f"mailto:{PREVENTION}"]

    # The feed has the same entry: same UID, the same SEQUENCE, the new time.
    after = feed_uids(world, tmp_path, "after")[meeting.uid]
    assert after.sequence == moved.sequence
    assert after.start == new_start


def test_a_cancelled_meeting_sends_a_cancel_for_the_feeds_entry(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp)
    meeting = ssp_meeting(world)
    subscribed = feed_uids(world, tmp_path, "before")[meeting.uid]

    result = world.cli("cancel", meeting.uid, "--note", "Krockar med lovet", "--now", at(CHANGED))
    assert result.code == 0, result.err
    assert "Sammankallande (Preventionssamordnare) får ett mejl om ändringen." in result.out
    assert world.run(CHANGED).sent == 1

    arrived = only_message(smtp)
    assert arrived.rcpt_tos == (PREVENTION,)
    start = meeting.start.astimezone(STOCKHOLM)
    assert str(arrived.message["Subject"]).startswith("Inställt: SSP")
    assert "har ställts in" in arrived.text() and "Kommentar: Krockar med lovet" in arrived.text()
    ics, part = calendar_part(arrived.message)
    assert part.get_param("method") == "CANCEL"
    cancelled = current(world, meeting.uid)
    assert cancelled.sequence > subscribed.sequence
    for reading in read_by_clients(ics):
        (event,) = reading.events
        assert event.uid == subscribed.uid, reading.client
        assert event.sequence == cancelled.sequence, reading.client
        assert (event.status or "").upper() == "CANCELLED", reading.client
        assert event.start_utc == start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    calendar = icalendar.Calendar.from_ical(ics)
    assert calendar.method == "CANCEL"
    (entry,) = calendar.events
    assert entry.status == "CANCELLED"
    assert entry.stamp == CHANGED
    # Outlook ignores STATUS: only TRANSPARENT frees the time, and the title says why.
    assert entry.transparency == "TRANSPARENT" and str(entry.summary).startswith("INSTÄLLT: SSP")

    # Cancelling again changes nothing and tells no one again.
    again = world.cli("cancel", meeting.uid, "--now", at(CHANGED + timedelta(hours=1)))
    assert again.code == 0, again.err
    assert "inget nytt mejl" in again.out
    assert len(change_rows(world)) == 1
    assert world.run(CHANGED + timedelta(hours=1)).sent == 0


def test_each_change_is_told_once_and_the_next_one_once_more(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, store_url, smtp)
    meeting = ssp_meeting(world)
    assert world.cli("move", meeting.uid, "2024-03-12", "10:00", "--now", at(CHANGED)).code == 0
    assert world.run(CHANGED).sent == 1
    assert world.run(CHANGED + timedelta(minutes=5)).sent == 0  # a second pass: nothing more
    assert len(smtp.handler.snapshot()) == 1

    later = CHANGED + timedelta(hours=2)
    result = world.cli("move", meeting.uid, "2024-03-13", "13:00", "--now", at(later))
    assert result.code == 0, result.err
    assert world.run(later).sent == 1
    assert world.run(later + timedelta(minutes=5)).sent == 0
    first, second = smtp.handler.snapshot()
    assert "till tisdag 12 mars 2024 kl. 10:00" in first.text()
    assert "från tisdag 12 mars 2024 kl. 10:00 till onsdag 13 mars 2024 kl. 13:00" in second.text()
    sequences = []
    for arrived in (first, second):
        ics, _part = calendar_part(arrived.message)
        (event,) = icalendar.Calendar.from_ical(ics).events
        sequences.append(event.sequence)
    assert sequences == [meeting.sequence + 1, meeting.sequence + 2]
    assert current(world, meeting.uid).sequence == meeting.sequence + 2
    assert first.message_id != second.message_id
    assert {r.status for r in change_rows(world)} == {OutboxStatus.SENT}


def test_two_moves_before_a_pass_send_one_email_from_where_it_was_to_where_it_is(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    """The first notice was never sent: the second takes it over ("from" is where the convener
    last knew the meeting to be) and the first is withdrawn with the reason."""
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'twice.sqlite3'}", smtp)
    meeting = ssp_meeting(world)
    old = meeting.start.astimezone(STOCKHOLM)
    assert world.cli("move", meeting.uid, "2024-03-12", "10:00", "--now", at(CHANGED)).code == 0
    later = CHANGED + timedelta(minutes=10)
    assert world.cli("move", meeting.uid, "2024-03-14", "13:00", "--now", at(later)).code == 0

    assert world.run(later).sent == 1
    arrived = only_message(smtp)
    assert (f"från tisdag {old.day} februari 2024 kl. {old:%H:%M} till torsdag 14 mars 2024 "
            "kl. 13:00") in arrived.text()  # fmt: skip
    assert "12 mars" not in arrived.text()
    ics, _part = calendar_part(arrived.message)
    (event,) = icalendar.Calendar.from_ical(ics).events
    assert event.sequence == meeting.sequence + 2
    withdrawn, sent = sorted(change_rows(world), key=lambda r: r.created_at)
    assert withdrawn.status == OutboxStatus.CANCELLED and "senare ändring" in withdrawn.last_error
    assert sent.status == OutboxStatus.SENT

    # A cancellation after an unsent move: one CANCEL, naming the time the convener knew.
    smtp.handler.clear()
    other = next(o for o in world.occurrences() if o.measure_id == meeting.measure_id
                 and o.uid != meeting.uid and o.start.astimezone(STOCKHOLM).month == 5)  # fmt: skip
    known = other.start.astimezone(STOCKHOLM)
    assert world.cli("move", other.uid, "2024-05-20", "10:00", "--now", at(later)).code == 0
    assert world.cli("cancel", other.uid, "--now", at(later + timedelta(minutes=1))).code == 0
    assert world.run(later + timedelta(minutes=1)).sent == 1
    arrived = only_message(smtp)
    assert str(arrived.message["Subject"]).endswith(f"kl. {known:%H:%M}")
    assert f"{known.day} maj 2024 kl. {known:%H:%M} har ställts in" in arrived.text()
    assert [
        r.kind
        for r in change_rows(world)
        if r.occurrence_id == other.id and r.status == OutboxStatus.SENT
    ] == [MailKind.CHANGE_CANCELLED]


def test_a_convener_without_an_address_is_named_and_nothing_is_queued(
    tmp_path: Path, store_url: str, smtp: SmtpServer
) -> None:
    def without_address(text: str) -> str:
        line = f'email = "{PREVENTION}"\n'
        assert line in text
        return text.replace(line, "")

    world = make_world(tmp_path, store_url, smtp, edit=without_address)
    meeting = ssp_meeting(world)
    moved = world.cli("move", meeting.uid, "2024-03-12", "10:00", "--now", at(CHANGED))
    assert moved.code == 0, moved.err
    told = [line for line in moved.out.splitlines() if "mejl" in line]
    assert told == [
        "Obs: Preventionssamordnare har ingen e-postadress i config.toml och får inget mejl "
        "om ändringen."
    ]
    cancelled = world.cli("cancel", meeting.uid, "--now", at(CHANGED))
    assert "Preventionssamordnare har ingen e-postadress" in cancelled.out
    assert change_rows(world) == []
    assert world.run(CHANGED).sent == 0
    assert smtp.handler.snapshot() == []


def test_headers_stay_one_line_and_the_html_escapes_the_note_and_the_title(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    seed = read_plan(SEED_PLAN).plan
    area = seed.areas[0]
    ssp = next(m for m in area.measures if m.title == "SSP")
    odd = replace(ssp, title="SSP <i>unga</i>\nBcc: evil@example.org")
    plan = replace(seed, areas=(replace(area, measures=tuple(
        odd if m is ssp else m for m in area.measures)), *seed.areas[1:]))  # fmt: skip
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'odd.sqlite3'}", smtp, plan=plan)
    meeting = next(o for o in world.occurrences() if o.kind == "meeting"
                   and o.measure_id in {m.id for m in world_measures(world)
                                        if m.measure.title.startswith("SSP <i>")})  # fmt: skip
    note = "<b>Lokalen</b> är upptagen\nSubject: inte ett huvud"
    result = world.cli(
        "move", meeting.uid, "2024-03-12", "10:00", "--note", note, "--now", at(CHANGED)
    )
    assert result.code == 0, result.err
    assert world.run(CHANGED).sent == 1
    arrived = only_message(smtp)

    subject = str(arrived.message["Subject"])
    assert "\n" not in subject and "\r" not in subject
    assert subject.startswith("Flyttat: SSP <i>unga</i> Bcc: evil@example.org")
    assert arrived.rcpt_tos == (PREVENTION,)
    assert arrived.message["Bcc"] is None
    assert [h for h in arrived.message if h.lower() == "subject"] == ["Subject"]
    # On the wire: every header starts a line; folded continuations start with white space.
    header_block = arrived.data.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
    names = [line.split(":", 1)[0] for line in header_block if not line[:1].isspace()]
    assert sorted(names) == sorted(["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted",
                                    "Content-Type", "MIME-Version"])  # fmt: skip

    html = arrived.message.get_body(preferencelist=("html",))
    assert html is not None
    body = str(html.get_content()).replace("\r\n", "\n")
    assert "&lt;b&gt;Lokalen&lt;/b&gt; är upptagen\nSubject: inte ett huvud" in body
    assert "<b>Lokalen</b>" not in body and "<i>unga</i>" not in body
    assert "SSP &lt;i&gt;unga&lt;/i&gt;" in body
    assert f"Kommentar: {note}" in arrived.text().replace("\r\n", "\n")  # the text as written

    ics, _part = calendar_part(arrived.message)
    for reading in read_by_clients(ics):
        (event,) = reading.events
        assert event.uid == meeting.uid


def test_a_moved_task_is_told_as_a_task_with_an_all_day_entry(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'task.sqlite3'}", smtp)
    task = next(o for o in world.occurrences() if o.kind == "task")
    result = world.cli("move", task.uid, "2024-03-20", "--now", at(CHANGED))
    assert result.code == 0, result.err
    assert "får ett mejl om ändringen." in result.out
    assert world.run(CHANGED).sent == 1
    arrived = only_message(smtp)
    assert "Uppgiften «" in arrived.text() and "till onsdag 20 mars 2024." in arrived.text()
    assert "sammankallande: meddela deltagarna" not in arrived.text()
    ics, part = calendar_part(arrived.message)
    assert part.get_filename() == "uppgift.ics" and part.get_param("method") == "REQUEST"
    for reading in read_by_clients(ics):
        (event,) = reading.events
        assert (event.uid, event.start_utc, event.all_day) == (task.uid, "2024-03-20", True)
        assert event.sequence == task.sequence + 1
