"""The reminders in the workspace (/paminnelser): the organisation's outbox, newest first, pending,
sent, failed, skipped and cancelled, each with its time, role, recipient, measure, subject and the
reason where there is one; filters by status, role and measure; each email's own page
(/paminnelser/<id>) with exactly what went out (headers, text, HTML, the .ics, the whole message);
and a failed one sent again (POST with the CSRF token), which puts it back as pending and due now,
for the dispatcher's next pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from scheduler.mail.sent_copy import SentCopy
from scheduler.model.display_words import OUTBOX_STATUS_WORDS
from scheduler.model.mail import OutboxMail, OutboxStatus
from scheduler.services.outbox import ListedMail, listed_mails, outbox_mails, send_again, sent_copy
from scheduler.web.deps import ClockDep, EngineDep
from scheduler.web.layout import workspace_message, workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.session import (
    Coordinator,
    checked_form,
    coordinator_only,
)

router = APIRouter()
# The statuses a coordinator filters by: "sending" lasts seconds, and is shown under all.
CHOICES = tuple(status for status in OutboxStatus if status != OutboxStatus.SENDING)


@dataclass(frozen=True)
class OutboxFilters:
    """What the page shows: one status, one role, one measure (each "" for all)."""

    status: str
    role: str
    measure: str  # a measure's id, as in the query string

    def keeps(self, item: ListedMail, *, status: bool = True) -> bool:
        return ((not status or not self.status or item.mail.status == self.status)
                and (not self.role or item.mail.role == self.role)
                and (not self.measure or str(item.measure_id) == self.measure))  # fmt: skip


def _filters(request: Request) -> OutboxFilters:
    """The query string's filters; an unknown status answers 404 (the list is fixed), an unknown
    role or measure shows no rows, with the form kept to choose again."""
    status = request.query_params.get("status", "")
    if status and status not in CHOICES:
        raise HTTPException(404)
    return OutboxFilters(status, request.query_params.get("roll", "").strip(),
                   request.query_params.get("atgard", "").strip())  # fmt: skip


def _page(request: Request, coordinator: Coordinator, engine: Engine, *, status: int = 200,
          done: str | None = None) -> Response:  # fmt: skip
    chosen = _filters(request)
    every = listed_mails(engine, organisation=coordinator.organisation)
    rows = [item for item in every if chosen.keeps(item)]
    # Counts per status within the chosen role and measure: what choosing a status would show.
    around = [item for item in every if chosen.keeps(item, status=False)]
    counts = {key: sum(item.mail.status == key for item in around) for key in CHOICES}
    roles = sorted({item.mail.role for item in every if item.mail.role}, key=str.casefold)
    measures = sorted({(item.measure, item.measure_id) for item in every if item.measure_id},
                      key=lambda pair: (pair[0].casefold(), pair[1] or 0))  # fmt: skip
    return workspace_page("reminders.html", coordinator, current="/paminnelser", status=status,
                          year_note="Gäller alla år",
                          rows=rows, counts=counts, chosen=chosen, words=OUTBOX_STATUS_WORDS,
                          choices=CHOICES, roles=roles, measures=measures, done=done,
                          failed=OutboxStatus.FAILED, sent=OutboxStatus.SENT)  # fmt: skip


@router.api_route("/paminnelser", methods=PAGE_METHODS, response_class=HTMLResponse)
def show_reminders(request: Request, coordinator: Annotated[Coordinator, Depends(coordinator_only)],
                   engine: EngineDep) -> Response:  # fmt: skip
    return _page(request, coordinator, engine)


def _own_row(engine: Engine, coordinator: Coordinator, text: str) -> OutboxMail:
    """The organisation's row `text` names; any other (or none) answers 404, saying nothing."""
    if not text.isdigit() or len(text) > 18:
        raise HTTPException(404)
    rows = outbox_mails(engine, organisation=coordinator.organisation)
    for row in rows:
        if row.id == int(text):
            return row
    raise HTTPException(404)


@router.api_route("/paminnelser/{row}", methods=PAGE_METHODS, response_class=HTMLResponse)
def sent_page(request: Request, row: str,
              coordinator: Annotated[Coordinator, Depends(coordinator_only)],
              engine: EngineDep) -> Response:  # fmt: skip
    """One email: its facts, and when sent, exactly what went out (headers, text, HTML, .ics)."""
    found = _own_row(engine, coordinator, row)
    copy = sent_copy(engine, found.id, organisation=coordinator.organisation)
    return workspace_page("reminder.html", coordinator, current="/paminnelser", row=found,
                          copy=copy, words=OUTBOX_STATUS_WORDS, sent=OutboxStatus.SENT,
                          keep_days=coordinator.config.reminders.keep_sent_days)  # fmt: skip


def _kept(engine: Engine, coordinator: Coordinator, row: str) -> SentCopy:
    found = _own_row(engine, coordinator, row)
    copy = sent_copy(engine, found.id, organisation=coordinator.organisation)
    if copy is None:
        raise HTTPException(404)
    return copy


@router.api_route("/paminnelser/{row}/meddelande.eml", methods=PAGE_METHODS)
def sent_message_file(row: str, coordinator: Annotated[Coordinator, Depends(coordinator_only)],
                      engine: EngineDep) -> Response:  # fmt: skip
    """The whole message as the mail server got it, to open in a mail program."""
    copy = _kept(engine, coordinator, row)
    return Response(copy.raw.encode("ascii", errors="replace"), media_type="message/rfc822",
                    headers={"Content-Disposition": f'attachment; filename="paminnelse-{row}.eml"'})  # fmt: skip


@router.api_route("/paminnelser/{row}/bilaga/{name}", methods=PAGE_METHODS)
def sent_attachment(row: str, name: str,
                    coordinator: Annotated[Coordinator, Depends(coordinator_only)],
                    engine: EngineDep) -> Response:  # fmt: skip
    """An attachment of the sent message (the .ics), as it was attached."""
    attachment = _kept(engine, coordinator, row).attachment(name)
    if attachment is None:
        raise HTTPException(404)
    return Response(attachment.text.encode("utf-8"), media_type=f"{attachment.content_type}; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{quote(name)}"'})  # fmt: skip


@router.post("/paminnelser/{row}/skicka-igen", response_class=HTMLResponse)
def resend(
    request: Request,
    row: str,
    coordinator: Annotated[Coordinator, Depends(coordinator_only)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, clock: ClockDep,
) -> Response:  # fmt: skip
    found = _own_row(engine, coordinator, row)
    if not send_again(engine, found.id, organisation=coordinator.organisation, now=clock()):
        return workspace_message(
            coordinator, title="Påminnelsen kunde inte skickas igen", status=409,
            text=f"«{found.subject}» till {found.recipient} har inte misslyckats (längre), eller så "
            "har mötet eller uppgiften redan börjat. Inget ändrades.",
        )  # fmt: skip
    return _page(request, coordinator, engine, done=f"«{found.subject}» till {found.recipient} skickas "
                 "igen vid nästa utskick.")  # fmt: skip
