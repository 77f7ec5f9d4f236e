"""Reminders through a real SMTP server that misbehaves: refusing for a while (451), refusing
one address for good (550), not listening at all; and what the messages look like on the wire:
parts, .ics attachment, Swedish subject, deterministic Message-ID, no header injection. A bad
address in config.toml stops `scheduler remind run-due` before anything is sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from email.message import Message
from pathlib import Path

import icalendar
import pytest

from scheduler.mail.delivery import SmtpDelivery
from scheduler.mail.render import address, build_message, message_id
from scheduler.model.mail import MailKind, OutboxMail, OutboxStatus, RenderedEmail
from scheduler.plan.files import read_plan
from scheduler.services.dispatch import message_for, run_due
from scheduler.store.outbox import claim, due_ids, next_due
from tests.support.helpers import free_port
from tests.support.seed import SEED_PLAN, YEAR_OF_REMINDERS
from tests.support.smtp_server import SENDER, SmtpServer, World, make_world

PREVENTION = "preventionssamordnare@kungsholmen.example.org"
SAFETY = "trygghetssamordnare@kungsholmen.example.org"


@pytest.fixture
def world(tmp_path: Path, smtp: SmtpServer) -> World:
    # A year of reminders at once: the tests pick rows months ahead and pass at their times.
    return make_world(tmp_path, f"sqlite:///{tmp_path / 'smtp.sqlite3'}", smtp,
                      extra=YEAR_OF_REMINDERS)  # fmt: skip


def due_rows(world: World, now: datetime) -> list[OutboxMail]:
    return [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= now]


def first_time_both_are_due(world: World) -> datetime:
    """The first due time by which reminders to both conveners are due."""
    first_prevention = min(r.due_at for r in world.outbox() if r.recipient == PREVENTION)
    assert any(r.recipient == SAFETY for r in due_rows(world, first_prevention))
    return first_prevention


def catch_up_to_the_first_prevention_reminder(world: World, smtp: SmtpServer) -> datetime:
    """Passes at every due time before the first reminder to the preventionssamordnare; returns
    a moment up to three days after it, when it is the oldest due row, the only one to that
    address, and others are due after it.
    (The first one that is also first in the pass order at its time: reminders go out at 08:00
    on working days, so two conveners' reminders often share a morning.)"""
    rows = world.outbox()  # in the dispatcher's order: due time, then id
    first = next(
        row.due_at
        for n, row in enumerate(rows)
        if row.recipient == PREVENTION and (n == 0 or rows[n - 1].due_at < row.due_at)
    )
    while (due := next_due(world.engine)) is not None and due < first:
        world.run(due)
    smtp.handler.clear()
    # Three days on, but before the next reminder to the same convener (working-day reminders
    # can bring two to one address within a few days): the refused one is that address's only.
    later = [r.due_at for r in rows if r.recipient == PREVENTION and r.due_at > first]
    now = min([first + timedelta(days=3), *(due - timedelta(minutes=1) for due in later[:1])])
    rows = due_rows(world, now)
    assert rows[0].recipient == PREVENTION
    assert [r for r in rows[1:] if r.recipient == SAFETY]
    return now


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_451_for_a_while_is_retried_with_growing_delays_then_sent_once(
    world: World, smtp: SmtpServer, stage: str
) -> None:
    now = next_due(world.engine)
    assert now is not None
    due = {r.key for r in due_rows(world, now)}
    assert due
    smtp.handler.refuse_temporarily = stage
    delays = []
    for attempt in (1, 2, 3):
        result = world.run(now)
        assert (result.sent, result.retried) == (0, len(due))
        rows = [r for r in world.outbox() if r.key in due]
        assert {r.status for r in rows} == {OutboxStatus.PENDING}
        assert {r.attempts for r in rows} == {attempt}
        assert all(r.last_error.startswith("451 4.") for r in rows)
        (retry_at,) = {r.next_attempt_at for r in rows}
        assert retry_at is not None
        delays.append(retry_at - now)
        # Not before the retry time: a pass just before it leaves the rows alone.
        refusals = smtp.handler.refusals
        assert world.run(retry_at - timedelta(seconds=30)).retried == 0
        assert smtp.handler.refusals == refusals
        assert next_due(world.engine) == retry_at
        now = retry_at
    assert delays == [timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30)]
    assert smtp.handler.snapshot() == []

    smtp.handler.refuse_temporarily = None  # the server recovers
    result = world.run(now)
    assert result.sent == len(due) and not result.errors
    rows = [r for r in world.outbox() if r.key in due]
    assert {(r.status, r.attempts, r.last_error) for r in rows} == {(OutboxStatus.SENT, 4, "")}
    world.run(now + timedelta(hours=1))
    delivered = smtp.handler.message_ids()
    domain = SENDER.split("@")[1]
    assert {message_id(k, domain) for k in due} <= set(delivered)
    assert max(delivered.values()) == 1
    assert len(delivered) == len(world.outbox(OutboxStatus.SENT))


def test_a_row_refused_every_time_fails_after_the_last_retry(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'give-up.sqlite3'}", smtp,
                       extra="[reminders]\nretry_minutes = [1, 5]\n")  # fmt: skip
    now = next_due(world.engine)
    assert now is not None
    smtp.handler.refuse_temporarily = "rcpt"
    outcomes = []
    for _ in range(3):
        result = world.run(now)
        outcomes.append((result.retried, result.failed))
        now = next_due(world.engine) or now
    assert [o[1] > 0 for o in outcomes] == [False, False, True]
    failed = world.outbox(OutboxStatus.FAILED)
    assert failed and {r.attempts for r in failed} == {3}
    assert all(r.last_error.startswith("451 ") for r in failed)


@pytest.mark.parametrize(
    "reply", ["550 5.1.1 <{}>: Recipient address rejected", "451 4.2.0 Mailbox busy"]
)
def test_one_refused_address_does_not_hold_up_the_others(
    world: World, smtp: SmtpServer, reply: str
) -> None:
    now = catch_up_to_the_first_prevention_reminder(world, smtp)
    answer = reply.format(PREVENTION)
    smtp.handler.refuse_recipients[PREVENTION] = answer
    refused, *others = due_rows(world, now)
    result = world.run(now)
    rows = {r.key: r for r in world.outbox()}
    # The others, all after the refused one in the pass, went out (or were not worth sending).
    assert result.sent >= 1
    assert {rows[o.key].status for o in others} <= {OutboxStatus.SENT, OutboxStatus.SKIPPED}
    assert result.sent == sum(1 for o in others if rows[o.key].status == OutboxStatus.SENT)
    row = rows[refused.key]
    assert row.last_error == answer  # the server's own answer, code and text
    assert row.attempts == 1
    if answer.startswith("550"):
        assert row.status == OutboxStatus.FAILED and result.failed == 1
        world.run(now + timedelta(hours=1))
        (again,) = [r for r in world.outbox() if r.key == refused.key]
        assert (again.status, again.attempts) == (OutboxStatus.FAILED, 1)  # never tried again
    else:
        assert row.status == OutboxStatus.PENDING and row.next_attempt_at == now + timedelta(
            minutes=2
        )
    assert {m.rcpt_tos for m in smtp.handler.snapshot()} == {(SAFETY,)}
    if answer.startswith("550"):
        listed = world.cli("remind", "list", "--status", "failed")
        assert answer in listed.out and "misslyckat" in listed.out
    else:  # the address is accepted again: the row goes out at its retry time, once
        smtp.handler.refuse_recipients.clear()
        assert row.next_attempt_at is not None
        world.run(row.next_attempt_at)
        world.run(row.next_attempt_at + timedelta(hours=1))
        # Once: one message per row sent to that address (the next reminder to the same
        # convener may fall due by then too).
        sent = [r for r in world.outbox(OutboxStatus.SENT) if r.recipient == PREVENTION]
        assert refused.key in {r.key for r in sent}
        assert [m.rcpt_tos for m in smtp.handler.snapshot()].count((PREVENTION,)) == len(sent)


def test_a_server_that_does_not_answer_is_retried(tmp_path: Path, smtp: SmtpServer) -> None:
    closed = free_port()
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'down.sqlite3'}", smtp,
                       edit=lambda text: text.replace(f"smtp_port = {smtp.port}", f"smtp_port = {closed}"))  # fmt: skip
    now = next_due(world.engine)
    assert now is not None
    due = due_rows(world, now)
    result = world.run(now)
    assert (result.retried, result.sent) == (len(due), 0)
    assert all("ConnectionRefusedError" in e for e in result.errors)
    rows = [r for r in world.outbox(OutboxStatus.PENDING) if r.key in {d.key for d in due}]
    assert {(r.attempts, r.next_attempt_at) for r in rows} == {(1, now + timedelta(minutes=2))}


def test_a_bug_while_sending_one_row_does_not_stop_the_pass(world: World, smtp: SmtpServer) -> None:
    now = catch_up_to_the_first_prevention_reminder(world, smtp)
    real = SmtpDelivery(world.email)

    class Flaky:
        def send(self, message: Message) -> None:
            if PREVENTION in str(message["To"]):
                raise RuntimeError("oväntat fel")
            real.send(message)

    result = run_due(world.engine, config=world.config, delivery=Flaky(), email=world.email, settings=world.settings,
                     now=now)  # fmt: skip
    assert result.retried == 1 and result.sent >= 1
    assert len(smtp.handler.snapshot()) == result.sent
    (row,) = [
        r
        for r in world.outbox(OutboxStatus.PENDING)
        if r.recipient == PREVENTION and r.due_at <= now
    ]
    assert row.last_error == "RuntimeError: oväntat fel" and row.next_attempt_at is not None
    assert world.outbox(OutboxStatus.SENDING) == []


def test_claim_repeats_the_whole_readiness_test(world: World, smtp: SmtpServer) -> None:
    """A dispatcher that listed a row before another one put it back for a retry must not send
    it before its retry time."""
    now = next_due(world.engine)
    assert now is not None
    smtp.handler.refuse_temporarily = "data"
    world.run(now)
    row = due_rows(world, now)[0]
    assert row.next_attempt_at is not None
    soon = now + timedelta(minutes=1)
    lease = timedelta(minutes=10)
    assert row.id not in due_ids(world.engine, now=soon, limit=100)
    assert row.id is not None
    assert claim(world.engine, row.id, worker="late", now=soon, lease=lease) is None
    later = next(r for r in world.outbox(OutboxStatus.PENDING) if r.due_at > now)
    assert later.id is not None
    assert claim(world.engine, later.id, worker="early", now=now, lease=lease) is None
    claimed = claim(world.engine, row.id, worker="on-time", now=row.next_attempt_at, lease=lease)
    assert claimed is not None and claimed.status == OutboxStatus.SENDING


def test_a_meeting_reminder_on_the_wire(world: World, smtp: SmtpServer) -> None:
    row = min(
        (r for r in world.outbox() if (r.kind, r.lead_days) == (MailKind.MEETING_REMINDER, 14)),
        key=lambda r: r.due_at,
    )
    world.run(row.due_at)
    domain = SENDER.split("@")[1]
    (got,) = [m for m in smtp.handler.snapshot() if m.message_id == message_id(row.key, domain)]
    message = got.message
    assert got.mail_from == SENDER and got.rcpt_tos == (row.recipient,)
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["Auto-Submitted"] == "auto-generated"
    # Swedish subject, with the day and time of the meeting.
    assert message["Subject"].startswith("Dags att kalla till ")
    assert any(
        day in message["Subject"] for day in ("måndag", "tisdag", "onsdag", "torsdag", "fredag")
    )
    assert " kl. " in message["Subject"]
    # Text and HTML alternatives, and the meeting as an .ics (METHOD:PUBLISH).
    assert message.get_content_type() == "multipart/mixed"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Hej Trygghetssamordnare!" in text.get_content()
    assert "sammankallande" in text.get_content()
    assert '<html lang="sv">' in html.get_content()
    (ics,) = list(message.iter_attachments())
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "PUBLISH"
    assert ics.get_filename() == "mote.ics"
    calendar = icalendar.Calendar.from_ical(ics.get_content())
    assert str(calendar["METHOD"]) == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    occurrence = next(o for o in world.occurrences() if o.id == row.occurrence_id)
    assert str(event["UID"]) == occurrence.uid
    assert event.decoded("DTSTART") == occurrence.start
    # The held question after the meeting: links, no attachment.
    held = next(r for r in world.outbox() if r.key == row.key.replace("|meeting-14d|", "|held|"))
    world.run(held.due_at)
    (question,) = [
        m for m in smtp.handler.snapshot() if m.message_id == message_id(held.key, domain)
    ]
    assert question.message["Subject"].startswith("Blev det av? ")
    assert list(question.message.iter_attachments()) == []
    assert question.text().count("/svar/") == 2


def test_message_id_is_deterministic_per_reminder(world: World) -> None:
    rows = world.outbox()
    email = world.email
    first = message_for(rows[0], email, now=datetime.fromisoformat("2024-01-01T08:00+01:00"))
    again = message_for(rows[0], email, now=datetime.fromisoformat("2024-03-01T08:00+01:00"))
    assert first["Message-ID"] == again["Message-ID"] and first["Date"] != again["Date"]
    assert first["Message-ID"] == message_id(rows[0].key, "kungsholmen.example.org")
    ids = {str(message_for(r, email, now=r.due_at)["Message-ID"]) for r in rows}
    assert len(ids) == len(rows)
    assert all(i.startswith("<") and i.endswith("@kungsholmen.example.org>") for i in ids)


EVIL = "\r\nBcc: evil@example.org"


def test_no_header_injection_through_names_or_titles(tmp_path: Path, smtp: SmtpServer) -> None:
    plan = read_plan(SEED_PLAN).plan
    first = plan.areas[0]
    ssp = first.measures[0]
    assert ssp.title == "SSP"
    evil_plan = replace(plan, areas=(replace(first, measures=(replace(ssp, title="SSP" + EVIL),
                                                               *first.measures[1:])), *plan.areas[1:]))  # fmt: skip
    world = make_world(
        tmp_path, f"sqlite:///{tmp_path / 'evil.sqlite3'}", smtp, plan=evil_plan,
        extra='from_name = "Kungsholmen\\r\\nBcc: evil@example.org"\n' + YEAR_OF_REMINDERS,
        edit=lambda text: text.replace('name = "Preventionssamordnare"',
                                       'name = "Preventionssamordnare\\r\\nBcc: evil@example.org"'),
    )  # fmt: skip
    rows = [r for r in world.outbox() if r.recipient == PREVENTION]
    assert rows, "the SSP reminders still go to the role's address"
    assert "\n" in rows[0].role and "\n" not in rows[0].subject
    for row in sorted(rows, key=lambda r: r.due_at)[:3]:
        world.run(row.due_at)
    received = smtp.handler.snapshot()
    assert len(received) >= 3
    for got in received:
        assert "evil@example.org" not in got.rcpt_tos
        assert got.message["Bcc"] is None
        lines = got.data.split(b"\r\n")
        header = lines[: lines.index(b"")]
        assert not [line for line in header if line.lower().startswith(b"bcc")]
        assert len(got.message["To"].addresses) == 1 and len(got.message["From"].addresses) == 1
    assert any("Bcc: evil@example.org" in str(m.message["Subject"]) for m in received)  # as text

    # build_message refuses a line break it is handed, whichever header it would go to.
    sender, recipient = address(SENDER, "Kungsholmen"), address(PREVENTION, "P")
    with pytest.raises(ValueError):
        build_message(RenderedEmail("Ämne" + EVIL, "text", "<p>html</p>"), sender=sender,
                      recipient=recipient, key="k", date=datetime.now().astimezone())  # fmt: skip


def test_a_bad_address_in_config_stops_run_due_before_sending(
    world: World, smtp: SmtpServer
) -> None:
    now = first_time_both_are_due(world)
    before = {r.key: r.status for r in world.outbox()}
    good = world.config_path.read_text(encoding="utf-8")
    for bad, named in [
        (good.replace(f'email = "{PREVENTION}"', 'email = "preventionssamordnare.kungsholmen"'),
         "«roles.preventionssamordnare.email»"),
        (good.replace(f'from = "{SENDER}"', 'from = "paminnelser"'), "«email.from»"),
        (good.replace("[reminders]\n", '[reminders]\nmeeting_days = "14"\n'), "«reminders.meeting_days»"),
    ]:  # fmt: skip
        world.config_path.write_text(bad, encoding="utf-8")
        result = world.cli("remind", "run-due", "--now", now.isoformat())
        assert result.code == 2, result
        assert result.err.startswith("Fel: ") and named in result.err
        assert result.err.count("\n") == 1  # one line, no traceback
        assert "giltig" in result.err or "ska vara" in result.err
    assert smtp.handler.snapshot() == []
    assert {r.key: r.status for r in world.outbox()} == before
