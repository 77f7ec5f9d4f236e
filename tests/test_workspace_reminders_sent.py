"""What went out, on the reminders page: a sent email's own page shows the text part the SMTP
server received, byte for byte, with its headers, HTML part and .ics; the whole message and the
.ics download as they were sent; the list is newest first and filters by role and measure; the
copy is pruned after `[reminders] keep_sent_days`; another organisation's email is not found."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage

from scheduler.mail.delivery import delivery_for
from scheduler.mail.settings import EmailSettings
from scheduler.model.mail import OutboxMail, OutboxStatus
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import run_due
from scheduler.services.outbox import listed_mails
from tests.support.districts import KUNGSHOLMEN, NORRMALM
from tests.support.html_page import HtmlPage
from tests.support.smtp_server import Received
from tests.support.workspace_fixture import START
from tests.test_workspace_reminders import Site, signed_in, site

__all__ = ["site"]  # the fixture, used by name


def received_for(site: Site, row: OutboxMail) -> Received:
    """The one message the server got for `row` (its Message-ID comes from the row's key)."""
    (found,) = [m for m in site.smtp.handler.snapshot()
                if m.rcpt_tos == (row.recipient,) and m.message["Subject"] == row.subject
                and m.sent_at == row.sent_at]  # fmt: skip
    return found


def sent_now(site: Site) -> tuple[datetime, list[OutboxMail]]:
    """A pass a week after the fixture's; the Kungsholmen rows it sent."""
    now = START + timedelta(days=7)
    site.run(now)
    rows = [r for r in site.rows(KUNGSHOLMEN, OutboxStatus.SENT) if r.sent_at == now]
    assert rows
    return now, rows


def ics_part(message: EmailMessage) -> tuple[str, str]:
    (part,) = [p for p in message.walk() if p.get_filename()]
    content = part.get_content()
    assert isinstance(content, str)
    return str(part.get_filename()), content


def test_a_sent_reminders_page_shows_what_the_server_received(site: Site) -> None:
    _, rows = sent_now(site)
    http = signed_in(site)
    for row in rows:
        got = received_for(site, row)
        page = http.get(f"/paminnelser/{row.id}")
        assert page.status_code == 200
        shown = HtmlPage(page.text)
        # Byte for byte: the text part as the server decoded it is the text the page holds.
        assert shown.by_id("text-part").text.encode() == got.text().encode()
        html_part = got.message.get_body(preferencelist=("html",))
        assert html_part is not None
        assert shown.by_id("html-part").text == html_part.get_content()
        for name in ("From", "To", "Date", "Message-ID"):
            assert str(got.message[name]) in shown.text
        assert f"Subject {row.subject}" in shown.text
        whole = http.get(f"/paminnelser/{row.id}/meddelande.eml")
        assert whole.status_code == 200 and whole.headers["content-type"] == "message/rfc822"
        # The server's copy ends where SMTP's end of data was: the same bytes up to it.
        assert whole.content.rstrip(b"\r\n") == got.data.rstrip(b"\r\n")
        if any(p.get_filename() for p in got.message.walk()):
            filename, ics = ics_part(got.message)
            attached = http.get(f"/paminnelser/{row.id}/bilaga/{filename}")
            assert attached.status_code == 200
            assert attached.text == ics and "BEGIN:VCALENDAR" in ics
            assert f"Bilagan {filename}" in shown.text
    assert any(any(p.get_filename() for p in received_for(site, r).message.walk()) for r in rows)


def test_the_list_is_newest_first_and_filters_by_role_and_measure(site: Site) -> None:
    sent_now(site)
    http = signed_in(site)
    every = listed_mails(site.workspace.engine, organisation=KUNGSHOLMEN)
    moments = [item.moment for item in every]
    assert moments == sorted(moments, reverse=True)
    page = http.get("/paminnelser")
    links = [e.attrs["href"] for e in HtmlPage(page.text).all("a") if
             e.attrs.get("href", "").startswith("/paminnelser/")]  # fmt: skip
    assert links == [f"/paminnelser/{item.mail.id}" for item in every]

    role = next(item.mail.role for item in every if item.mail.role)
    source = http.get("/paminnelser", params={"roll": role}).text
    of_role = HtmlPage(source)
    wanted = [item for item in every if item.mail.role == role]
    assert f"Alla ({len(wanted)})" in of_role.text
    assert (
        source.count("<dt>Roll</dt>")
        == source.count(f"<dt>Roll</dt><dd>{role}</dd>")
        == len(wanted)
    )
    assert {e.text for e in of_role.all("dd")} >= {role}
    (selected,) = [e for e in of_role.all("option") if "selected" in e.attrs]
    assert selected.attrs["value"] == role

    item = next(item for item in every if item.measure_id is not None)
    of_measure = http.get(
        "/paminnelser", params={"atgard": str(item.measure_id), "status": OutboxStatus.SENT}
    )
    wanted = [
        i for i in every if i.measure_id == item.measure_id and i.mail.status == OutboxStatus.SENT
    ]
    shown = HtmlPage(of_measure.text)
    assert f"Skickat ({len(wanted)})" in shown.text
    assert shown.text.count(f"Åtgärd {item.measure}") == len(wanted)
    # A role nobody has: nothing listed, and the form is there to choose again.
    none = HtmlPage(http.get("/paminnelser", params={"roll": "Ingen sådan"}).text)
    assert "Alla (0)" in none.text and none.all("select", id="roll")


def test_a_pending_reminder_says_its_text_is_written_when_it_is_sent(site: Site) -> None:
    http = signed_in(site)
    pending = next(r for r in site.rows(KUNGSHOLMEN) if r.status == "pending")
    shown = HtmlPage(http.get(f"/paminnelser/{pending.id}").text)
    assert "Meddelandet har inte skickats." in shown.text
    assert not shown.all("pre")
    assert http.get(f"/paminnelser/{pending.id}/meddelande.eml").status_code == 404


def test_the_copy_is_pruned_after_keep_sent_days(site: Site) -> None:
    now, rows = sent_now(site)
    config = site.workspace.config
    email = EmailSettings.from_settings(config)
    settings = replace(ReminderSettings.from_section(config.reminders), keep_sent_days=3)
    http = signed_in(site)
    # Three days on, the copy is kept still; a moment later it is gone, and the row stays.
    for moment, kept in (
        (now + timedelta(days=3), True),
        (now + timedelta(days=3, seconds=1), False),
    ):
        run_due(site.workspace.engine, config=config, delivery=delivery_for(email), email=email,
                settings=replace(settings, max_per_pass=1), now=moment)  # fmt: skip
        page = http.get(f"/paminnelser/{rows[0].id}")
        assert ("text-part" in page.text) is kept
    shown = HtmlPage(page.text)
    assert "Texten som skickades finns inte kvar." in shown.text
    assert site.row(rows[0].id).status == OutboxStatus.SENT
    assert http.get(f"/paminnelser/{rows[0].id}/meddelande.eml").status_code == 404


def test_another_organisations_email_is_not_found(site: Site) -> None:
    site.run(START + timedelta(days=7))
    http = signed_in(site)
    theirs = next(r for r in site.rows(NORRMALM, OutboxStatus.SENT))
    for path in (f"/paminnelser/{theirs.id}", f"/paminnelser/{theirs.id}/meddelande.eml",
                 f"/paminnelser/{theirs.id}/bilaga/mote.ics", "/paminnelser/x", "/paminnelser/99999999"):  # fmt: skip
        refused = http.get(path)
        assert refused.status_code == 404, path
        assert theirs.recipient not in refused.text
