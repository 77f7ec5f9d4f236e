"""Other coordinators of the organisation (/konton): the accounts, a form to add one (fields
`anvandarnamn`, `epost`) that makes a one-time link to set the password (emailed when an address
is given, and shown once here), and removing one (previewed first). The link's page,
/konto/ny/<secret>, is where the new coordinator chooses a password; the secret in the address is
what admits them, so that page needs no session. Through scheduler/services/invitations.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.base.templating import swedish_date
from scheduler.base.time import STOCKHOLM
from scheduler.services import invitations
from scheduler.web.confirm import Preview, confirmed, preview_page
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm, posted_form, render
from scheduler.web.session import Coordinator, checked_form, coordinator_only

router = APIRouter()


@dataclass
class TypedAccount:
    username: str = ""
    email: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)


def _page(coordinator: Coordinator, engine: Engine, *, now: datetime, typed: TypedAccount | None = None,
          status: int = 200, done: list[str] | None = None, link: str | None = None) -> Response:  # fmt: skip
    return workspace_page(
        "accounts.html", coordinator, current="/konton", status=status, year_note="Gäller alla år",
        accounts=invitations.coordinators(engine, coordinator.organisation),
        waiting=invitations.open_invitations(engine, coordinator.organisation, now=now),
        typed=typed or TypedAccount(), done=done or [], link=link,
    )  # fmt: skip


@router.api_route("/konton", methods=PAGE_METHODS, response_class=HTMLResponse)
def show_accounts(coordinator: Annotated[Coordinator, Depends(coordinator_only)],
                  engine: EngineDep, clock: ClockDep) -> Response:  # fmt: skip
    return _page(coordinator, engine, now=clock())


@router.post("/konton", response_class=HTMLResponse)
def invite(
    coordinator: Annotated[Coordinator, Depends(coordinator_only)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, config: ConfigDep, clock: ClockDep,
) -> Response:  # fmt: skip
    typed = TypedAccount(form.text("anvandarnamn").strip(), form.text("epost").strip())
    try:
        invited = invitations.invite(engine, coordinator.config, organisation=coordinator.organisation,
                                     by=coordinator.username, username=typed.username,
                                     email=typed.email, now=clock())  # fmt: skip
    except UsageError as exc:
        message = str(exc)
        where = "epost" if "e-postadress" in message else "anvandarnamn"
        typed.errors.append((where, message[:1].upper() + message[1:]))
        return _page(coordinator, engine, now=clock(), typed=typed, status=422)
    until = swedish_date(invited.invitation.expires_at.astimezone(STOCKHOLM).date())
    done = [f"Kontot {invited.invitation.username} väntar på att lösenordet väljs. Länken "
            f"fungerar en gång, till och med {until}."]  # fmt: skip
    done.append(f"Länken skickas till {typed.email} vid nästa utskick." if invited.emailed
                else "Ge länken nedan till den nya samordnaren; den visas bara nu.")  # fmt: skip
    return _page(coordinator, engine, now=clock(), done=done, link=invited.link)


@router.post("/konton/ta-bort", response_class=HTMLResponse)
def remove(
    request: Request, coordinator: Annotated[Coordinator, Depends(coordinator_only)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, clock: ClockDep,
) -> Response:  # fmt: skip
    username = form.text("anvandarnamn").strip()
    known = {a.username for a in invitations.coordinators(engine, coordinator.organisation)}
    if username not in known or username == coordinator.username:
        why = ("Du kan inte ta bort ditt eget konto här." if username == coordinator.username
               else f"{coordinator.organisation} har inget konto som heter «{username}».")  # fmt: skip
        return _page(coordinator, engine, now=clock(), status=422,
                     typed=TypedAccount(errors=[("anvandarnamn", why)]))  # fmt: skip
    if not confirmed(form):
        return preview_page(request, coordinator, Preview(
            title=f"Ta bort kontot {username}?", action="/konton/ta-bort",
            button=f"Ja, ta bort kontot {username}", back="/konton",
            lines=[f"{username} kan inte längre logga in i arbetsytan för "
                   f"{coordinator.organisation}; en inloggning som pågår avslutas direkt.",
                   "Planerna, mötena och påminnelserna ändras inte."],
            fields=[("anvandarnamn", username)],
        ), current="/konton")  # fmt: skip
    invitations.remove_coordinator(engine, organisation=coordinator.organisation,
                                   by=coordinator.username, username=username)  # fmt: skip
    return _page(coordinator, engine, now=clock(), done=[f"Kontot {username} är borttaget."])


def _link_page(token: str, *, status: int = 200, errors: list[str] | None = None,
               username: str = "", done: bool = False) -> Response:  # fmt: skip
    return render("invitation.html", status, token=token, errors=errors or [],
                  username=username, done=done)  # fmt: skip


@router.api_route("/konto/ny/{token}", methods=PAGE_METHODS, response_class=HTMLResponse)
def link_page(token: str, engine: EngineDep, clock: ClockDep) -> Response:
    try:
        invitation = invitations.invitation_of(engine, token, now=clock())
    except NotFoundError as exc:
        return render("message.html", 404, title="Länken fungerar inte", text=str(exc),
                      kind="error", typed=[])  # fmt: skip
    return _link_page(token, username=invitation.username)


@router.post("/konto/ny/{token}", response_class=HTMLResponse)
def choose_password(
    token: str,
    form: Annotated[PostedForm, Depends(posted_form)],
    engine: EngineDep, config: ConfigDep, clock: ClockDep,
) -> Response:  # fmt: skip
    try:
        invitation = invitations.invitation_of(engine, token, now=clock())
    except NotFoundError as exc:
        return render("message.html", 404, title="Länken fungerar inte", text=str(exc),
                      kind="error", typed=[])  # fmt: skip
    password, again = form.text("password"), form.text("password2")
    if password != again:
        return _link_page(token, status=422, username=invitation.username,
                          errors=["Lösenorden är inte likadana. Skriv samma lösenord två gånger."])  # fmt: skip
    try:
        account = invitations.accept(engine, config, token, password=password, now=clock())
    except UsageError as exc:
        message = str(exc)
        return _link_page(token, status=422, username=invitation.username,
                          errors=[message[:1].upper() + message[1:]])  # fmt: skip
    except NotFoundError as exc:
        return render("message.html", 404, title="Länken fungerar inte", text=str(exc),
                      kind="error", typed=[])  # fmt: skip
    return _link_page(token, username=account.username, done=True)
