"""Coordinator accounts: who may sign in to the workspace, and for which organisation.

Passwords are hashed with argon2 (argon2-cffi's recommended parameters) and never stored or
logged as typed. Wrong passwords are counted per username in the store, so every web process
throttles alike: after `FREE_ATTEMPTS` wrong ones in a row, no attempt for that username is
checked (not even with the right password) for a delay that doubles with each further one.
An unknown username is counted and answered like a known one, so the answers tell nobody which
usernames exist.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine

from scheduler.base.errors import UsageError
from scheduler.settings.model import Settings
from scheduler.store.accounts import (
    add_account,
    clear_failures,
    failures_of,
    find_account,
    record_failure,
)
from scheduler.store.tables import AccountRow

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200
FREE_ATTEMPTS = 5
FIRST_DELAY = timedelta(seconds=30)
LONGEST_DELAY = timedelta(hours=1)
_USERNAME = re.compile(r"[\w.@-]{2,64}")

_hasher = PasswordHasher()


def normal_username(text: str) -> str:
    return text.strip().casefold()


def check_username(text: str) -> str:
    username = normal_username(text)
    if not _USERNAME.fullmatch(username):
        raise UsageError(
            f"ogiltigt användarnamn «{text}»: 2–64 tecken, bokstäver, siffror och . _ @ - "
            "(inga mellanslag)."
        )
    return username


def check_password(password: str, *, username: str) -> None:
    """A password good enough to guard a district's plan, else one Swedish line saying why."""
    if not password:
        raise UsageError("lösenordet är tomt; inget konto skapades.")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsageError(
            f"lösenordet är för kort ({len(password)} tecken): det ska ha minst "
            f"{MIN_PASSWORD_CHARS}. Inget konto skapades."
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise UsageError(f"lösenordet får ha högst {MAX_PASSWORD_CHARS} tecken.")
    if len(set(password)) < 4 or username in password.casefold():
        raise UsageError(
            "lösenordet är för lätt att gissa (samma få tecken om och om igen, eller "
            "användarnamnet). Välj ett annat; inget konto skapades."
        )


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


def create_account(
    engine: Engine, config: Settings, *, username: str, organisation: str, password: str,
    now: datetime,
) -> AccountRow:  # fmt: skip
    name = check_username(username)
    full = configured_organisation(config, organisation)
    check_password(password, username=name)
    return add_account(engine, username=name, organisation=full,
                       password_hash=_hasher.hash(password), now=now)  # fmt: skip


def lock_delay(failures: int) -> timedelta | None:
    """No wait for the first wrong passwords; then 30 s, doubling, at most an hour."""
    if failures < FREE_ATTEMPTS:
        return None
    return min(FIRST_DELAY * (1 << min(failures - FREE_ATTEMPTS, 16)), LONGEST_DELAY)


@dataclass(frozen=True)
class SignIn:
    """The account signed in to, or why not: `wait` set when the username is throttled."""

    account: AccountRow | None
    wait: timedelta | None = None


def sign_in(engine: Engine, *, username: str, password: str, now: datetime) -> SignIn:
    name = normal_username(username)
    failures = failures_of(engine, name)
    if failures is not None and failures.locked_until is not None and now < failures.locked_until:
        return SignIn(None, wait=failures.locked_until - now)
    account = find_account(engine, name)
    if account is not None and _verifies(account.password_hash, password):
        clear_failures(engine, name)
        return SignIn(account)
    if account is None:
        _verifies(_dummy_hash(), password)  # as long as a real check: the time tells nothing
    record_failure(engine, name, now=now, lock_for=lock_delay)
    return SignIn(None)


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))
