"""Answers from reminder emails: held or cancelled, done or not.

Opening a link only shows a confirmation page; only its button (a POST) records. Mail scanners
that follow every link therefore change nothing. Links are signed and expire.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from scheduler.base.links import LinkError
from scheduler.base.text_safety import describe_control_character
from scheduler.reminders.planning import DONE, HELD, NOT_DONE, NOT_HELD
from scheduler.services.answers import save_answer
from scheduler.services.plans import get_occurrence
from scheduler.services.refresh import answer_signer
from scheduler.settings.model import Settings
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep
from scheduler.web.pages import PAGE_METHODS, PostedForm, Refusal, posted_form, render

NOTE_LIMIT = 2000
QUESTIONS = {
    HELD: ("Mötet hölls", True),
    NOT_HELD: ("Mötet ställdes in", False),
    DONE: ("Uppgiften blev klar", True),
    NOT_DONE: ("Uppgiften blev inte klar", False),
}

router = APIRouter()


def _verify(engine: Engine, config: Settings, token: str, *, now: datetime) -> dict[str, object] | Refusal:  # fmt: skip
    try:
        payload = answer_signer(engine, config).verify(token, now=now)
    except LinkError as exc:
        if exc.expired:
            return Refusal("Länken har gått ut", "Svarslänken har gått ut. Kontakta samordnaren om du vill "
                           "rapportera hur det gick.", 410)  # fmt: skip
        return Refusal("Ogiltig länk", "Länken är ogiltig eller ofullständig. Kontrollera att hela länken "
                       "från e-postmeddelandet kom med.", 400)  # fmt: skip
    if payload.get("answer") not in QUESTIONS or not isinstance(payload.get("uid"), str):
        return Refusal("Ogiltig länk", "Länken är ogiltig.", 400)
    return payload


@router.api_route("/svar/{token}", methods=PAGE_METHODS, response_class=HTMLResponse)
def confirm(token: str, engine: EngineDep, config: ConfigDep, clock: ClockDep) -> HTMLResponse:
    payload = _verify(engine, config, token, now=clock())
    if isinstance(payload, Refusal):
        return payload.page()
    row = get_occurrence(engine, str(payload["uid"]))
    label, _ = QUESTIONS[str(payload["answer"])]
    return render(
        "answer.html", label=label, row=row, token=token, note="", error=None, recorded=row.held
    )


def _note_problem(form: PostedForm, note: str) -> tuple[int, str] | None:
    """Why the note cannot be stored, with the status to answer, or None."""
    if form.fields is None:
        return 400, "Kommentaren kunde inte läsas. Skriv den igen och spara."
    if len(note) > NOTE_LIMIT:
        return 422, f"Kommentaren får vara högst {NOTE_LIMIT} tecken (den är {len(note)})."
    control = describe_control_character(note)
    if control:
        return 422, f"Kommentaren innehåller ett {control}. Ta bort det och spara igen."
    return None


@router.post("/svar/{token}", response_class=HTMLResponse)
def record(
    token: str, form: Annotated[PostedForm, Depends(posted_form)], engine: EngineDep,
    config: ConfigDep, clock: ClockDep,
) -> HTMLResponse:  # fmt: skip
    payload = _verify(engine, config, token, now=clock())
    if isinstance(payload, Refusal):
        return payload.page(form.typed())
    row = get_occurrence(engine, str(payload["uid"]))
    label, held = QUESTIONS[str(payload["answer"])]
    # Browsers send a textarea's line breaks as CRLF but count them as one character for its
    # maxlength: count (and keep) them as one here too, or a note the form accepted is refused.
    note = form.text("note")
    problem = _note_problem(form, note)
    if problem:
        status, error = problem
        return render("answer.html", status, label=label, row=row, token=token, note=note,
                      recorded=row.held, error=error)  # fmt: skip
    text = f"Svaret «{label}» är sparat och kommer med i årets uppföljning."
    if save_answer(engine, config, row.uid, held=held, note=note.strip(), now=clock()):
        text = "Svaret är sparat: planen är markerad som inlämnad, och påminnelserna om den har upphört."
    return render("message.html", title="Tack!", text=text, kind="ok")
