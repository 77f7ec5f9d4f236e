"""The dispatcher as operations see it: a failing follow-up step does not cost a reminder pass,
an unwritable file outbox is one warning per row (no traceback) and is retried, each pass is one
info line with its counts, a login over a plain connection is refused at start, and the .ics a
reminder carries says its charset (tasks attach `uppgift.ics` and speak of a task)."""

from __future__ import annotations

import email
import logging
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import icalendar
import pytest
from sqlalchemy import text

from scheduler.mail.delivery import delivery_for
from scheduler.mail.render import message_id
from scheduler.model.mail import MailKind, OutboxMail, OutboxStatus
from scheduler.services.followup import tick as followup_tick
from scheduler.services.reminder_mail import ReminderRenderer
from scheduler.services.runner import DispatcherRunner
from tests.support.cli import Cli, write_config
from tests.support.smtp_server import SmtpServer, World, make_world

# A morning when several reminders of the 2024 seed plan are due, none of them stale.
MORNING = datetime.fromisoformat("2024-01-09T08:30:00+01:00")


def break_the_follow_up(world: World) -> None:
    """A real failure in the follow-up step: its table is gone (a botched restore, say)."""
    with world.engine.begin() as connection:
        connection.execute(text("DROP TABLE followup_campaign"))


def test_a_failing_follow_up_step_does_not_skip_the_reminder_pass_of_run_due(
    tmp_path: Path, store_url: str, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(tmp_path, store_url, smtp)
    due = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= MORNING]
    assert due
    break_the_follow_up(world)
    result = world.cli("remind", "run-due", "--now", MORNING.isoformat())
    assert result.code == 1
    (line,) = [line for line in result.err.splitlines() if line.startswith("Fel:")]
    assert line.startswith("Fel: uppföljningssteget misslyckades (")  # the database's error class
    assert line.endswith("); påminnelserna skickas ändå. Se loggen.")
    # Everything due was dealt with (sent, or skipped as overtaken by a later reminder).
    assert not [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= MORNING]
    sent = [r for r in world.outbox(OutboxStatus.SENT)]
    assert result.out.startswith(f"Skickade {len(sent)},") and len(sent) >= 1
    assert len(smtp.handler.snapshot()) == len(sent)
    assert any("follow-up step failed" in r.getMessage() for r in caplog.records)


def test_a_failing_follow_up_step_does_not_skip_the_runners_pass(
    tmp_path: Path, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'runner.sqlite3'}", smtp)
    due = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= MORNING]
    break_the_follow_up(world)
    email_settings = world.email
    runner = DispatcherRunner(world.engine, config=world.config, delivery=delivery_for(email_settings), email=email_settings,
                              settings=world.settings, clock=lambda: MORNING,
                              before_pass=lambda now: followup_tick(world.engine, world.config, now=now))  # fmt: skip
    runner.scheduler.start(paused=True)
    try:
        result = runner.tick()
    finally:
        runner.shutdown()
    assert result is not None and result.sent + result.skipped == len(due) and result.sent >= 1
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.getMessage() for r in failures] == [
        "follow-up step failed; the reminder pass runs anyway"
    ]


def test_an_unwritable_file_outbox_is_one_warning_per_row_without_traceback_and_retried(
    tmp_path: Path, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    """As root, permissions do not stop a write: the outbox folder's path is a regular file."""
    (tmp_path / "utkorg").write_text("inte en mapp", encoding="utf-8")
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'file.sqlite3'}", smtp,
                       edit=lambda t: t.replace('backend = "smtp"', 'backend = "file"\noutbox_dir = "utkorg"'))  # fmt: skip
    assert world.email.backend == "file"
    caplog.set_level(logging.INFO)
    result = world.run(MORNING)
    assert (result.sent, result.failed) == (0, 0) and result.retried >= 2
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == result.retried
    assert not [r for r in caplog.records if r.exc_info or r.levelno > logging.WARNING]
    assert all(
        "Utkorgen" in r.getMessage() and "\n" not in r.getMessage() and "retry at" in r.getMessage()
        for r in warnings
    )
    tried = [r for r in world.outbox() if r.attempts]
    assert len(tried) == result.retried
    for again in tried:  # put back to wait for a retry, with the reason
        assert (
            again.status == OutboxStatus.PENDING and again.attempts == 1 and again.next_attempt_at
        )
        assert again.last_error.startswith(
            f"Utkorgen {tmp_path / 'utkorg'} går inte att skriva till"
        )


def test_each_dispatcher_pass_logs_one_info_line_with_its_counts(
    tmp_path: Path, smtp: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'log.sqlite3'}", smtp)
    caplog.set_level(logging.INFO, logger="scheduler")
    result = world.run(MORNING)
    lines = [r for r in caplog.records if r.name == "scheduler.services.dispatch"]
    assert [r.levelno for r in lines] == [logging.INFO]
    assert lines[0].getMessage() == (
        f"dispatcher pass at {MORNING.isoformat()}: sent {result.sent}, retried 0, failed 0, "
        f"skipped {result.skipped}, cancelled 0, claimed by others 0"
    )
    assert result.sent >= 1
    caplog.clear()
    world.run(MORNING)  # nothing left: still one line, so a monitor sees the dispatcher alive
    (again,) = [r for r in caplog.records if r.name == "scheduler.services.dispatch"]
    assert "sent 0, retried 0, failed 0, skipped 0" in again.getMessage()


def test_smtp_security_none_with_a_username_is_refused_at_start(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'x.sqlite3'}", extra=(
        '[email]\nbackend = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_security = "none"\n'
        'smtp_username = "paminnelser"\n'
    ))  # fmt: skip
    result = Cli(config)("remind", "run-due")
    assert result.code == 2 and result.out == ""
    (line,) = result.err.splitlines()
    # Like every config error, the line names the file first (scheduler.settings.config).
    assert line.startswith(f"Fel: {config}: «email.smtp_security»")
    assert "«email.smtp_username»" in line
    assert not (tmp_path / "x.sqlite3").exists()  # refused before anything was touched


def delivered(world: World, smtp: SmtpServer, rows: list[OutboxMail]) -> dict[str, EmailMessage]:
    """`rows` sent by the dispatcher, a pass at each due time (rendered as they are claimed), as a
    mail client gets them: the bytes the SMTP server received, through the stdlib parser; by key."""
    for due in sorted({r.due_at for r in rows}):
        world.run(due)
    by_id = {m.message_id: m for m in smtp.handler.snapshot()}
    domain = world.email.sender.split("@")[1]
    messages = {}
    for row in rows:
        message = email.message_from_bytes(by_id[message_id(row.key, domain)].data, policy=default)
        assert isinstance(message, EmailMessage)
        messages[row.key] = message
    return messages


def calendar_part(message: EmailMessage) -> EmailMessage:
    (part,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert isinstance(part, EmailMessage)
    return part


def test_the_attached_ics_declares_utf8_and_the_method_of_its_vcalendar(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'ics.sqlite3'}", smtp)
    meetings = [r for r in world.outbox() if r.kind == MailKind.MEETING_REMINDER]
    assert all(r.attachment is None for r in meetings)  # made when sent, not when planned
    sent = delivered(world, smtp, meetings)
    key, part = next((k, calendar_part(m)) for k, m in sent.items()
                     if any(ch in calendar_part(m).get_content() for ch in "åäöÅÄÖ"))  # fmt: skip
    row = next(r for r in meetings if r.key == key)
    assert part.get_content_charset() == "utf-8"
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    decoded = payload.decode(part.get_content_charset() or "ascii")  # a strict reader
    assert decoded == ReminderRenderer(world.engine, world.config).content(row).attachment
    calendar = icalendar.Calendar.from_ical(decoded)
    assert part.get_param("method") == str(calendar["METHOD"]) == "PUBLISH"
    assert part.get_filename() == "mote.ics"


def test_task_reminders_attach_uppgift_ics_and_speak_of_a_task_not_a_forum(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'task.sqlite3'}", smtp)
    # Reminders before a task's day carry it (on the day itself: none).
    tasks = [r for r in world.outbox() if r.kind == MailKind.TASK_REMINDER and r.lead_days]
    assert tasks
    for message in delivered(world, smtp, tasks).values():
        assert calendar_part(message).get_filename() == "uppgift.ics"
        body = message.get_body(("plain",))
        assert body is not None
        plain = str(body.get_content())
        assert "forumet" not in plain and "Bjud in" not in plain
        assert "Uppgiften finns som bifogad kalenderfil" in plain
        if "(Åtgärd)" in plain:
            assert "Vad som ska göras (Åtgärd)" in plain
