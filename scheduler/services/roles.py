"""The organisation's roles, their people and addresses: config.toml's [roles] give the starting
values, and what a coordinator sets in the workspace (/roller, stored per organisation) wins for
that organisation, role by role. Every use of an organisation's settings goes through
`organisation_settings` (reminders, change notices, the follow-up, the workspace's pages), so a
new address is used from the next reminder pass: the roles are part of what the schedule's
fingerprint is computed from, so the reminders not yet sent are planned again to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from scheduler.base.addresses import parse_address
from scheduler.base.errors import UsageError
from scheduler.base.text_safety import describe_control_character
from scheduler.settings.model import Role, Settings
from scheduler.store.engine import Bind
from scheduler.store.roles import save_role as store_role
from scheduler.store.roles import stored_roles

TEXT_LENGTH = 200


@dataclass(frozen=True)
class RoleContact:
    name: str
    person: str | None
    email: str | None
    from_workspace: bool  # set in the workspace (else config.toml's)


def organisation_settings(bind: Bind, config: Settings, organisation: str) -> Settings:
    """`config.for_organisation(organisation)` with the roles set in the workspace over it."""
    own = config.for_organisation(organisation)
    stored = stored_roles(bind, own.organisation.name or organisation)
    if not stored:
        return own
    roles = dict(own.roles)
    for saved in stored:
        found = own.role(saved.role)
        key = found.key if found is not None else saved.role
        before = roles.get(key, Role())
        roles[key] = before.model_copy(update={"name": saved.role, "person": saved.person,
                                               "email": saved.email})  # fmt: skip
    return own.model_copy(update={"roles": roles})


def roles_of(bind: Bind, config: Settings, organisation: str) -> list[RoleContact]:
    own = organisation_settings(bind, config, organisation)
    saved = {role.role.casefold() for role in stored_roles(bind, organisation)}
    return sorted((RoleContact(r.name, r.person, r.email, r.name.casefold() in saved)
                   for r in own.all_roles), key=lambda r: r.name.casefold())  # fmt: skip


def _checked(label: str, text: str, errors: list[tuple[str, str]], field: str) -> str:
    if len(text) > TEXT_LENGTH:
        errors.append((field, f"{label}: {len(text)} tecken; högst {TEXT_LENGTH} får plats."))
    elif problem := describe_control_character(text):
        errors.append((field, f"{label}: texten har ett {problem}. Skriv om den utan det tecknet."))
    return text


def check_role(role: str, person: str, email: str) -> list[tuple[str, str]]:
    """What is wrong with the form's values (field, Swedish message); empty: nothing."""
    errors: list[tuple[str, str]] = []
    if not role:
        errors.append(("roll", "Roll: skriv rollens namn, till exempel Kommunpolis."))
    _checked("Roll", role, errors, "roll")
    _checked("Namn", person, errors, "namn")
    if email and parse_address(email) is None:
        errors.append(("epost", f"E-post: «{email}» är ingen e-postadress. Skriv till exempel "
                                "namn@kommun.se."))  # fmt: skip
    return errors


def save_role(bind: Bind, config: Settings, *, organisation: str, role: str, person: str,
              email: str, now: datetime) -> bool:  # fmt: skip
    """Add or change a role of the organisation; UsageError (the first problem) when the values
    are refused. A role config.toml names keeps its name as written there."""
    errors = check_role(role, person, email)
    if errors:
        raise UsageError(errors[0][1])
    found = config.for_organisation(organisation).role(role)
    return store_role(bind, organisation=organisation, role=found.name if found else role,
                      person=person or None, email=email or None, now=now)  # fmt: skip
