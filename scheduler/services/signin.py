"""Signing in to the workspace, throttled per username and per client address.

Each attempt is first counted, against the username and against the address, in one transaction
that locks both counts (scheduler.store.login_attempts); only an attempt that passes gets its
password checked. So a burst of parallel guesses gets exactly the free attempts checked, and the
right password that arrives after them is refused too, until the delay has passed. After the
free attempts (`server.signin_free_attempts` per username, `server.signin_address_attempts` per
address) every further one waits `server.signin_delay_seconds`, doubling up to
`server.signin_longest_delay_minutes`. A right password takes its own attempt back and clears the
username's count.

An unknown username is counted and checked like a known one (against a dummy hash), so neither
the answer nor its time tells whether a username exists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine

from scheduler.model.account import Account
from scheduler.services.passwords import HashCost, dummy_hash, verifies
from scheduler.services.usernames import MAX_USERNAME_CHARS, normal_username, username_subject
from scheduler.settings.model import Server
from scheduler.store.accounts import find_account
from scheduler.store.login_attempts import (
    BY_ACCOUNT,
    BY_ADDRESS,
    Keeping,
    LockRule,
    Subject,
    clear,
    count_attempt,
    take_back,
)


@dataclass(frozen=True)
class SignInPolicy:
    """How sign-in attempts are throttled and how long they are remembered: the `signin_` keys
    of [server], made only by `from_section`."""

    free_attempts: int
    address_attempts: int
    first_delay: timedelta
    longest_delay: timedelta
    keep_for: timedelta
    max_rows: int
    hash_cost: HashCost  # an unknown username's dummy check costs what a real one does

    @classmethod
    def from_section(cls, server: Server) -> SignInPolicy:
        return cls(
            free_attempts=server.signin_free_attempts,
            address_attempts=server.signin_address_attempts,
            first_delay=timedelta(seconds=server.signin_delay_seconds),
            longest_delay=timedelta(minutes=server.signin_longest_delay_minutes),
            keep_for=timedelta(hours=server.signin_record_hours),
            max_rows=server.signin_record_rows,
            hash_cost=HashCost.from_section(server),
        )

    def lock_rule(self, free: int) -> LockRule:
        """No wait for the first `free` attempts; then the first delay, doubling, at most the
        longest."""

        def delay(attempts: int) -> timedelta | None:
            if attempts < free:
                return None
            return min(self.first_delay * (1 << min(attempts - free, 16)), self.longest_delay)

        return delay

    @property
    def rules(self) -> dict[str, LockRule]:
        return {BY_ACCOUNT: self.lock_rule(self.free_attempts),
                BY_ADDRESS: self.lock_rule(self.address_attempts)}  # fmt: skip


def address_subject(address: str) -> Subject:
    return Subject(BY_ADDRESS, hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest())


@dataclass(frozen=True)
class Throttled:
    """Not counted and not checked: the username (or the address) must wait."""

    wait: timedelta
    per_address: bool


@dataclass(frozen=True)
class Admitted:
    """An attempt counted, to be checked: against the account's hash, or a dummy one."""

    username: str
    address: str
    account: Account | None
    hash_cost: HashCost

    def check(self, password: str) -> bool:
        """The password check itself: argon2 at the hash's cost, the expensive part (run it in a worker
        thread, a few at once: scheduler.web.password_gate)."""
        if self.account is None:
            # As long as a real check: the time tells nothing.
            verifies(dummy_hash(self.hash_cost), password)
            return False
        return verifies(self.account.password_hash, password)


def admit(engine: Engine, policy: SignInPolicy, *, username: str, address: str,
          now: datetime) -> Admitted | Throttled:  # fmt: skip
    """Counts the attempt against the username and the address, or says how long to wait."""
    refused = count_attempt(
        engine, [username_subject(username), address_subject(address)], rules=policy.rules,
        now=now, keeping=Keeping(forget_before=now - policy.keep_for, rows=policy.max_rows),
    )  # fmt: skip
    if refused is not None:
        return Throttled(refused.wait, per_address=refused.subject.kind == BY_ADDRESS)
    name = normal_username(username)
    # A name longer than any account's is not looked up (nor sent to the database).
    account = find_account(engine, name) if len(name) <= MAX_USERNAME_CHARS else None
    return Admitted(username, address, account, policy.hash_cost)


def settle(
    engine: Engine, policy: SignInPolicy, attempt: Admitted, *, right: bool
) -> Account | None:
    """The account signed in to after a right password (its count cleared, the address's attempt
    taken back); None after a wrong one, which stays counted."""
    if not right or attempt.account is None:
        return None
    clear(engine, username_subject(attempt.username))
    take_back(engine, address_subject(attempt.address), rule=policy.rules[BY_ADDRESS])
    return attempt.account
