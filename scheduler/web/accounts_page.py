"""The organisation's accounts (/konton): coordinators and readers, with their access; a form to
add one (fields `anvandarnamn`, `epost`, and `behorighet`: `samordnare` or `lasare`) that makes
a one-time link to set the password (emailed when an address is given, and shown once here);
changing another account's access (`/konton/behorighet`) and removing one (`/konton/ta-bort`),
both previewed first. The link's page, /konto/ny/<secret>, is where the new person chooses a
password; the secret in the address is what admits them, so that page needs no session. Through
scheduler/services/invitations.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.base.templating import swedish_date
from scheduler.base.time import STOCKHOLM
from scheduler.model.account import COORDINATOR, READER, ROLE_MEANINGS, ROLE_NAMES, Account, Role
from scheduler.services import invitations
from scheduler.web.confirm import Preview, confirmed, preview_page
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm, posted_form, render
from scheduler.web.session import Coordinator, checked_form, coordinator_only

router = APIRouter()

ACCESS_FIELD = "behorighet"
# The access field's values (ASCII, as the form posts them), and back.
ACCESS_VALUES: Final[dict[Role, str]] = {COORDINATOR: "samordnare", READER: "lasare"}
ACCESS_ROLES: Final[dict[str, Role]] = {value: role for role, value in ACCESS_VALUES.items()}


@dataclass
class TypedAccount:
    username: str = ""
    email: str = ""
    access: str = ACCESS_VALUES[COORDINATOR]
    errors: list[tuple[str, str]] = field(default_factory=list)


def _page(coordinator: Coordinator, engine: Engine, *, now: datetime, typed: TypedAccount | None = None,
          status: int = 200, done: list[str] | None = None, link: str | None = None) -> Response:  # fmt: skip
    return workspace_page(
        "accounts.html", coordinator, current="/konton", status=status, year_note="Gäller alla år",
        accounts=invitations.organisation_accounts(engine, coordinator.organisation),
        waiting=invitations.open_invitations(engine, coordinator.organisation, now=now),
        typed=typed or TypedAccount(), done=done or [], link=link, role_names=ROLE_NAMES,
        role_meanings=ROLE_MEANINGS, access_values=ACCESS_VALUES,
    )  # fmt: skip


def _access_role(form: PostedForm) -> Role | None:
    """The role chosen in the access field (a coordinator when the field is missing, as the
    form's default); None for a value the form does not offer."""
    return ACCESS_ROLES.get(form.text(ACCESS_FIELD).strip() or ACCESS_VALUES[COORDINATOR])


def _capitalised(message: str) -> str:
    return message[:1].upper() + message[1:]


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
    role = _access_role(form)
    typed = TypedAccount(form.text("anvandarnamn").strip(), form.text("epost").strip(),
                         ACCESS_VALUES[role or COORDINATOR])  # fmt: skip
    if role is None:
        typed.errors.append((f"{ACCESS_FIELD}-{ACCESS_VALUES[COORDINATOR]}",
                             "Välj om kontot ska bli samordnare eller läsare."))  # fmt: skip
        return _page(coordinator, engine, now=clock(), typed=typed, status=422)
    try:
        invited = invitations.invite(engine, coordinator.config, organisation=coordinator.organisation,
                                     by=coordinator.username, username=typed.username,
                                     email=typed.email, now=clock(), role=role)  # fmt: skip
    except UsageError as exc:
        message = str(exc)
        where = "epost" if "e-postadress" in message else "anvandarnamn"
        typed.errors.append((where, _capitalised(message)))
        return _page(coordinator, engine, now=clock(), typed=typed, status=422)
    name = invited.invitation.username
    until = swedish_date(invited.invitation.expires_at.astimezone(STOCKHOLM).date())
    done = [f"Kontot {name} väntar på att lösenordet väljs. Länken fungerar en gång, till och "
            f"med {until}.",
            f"{name} blir {ROLE_NAMES[role]}: {ROLE_MEANINGS[role]}."]  # fmt: skip
    done.append(f"Länken skickas till {typed.email} vid nästa utskick." if invited.emailed
                else f"Ge länken nedan till {name}; den visas bara nu.")  # fmt: skip
    return _page(coordinator, engine, now=clock(), done=done, link=invited.link)


def _other_account(coordinator: Coordinator, engine: Engine, username: str, *, doing: str) -> Account | str:  # fmt: skip
    """The organisation's account `username` (not one's own), else why not, to show."""
    try:
        return invitations.other_account(engine, organisation=coordinator.organisation,
                                         by=coordinator.username, username=username, doing=doing)  # fmt: skip
    except (UsageError, NotFoundError) as exc:
        return _capitalised(str(exc))


def _refused(coordinator: Coordinator, engine: Engine, why: str, *, now: datetime) -> Response:
    """A change to the list of accounts refused, and why (linked to the list)."""
    return _page(coordinator, engine, now=now, status=422,
                 typed=TypedAccount(errors=[("konton", why)]))  # fmt: skip


@router.post("/konton/behorighet", response_class=HTMLResponse)
def change_access(
    request: Request, coordinator: Annotated[Coordinator, Depends(coordinator_only)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, clock: ClockDep,
) -> Response:  # fmt: skip
    username = form.text("anvandarnamn").strip()
    found = _other_account(coordinator, engine, username, doing="ändra behörigheten för")
    role = _access_role(form)
    if isinstance(found, str):
        return _refused(coordinator, engine, found, now=clock())
    if role is None:
        return _refused(coordinator, engine, "Välj samordnare eller läsare.", now=clock())
    if found.role == role:
        already = f"{username} är redan {ROLE_NAMES[role]}."
        return _refused(coordinator, engine, already, now=clock())
    if not confirmed(form):
        lines = [f"{username} blir {ROLE_NAMES[role]} och {ROLE_MEANINGS[role]}.",
                 f"En inloggning som pågår avslutas direkt; {username} loggar in igen och har då "
                 "den nya behörigheten."]  # fmt: skip
        if found.oidc_issuer:
            lines.append(f"{username} loggar in via organisationens identitetsleverantör, som ger "
                         "behörigheten på nytt vid varje inloggning: ändra gruppen eller rollen "
                         "där också, annars gäller ändringen bara till nästa inloggning.")  # fmt: skip
        return preview_page(request, coordinator, Preview(
            title=f"Göra {username} till {ROLE_NAMES[role]}?", action="/konton/behorighet",
            button=f"Ja, gör {username} till {ROLE_NAMES[role]}", back="/konton", lines=lines,
            fields=[("anvandarnamn", username), (ACCESS_FIELD, ACCESS_VALUES[role])],
        ), current="/konton")  # fmt: skip
    invitations.change_other_role(engine, organisation=coordinator.organisation,
                                  by=coordinator.username, username=username, role=role)  # fmt: skip
    return _page(coordinator, engine, now=clock(),
                 done=[f"Kontot {username} är nu {ROLE_NAMES[role]}."])  # fmt: skip


@router.post("/konton/ta-bort", response_class=HTMLResponse)
def remove(
    request: Request, coordinator: Annotated[Coordinator, Depends(coordinator_only)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, clock: ClockDep,
) -> Response:  # fmt: skip
    username = form.text("anvandarnamn").strip()
    found = _other_account(coordinator, engine, username, doing="ta bort")
    if isinstance(found, str):
        return _refused(coordinator, engine, found, now=clock())
    if not confirmed(form):
        return preview_page(request, coordinator, Preview(
            title=f"Ta bort kontot {username}?", action="/konton/ta-bort",
            button=f"Ja, ta bort kontot {username}", back="/konton",
            lines=[f"{username} kan inte längre logga in i arbetsytan för "
                   f"{coordinator.organisation}; en inloggning som pågår avslutas direkt.",
                   "Planerna, mötena och påminnelserna ändras inte."],
            fields=[("anvandarnamn", username)],
        ), current="/konton")  # fmt: skip
    invitations.remove_other_account(engine, organisation=coordinator.organisation,
                                     by=coordinator.username, username=username)  # fmt: skip
    return _page(coordinator, engine, now=clock(), done=[f"Kontot {username} är borttaget."])


def _link_page(token: str, *, status: int = 200, errors: list[str] | None = None,
               username: str = "", role: Role = COORDINATOR, done: bool = False) -> Response:  # fmt: skip
    return render("invitation.html", status, token=token, errors=errors or [], username=username,
                  role_name=ROLE_NAMES[role], role_meaning=ROLE_MEANINGS[role], done=done)  # fmt: skip


@router.api_route("/konto/ny/{token}", methods=PAGE_METHODS, response_class=HTMLResponse)
def link_page(token: str, engine: EngineDep, clock: ClockDep) -> Response:
    try:
        invitation = invitations.invitation_of(engine, token, now=clock())
    except NotFoundError as exc:
        return render("message.html", 404, title="Länken fungerar inte", text=str(exc),
                      kind="error", typed=[])  # fmt: skip
    return _link_page(token, username=invitation.username, role=invitation.role)


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
        return _link_page(token, status=422, username=invitation.username, role=invitation.role,
                          errors=["Lösenorden är inte likadana. Skriv samma lösenord två gånger."])  # fmt: skip
    try:
        account = invitations.accept(engine, config, token, password=password, now=clock())
    except UsageError as exc:
        return _link_page(token, status=422, username=invitation.username, role=invitation.role,
                          errors=[_capitalised(str(exc))])  # fmt: skip
    except NotFoundError as exc:
        return render("message.html", 404, title="Länken fungerar inte", text=str(exc),
                      kind="error", typed=[])  # fmt: skip
    return _link_page(token, username=account.username, role=account.role, done=True)
