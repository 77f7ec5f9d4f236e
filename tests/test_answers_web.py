"""The held/cancelled links of a real delivered email, end to end over HTTP.

The links are taken from the text part of the held question the dispatcher sent through the test
SMTP server; the web app runs with a clock of the test's own (FastAPI TestClient on create_app).
Opening a link only shows a confirmation page; only its form's POST records the answer."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from scheduler.base.links import LinkSigner
from scheduler.mail.render import message_id
from scheduler.model.occurrence import Occurrence
from scheduler.reminders.planning import ANSWER_PURPOSE
from scheduler.services.refresh import answer_signer, link_secret
from scheduler.store.occurrences import get_occurrence
from scheduler.store.outbox import next_due
from scheduler.web.app import create_app
from tests.support.helpers import Clock
from tests.support.smtp_server import SENDER, SmtpServer, World, make_world


@dataclass
class Answering:
    world: World
    occurrence: Occurrence
    held_path: str
    cancelled_path: str
    clock: Clock
    client: TestClient

    def stored(self) -> Occurrence:
        return get_occurrence(self.world.engine, self.occurrence.uid)

    def assert_nothing_stored(self) -> None:
        row = self.stored()
        assert (row.held, row.held_note, row.held_recorded_at) == (None, "", None)


@pytest.fixture
def answering(tmp_path: Path, smtp: SmtpServer) -> Iterator[Answering]:
    """The first held question of the year, delivered; its two links; a web app at that time."""
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'answers.sqlite3'}", smtp)
    held = min((r for r in world.outbox() if r.kind == "held"), key=lambda r: r.due_at)
    while (due := next_due(world.engine)) is not None and due <= held.due_at:
        world.run(due)
    (mail,) = [m for m in smtp.handler.snapshot()
               if m.message_id == message_id(held.key, SENDER.split("@")[1])]  # fmt: skip
    text = mail.text()
    links = re.findall(r"(https?://\S+/svar/\S+)", text)
    assert len(links) == 2
    assert text.index("Mötet hölls: ") < text.index(links[0]) < text.index("Mötet ställdes in: ")
    assert all(link.startswith(world.config.base_url) for link in links)
    occurrence = next(o for o in world.occurrences() if o.id == held.occurrence_id)
    clock = Clock(mail.sent_at + timedelta(hours=3))
    with TestClient(create_app(world.engine, world.config, clock=clock)) as client:
        yield Answering(world, occurrence, urlsplit(links[0]).path, urlsplit(links[1]).path,
                        clock, client)  # fmt: skip


def test_opening_a_link_confirms_and_only_the_post_records(answering: Answering) -> None:
    for _ in range(3):  # a mail scanner, a preview, the person: none of them records anything
        page = answering.client.get(answering.held_path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert '<html lang="sv">' in page.text
        assert "Bekräfta ditt svar" in page.text and "Mötet hölls" in page.text
        assert re.search(r'<form method="post"', page.text)
        assert "<script" not in page.text
        answering.assert_nothing_stored()
    assert answering.client.head(answering.held_path).status_code == 200
    answering.assert_nothing_stored()

    note = "Bra möte, 8 deltagare. Nästa gång: lägesbild från polisen."
    done = answering.client.post(answering.held_path, data={"note": f"  {note}\n"})
    assert done.status_code == 200
    assert "Tack!" in done.text and "Mötet hölls" in done.text
    row = answering.stored()
    assert (row.held, row.held_note) == (True, note)
    assert row.held_recorded_at == answering.clock.now

    # The other link of the same email: the last answer counts.
    answering.clock.now += timedelta(days=1)
    page = answering.client.get(answering.cancelled_path)
    assert page.status_code == 200 and "Mötet ställdes in" in page.text
    assert "Ett svar finns redan registrerat" in page.text
    assert answering.stored().held is True  # still only a GET
    done = answering.client.post(answering.cancelled_path, data={"note": "Lokalen var upptagen."})
    assert done.status_code == 200
    row = answering.stored()
    assert (row.held, row.held_note, row.held_recorded_at) == (
        False,
        "Lokalen var upptagen.",
        answering.clock.now,
    )


def test_expired_forged_and_overlong_answers_store_nothing(answering: Answering) -> None:
    client, path = answering.client, answering.held_path
    token = path.rsplit("/", 1)[1]

    # Expired: the link lives until 30 days (link_days) after the meeting.
    valid_until = answering.occurrence.end + timedelta(days=answering.world.settings.link_days)
    answering.clock.now = valid_until - timedelta(seconds=1)
    assert client.get(path).status_code == 200
    answering.clock.now = valid_until
    for response in (client.get(path), client.post(path, data={"note": "sent"})):
        assert response.status_code == 410
        assert "Länken har gått ut" in response.text and '<html lang="sv">' in response.text
    answering.assert_nothing_stored()
    answering.clock.now = valid_until - timedelta(days=1)

    # Tampered, truncated, signed with another key, or made for another page.
    signer = answer_signer(answering.world.engine, answering.world.config)
    payload = signer.verify(token, now=answering.clock.now)
    assert payload["uid"] == answering.occurrence.uid and payload["answer"] == "held"
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    forged = LinkSigner("fel-nyckel", purpose=ANSWER_PURPOSE).sign(
        {"uid": answering.occurrence.uid, "answer": "held"}, expires=valid_until
    )
    secret = link_secret(answering.world.engine, answering.world.config)
    other_page = LinkSigner(secret, purpose="followup").sign(
        {"uid": answering.occurrence.uid, "answer": "held"}, expires=valid_until
    )
    for bad in (flipped, token[:-6], forged, other_page, "inte-en-länk"):
        for response in (
            client.get(f"/svar/{bad}"),
            client.post(f"/svar/{bad}", data={"note": "x"}),
        ):
            assert response.status_code == 400, bad
            assert "Ogiltig länk" in response.text
    answering.assert_nothing_stored()

    # An over-long note: 422, the typed text comes back in the form (escaped), nothing stored.
    typed = "<b>Vi hann inte</b> & " + "å" * 2000
    response = client.post(path, data={"note": typed})
    assert response.status_code == 422
    assert "högst 2000 tecken" in response.text
    assert f">{html.escape(typed, quote=True)}</textarea>" in response.text
    assert '<form method="post"' in response.text
    answering.assert_nothing_stored()

    # As a browser sends what the form's maxlength allowed: line breaks as CRLF, counted as one.
    lines = "\r\n".join(["Punkt " + "x" * 93] * 20)  # 20 lines of 99 characters: 1999 with LF
    assert len(lines) == 2018 and len(lines.replace("\r\n", "\n")) == 1999
    assert client.post(path, data={"note": lines}).status_code == 200
    row = answering.stored()
    assert row.held is True and row.held_note == lines.replace("\r\n", "\n")


def test_a_note_the_form_parser_or_the_text_check_refuses_comes_back_in_the_swedish_page(
    answering: Answering,
) -> None:
    """A note over the parser's 1 MB (once English JSON) and one with a control character."""
    client, path = answering.client, answering.held_path
    for typed, reason in (("Lång kommentar. " * 70_000, "högst 2000 tecken"),
                          ("Mötet\x00 hölls", "styrtecken U+0000 på position 6")):  # fmt: skip
        response = client.post(path, data={"note": typed})
        assert response.status_code == 422 and response.headers["content-type"].startswith(
            "text/html"
        )
        assert reason in response.text and "detail" not in response.text
        assert f">{html.escape(typed, quote=True)}</textarea>" in response.text
        assert '<div class="error" role="alert" id="fel">' in response.text
        assert '<a href="#note">' in response.text
    answering.assert_nothing_stored()
