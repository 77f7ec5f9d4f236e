"""The organisation's roles in the workspace (/roller): each role with its person and address, and
a form to add a role or change one (fields `roll`, `namn`, `epost`). Stored per organisation
(scheduler/services/roles.py); what is set here wins over config.toml's [roles], which give the
starting values, and the next reminder pass uses the new address."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from scheduler.services.roles import check_role, roles_of, save_role
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep, FeedsDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.session import Coordinator, checked_form, coordinator_only

router = APIRouter()


@dataclass
class TypedRole:
    role: str = ""
    person: str = ""
    email: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)


def _page(coordinator: Coordinator, engine: EngineDep, config: ConfigDep, typed: TypedRole, *,
          status: int = 200, done: list[str] | None = None) -> Response:  # fmt: skip
    roles = roles_of(engine, config, coordinator.organisation)
    return workspace_page("roles.html", coordinator, current="/roller", status=status, year_note="Gäller alla år",
                          roles=roles, typed=typed, done=done or [])  # fmt: skip


@router.api_route("/roller", methods=PAGE_METHODS, response_class=HTMLResponse)
def show_roles(request: Request, coordinator: Annotated[Coordinator, Depends(coordinator_only)],
               engine: EngineDep, config: ConfigDep) -> Response:  # fmt: skip
    """With `?roll=`, the form holds that role's values, to change them."""
    asked = request.query_params.get("roll", "").strip()
    typed = TypedRole()
    for role in roles_of(engine, config, coordinator.organisation):
        if asked and role.name.casefold() == asked.casefold():
            typed = TypedRole(role.name, role.person or "", role.email or "")
    return _page(coordinator, engine, config, typed)


@router.post("/roller", response_class=HTMLResponse)
def save(
    coordinator: Annotated[Coordinator, Depends(coordinator_only)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, config: ConfigDep, clock: ClockDep, feeds: FeedsDep,
) -> Response:  # fmt: skip
    typed = TypedRole(
        form.text("roll").strip(), form.text("namn").strip(), form.text("epost").strip()
    )
    typed.errors = check_role(typed.role, typed.person, typed.email)
    if typed.errors:
        return _page(coordinator, engine, config, typed, status=422)
    changed = save_role(engine, config, organisation=coordinator.organisation, role=typed.role,
                        person=typed.person, email=typed.email, now=clock())  # fmt: skip
    feeds.recheck_now()
    if not changed:
        done = [f"Rollen {typed.role} hade redan de här uppgifterna; inget ändrades."]
    else:
        done = [f"Rollen {typed.role} är sparad."]
        done.append(f"Påminnelserna till rollen går till {typed.email} från nästa utskick."
                    if typed.email else
                    "Rollen har ingen e-postadress och får inga påminnelser.")  # fmt: skip
    return _page(coordinator, engine, config, TypedRole(), done=done)
