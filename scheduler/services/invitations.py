"""A coordinator adds another account of their organisation (/konton), a coordinator or a reader:
a one-time link that lets the new person set their own password, emailed to them (through the
outbox, at the next pass) and shown once to the one who made it; the account it makes gets the
role the link was made for. The link's secret is random and only its SHA-256 is stored; it works
once, and not after `INVITATION_HOURS`. Removing an account and changing its role are
`scheduler.services.accounts.remove_account` and `change_role`, limited here to one's own
organisation and never oneself. `scheduler user add` is needed for the very first account
only."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from scheduler.base.addresses import parse_address
from scheduler.base.errors import NotFoundError, UsageError
from scheduler.mail.render import render_email
from scheduler.model.account import COORDINATOR, ROLE_MEANINGS, ROLE_NAMES, Account, Role
from scheduler.model.invitation import Invitation
from scheduler.services.accounts import all_accounts, change_role, remove_account
from scheduler.services.passwords import HashCost, check_password, hash_password
from scheduler.services.usernames import check_username
from scheduler.settings.model import Settings
from scheduler.store import invitations as stored
from scheduler.store.accounts import find_account
from scheduler.store.outbox import enqueue_once

INVITATION_HOURS = 72
LINK_PATH = "/konto/ny/"


@dataclass(frozen=True)
class Invited:
    invitation: Invitation
    link: str  # shown once: the secret is not kept
    emailed: bool


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def organisation_accounts(engine: Engine, organisation: str) -> list[Account]:
    """The organisation's accounts, coordinators and readers, by username."""
    return [a for a in all_accounts(engine) if a.organisation == organisation]


def open_invitations(engine: Engine, organisation: str, *, now: datetime) -> list[Invitation]:
    return stored.open_invitations(engine, organisation, now=now)


def invite(engine: Engine, config: Settings, *, organisation: str, by: str, username: str,
           email: str, now: datetime, role: Role = COORDINATOR) -> Invited:  # fmt: skip
    """A one-time link for `username` of `organisation`, to become `role`; emailed when `email`
    is given."""
    name = check_username(username)
    if find_account(engine, name) is not None:
        raise UsageError(f"Det finns redan ett konto som heter «{name}». Välj ett annat namn.")
    if email and parse_address(email) is None:
        raise UsageError(f"«{email}» är ingen e-postadress. Skriv till exempel namn@kommun.se, "
                         "eller lämna fältet tomt och ge länken själv.")  # fmt: skip
    token = secrets.token_urlsafe(32)
    invitation = stored.add_invitation(
        engine, token_hash=_digest(token), username=name, organisation=organisation,
        email=email or None, created_by=by, now=now,
        expires_at=now + timedelta(hours=INVITATION_HOURS), role=role,
    )  # fmt: skip
    link = f"{config.base_url}{LINK_PATH}{token}"
    if email:
        mail = render_email("account_invitation", {
            "organisation": organisation, "username": name, "by": by, "link": link,
            "expires": invitation.expires_at, "role_name": ROLE_NAMES[role],
            "role_meaning": ROLE_MEANINGS[role],
        })  # fmt: skip
        enqueue_once(engine, [{
            "key": f"invitation|{invitation.id}", "kind": "account-invitation", "plan_id": None,
            "occurrence_id": None, "role": "", "recipient": email, "due_at": now,
            "useful_until": invitation.expires_at, "subject": mail.subject,
            "body_text": mail.text, "body_html": mail.html, "attachment": None,
        }], now=now)  # fmt: skip
    return Invited(invitation, link, bool(email))


def invitation_of(engine: Engine, token: str, *, now: datetime) -> Invitation:
    """The link's invitation while it can be used; else NotFoundError saying why."""
    found = stored.find_invitation(engine, _digest(token))
    if found is None:
        raise NotFoundError("Länken finns inte. Kontrollera att hela länken kom med.")
    if found.used_at is not None:
        raise NotFoundError("Länken är redan använd. Logga in med ditt användarnamn och lösenord.")
    if found.expires_at <= now:
        raise NotFoundError("Länken har slutat gälla. Be den som bjöd in dig om en ny.")
    return found


def accept(engine: Engine, config: Settings, token: str, *, password: str, now: datetime) -> Account:  # fmt: skip
    """The new account, with the password chosen (checked as every password is)."""
    invitation = invitation_of(engine, token, now=now)
    check_password(password, username=invitation.username,
                   min_score=config.server.password_min_score,
                   nothing_done="Inget konto skapades.")  # fmt: skip
    password_hash = hash_password(password, HashCost.from_section(config.server))
    return stored.accept_invitation(engine, _digest(token), password_hash=password_hash,
                                    now=now)  # fmt: skip


def withdraw(engine: Engine, invitation_id: int, *, organisation: str) -> bool:
    return stored.withdraw_invitation(engine, invitation_id, organisation)


def other_account(engine: Engine, *, organisation: str, by: str, username: str, doing: str) -> Account:  # fmt: skip
    """The organisation's account `username`, to be changed by `by`; never one's own (someone
    must stay a coordinator), never another organisation's. `doing` completes "Du kan inte …
    ditt eget konto här."."""
    if username == by:
        raise UsageError(f"Du kan inte {doing} ditt eget konto här.")
    for account in organisation_accounts(engine, organisation):
        if account.username == username:
            return account
    raise NotFoundError(f"{organisation} har inget konto som heter «{username}».")


def remove_other_account(engine: Engine, *, organisation: str, by: str, username: str) -> Account:
    """Another account of the same organisation removed (never oneself)."""
    other_account(engine, organisation=organisation, by=by, username=username, doing="ta bort")
    return remove_account(engine, username)


def change_other_role(engine: Engine, *, organisation: str, by: str, username: str,
                      role: Role) -> tuple[Account, int]:  # fmt: skip
    """Another account of the same organisation becomes `role` (never oneself); its sessions
    end. Returns the account and how many sessions ended."""
    other_account(engine, organisation=organisation, by=by, username=username,
                  doing="ändra behörigheten för")  # fmt: skip
    return change_role(engine, username=username, role=role)
