"""Workspace accounts: who may sign in, for which organisation, and as what: a coordinator, who
may change things, or a reader (the partners of the samverkansöverenskommelse), who may only look.

Passwords are hashed with argon2 and must pass the rules of scheduler.services.passwords. A new
password and a removed account end every session of the account at once, in every web process
(the sessions are rows in the store), and forget the sign-in attempts counted against it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from scheduler.base.errors import UsageError
from scheduler.model.account import COORDINATOR, ROLES, Account, Role
from scheduler.services.passwords import HashCost, check_password, hash_password
from scheduler.services.usernames import check_username, normal_username, username_subject
from scheduler.settings.model import Settings
from scheduler.store import accounts as stored


def configured_organisation(config: Settings, handle: str) -> str:
    """The configured organisation's full name for `handle`, else a message naming them."""
    found = config.find_organisation(handle)
    if found is not None:
        return found
    names = ", ".join(config.organisation_names)
    if not names:
        raise UsageError(
            "ingen organisation har ett namn i config.toml: ange «organisation.name» (eller "
            "[organisations.<kort namn>]) innan konton skapas."
        )
    raise UsageError(
        f"organisationen «{handle}» finns inte i konfigurationen (välj bland {names})."
    )


def all_accounts(engine: Engine) -> list[Account]:
    """Every account, by organisation and username."""
    return stored.list_accounts(engine)


def existing_account(engine: Engine, username: str) -> Account:
    """The account of `username` (any case), else NotFoundError naming it."""
    name = normal_username(username)
    found = stored.find_account(engine, name)
    if found is None:
        raise stored.missing_account(name)
    return found


def create_account(
    engine: Engine, config: Settings, *, username: str, organisation: str, password: str,
    now: datetime, role: Role = COORDINATOR,
) -> Account:  # fmt: skip
    """A local account with a password; `role` READER for one who may only look (what /konton
    calls to add a reader)."""
    name = check_username(username)
    full = configured_organisation(config, organisation)
    check_password(password, username=name, min_score=config.server.password_min_score,
                   nothing_done="Inget konto skapades.")  # fmt: skip
    password_hash = hash_password(password, HashCost.from_section(config.server))
    return stored.add_account(engine, username=name, organisation=full,
                              password_hash=password_hash, now=now, role=role)  # fmt: skip


def change_role(engine: Engine, *, username: str, role: Role) -> tuple[Account, int]:
    """The account becomes a coordinator or a reader; its sessions end, so the new role holds
    from its next sign-in. An account made by the identity provider gets its role from the
    claims again at that sign-in. Returns the account and how many sessions ended."""
    if role not in ROLES:
        raise UsageError(f"okänd roll «{role}» (välj samordnare eller läsare).")
    return stored.set_role(engine, existing_account(engine, username).username, role)


def change_password(
    engine: Engine, config: Settings, *, username: str, password: str
) -> tuple[Account, int]:
    """The account's new password, checked as a new account's is; every session of the account
    ends. Returns the account and how many sessions ended."""
    name = existing_account(engine, username).username  # before the password is judged
    check_password(password, username=name, min_score=config.server.password_min_score,
                   nothing_done="Lösenordet ändrades inte.")  # fmt: skip
    password_hash = hash_password(password, HashCost.from_section(config.server))
    return stored.set_password_hash(engine, name, password_hash,
                                    attempts=username_subject(name))  # fmt: skip


def remove_account(engine: Engine, username: str) -> Account:
    """The account goes, and with it every session of it."""
    name = normal_username(username)
    return stored.remove_account(engine, name, attempts=username_subject(name))
