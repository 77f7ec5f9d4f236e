"""The reminders in the workspace (/paminnelser): the organisation's outbox, pending, sent,
failed, skipped and cancelled, each with its due time, role, recipient, subject and the reason
where there is one; a filter by status; and a failed one sent again (POST with the CSRF token),
which puts it back as pending and due now, for the dispatcher's next pass."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from scheduler.model.display_words import OUTBOX_STATUS_WORDS
from scheduler.model.mail import OutboxMail, OutboxStatus
from scheduler.services.outbox import outbox_mails, send_again
from scheduler.web.deps import ClockDep, EngineDep
from scheduler.web.layout import workspace_message, workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.session import (
    Coordinator,
    checked_form,
    coordinator_only,
    workspace_coordinator,
)

router = APIRouter()
# The statuses a coordinator filters by: "sending" lasts seconds, and is shown under all.
CHOICES = tuple(status for status in OutboxStatus if status != OutboxStatus.SENDING)


def _status(request: Request) -> str | None:
    text = request.query_params.get("status", "")
    if text == "":
        return None
    if text not in CHOICES:
        raise HTTPException(404)
    return text


def _page(request: Request, coordinator: Coordinator, engine: Engine, *, status: int = 200,
          done: str | None = None) -> Response:  # fmt: skip
    chosen = _status(request)
    rows = outbox_mails(engine, status=chosen, organisation=coordinator.organisation)
    every = outbox_mails(engine, organisation=coordinator.organisation)
    counts = {key: sum(row.status == key for row in every) for key in CHOICES}
    return workspace_page("reminders.html", coordinator, current="/paminnelser", status=status, year_note="Gäller alla år",
                          rows=rows, counts=counts, chosen=chosen or "", words=OUTBOX_STATUS_WORDS,
                          choices=CHOICES, done=done, failed=OutboxStatus.FAILED)  # fmt: skip


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


@router.post("/paminnelser/{row}/skicka-igen", response_class=HTMLResponse)
def resend(
    request: Request,
    row: str,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
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
