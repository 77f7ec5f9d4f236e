"""Sign-in attempts counted per hashed username and per client address (table `login_attempt`).

An attempt is counted in one transaction that writes before it reads: an upsert of each of its
rows (`INSERT … ON CONFLICT DO UPDATE`) takes SQLite's write lock and PostgreSQL's row locks, so
parallel attempts for one username, or from one address, are counted one after another and each
sees those before it. Only then is the password checked (by the caller), so a burst of guesses
gets exactly the free attempts checked, whatever the order they arrive in.

The store keeps what it is given: the keys are hashed and the throttling rule chosen by the
service (scheduler.services.signin).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, case, delete, func, select, tuple_, update

from scheduler.store.tables import LoginAttemptRow

BY_ACCOUNT = "account"
BY_ADDRESS = "address"

# How long no attempt is checked after the n-th counted one (None: not locked).
LockRule = Callable[[int], timedelta | None]

_TABLE = LoginAttemptRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, order=True)
class Subject:
    """What attempts are counted against: a username or an address, by its hash."""

    kind: str  # BY_ACCOUNT or BY_ADDRESS
    key_hash: str


@dataclass(frozen=True)
class Refused:
    """The attempt was not counted: a subject is locked for `wait` more."""

    subject: Subject
    wait: timedelta


@dataclass(frozen=True)
class Keeping:
    """How long rows are kept: forgotten after `hours` without an attempt, at most `rows`."""

    forget_before: datetime
    rows: int


def count_attempt(
    engine: Engine, subjects: Sequence[Subject], *, rules: Mapping[str, LockRule],
    now: datetime, keeping: Keeping,
) -> Refused | None:  # fmt: skip
    """One more attempt against each subject, counted before the password is checked; or, when
    one of them is locked, the longest wait (and nothing counted)."""
    ordered = sorted(set(subjects))  # one lock order for every process: no deadlock
    with engine.begin() as connection:
        for subject in ordered:
            connection.execute(_touch(connection, subject, now=now, keeping=keeping))
        rows = {
            Subject(row.kind, row.key_hash): row
            for row in connection.execute(
                select(_TABLE.c.kind, _TABLE.c.key_hash, _TABLE.c.attempts, _TABLE.c.locked_until)
                .where(tuple_(_TABLE.c.kind, _TABLE.c.key_hash).in_([(s.kind, s.key_hash) for s in ordered]))
            )
        }  # fmt: skip
        locked = [
            Refused(subject, row.locked_until - now)
            for subject, row in rows.items()
            if row.locked_until is not None and row.locked_until > now
        ]
        if locked:
            return max(locked, key=lambda refused: refused.wait)
        for subject in ordered:
            attempts = rows[subject].attempts + 1
            delay = rules[subject.kind](attempts)
            connection.execute(
                update(_TABLE)
                .where(_TABLE.c.kind == subject.kind, _TABLE.c.key_hash == subject.key_hash)
                .values(attempts=attempts, locked_until=None if delay is None else now + delay)
            )
        _forget(connection, ordered, now=now, keeping=keeping)
    return None


def take_back(engine: Engine, subject: Subject, *, rule: LockRule) -> None:
    """A right password: its attempt no longer counts against `subject` (its address), and a
    lock it alone caused is lifted."""
    with engine.begin() as connection:
        row = connection.execute(
            select(_TABLE.c.attempts, _TABLE.c.locked_until)
            .where(_TABLE.c.kind == subject.kind, _TABLE.c.key_hash == subject.key_hash)
            .with_for_update()
        ).first()
        if row is None:
            return
        attempts = max(row.attempts - 1, 0)
        locked_until = row.locked_until if rule(attempts) is not None else None
        connection.execute(
            update(_TABLE)
            .where(_TABLE.c.kind == subject.kind, _TABLE.c.key_hash == subject.key_hash)
            .values(attempts=attempts, locked_until=locked_until)
        )


def clear(bind: Engine | Connection, subject: Subject) -> None:
    """Forget every attempt against `subject` (a right password for a username, a new password,
    a removed account)."""
    statement = delete(_TABLE).where(
        _TABLE.c.kind == subject.kind, _TABLE.c.key_hash == subject.key_hash
    )
    if isinstance(bind, Engine):
        with bind.begin() as connection:
            connection.execute(statement)
    else:
        bind.execute(statement)


def count_rows(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(_TABLE)).scalar_one())


def _touch(connection: Connection, subject: Subject, *, now: datetime, keeping: Keeping) -> Any:
    """The upsert that takes the row's lock: a new row, or the old one marked as attempted now
    (its count started over when it was older than the keeping)."""
    stale = _TABLE.c.last_attempt_at < keeping.forget_before
    insert = _insert(connection).values(kind=subject.kind, key_hash=subject.key_hash, attempts=0,
                                        last_attempt_at=now, locked_until=None)  # fmt: skip
    return insert.on_conflict_do_update(
        index_elements=["kind", "key_hash"],
        set_={
            "attempts": case((stale, 0), else_=_TABLE.c.attempts),
            "locked_until": case((stale, None), else_=_TABLE.c.locked_until),
            "last_attempt_at": now,
        },
    )


def _forget(connection: Connection, own: Sequence[Subject], *, now: datetime,
            keeping: Keeping) -> None:  # fmt: skip
    """Rows past the keeping go; over the row cap, the oldest go too (those not locked first), so
    the table stays bounded whatever is sent. Rows another transaction holds are skipped on
    PostgreSQL (SKIP LOCKED): two attempts never wait for each other here."""
    key = tuple_(_TABLE.c.kind, _TABLE.c.key_hash)
    stale = (
        select(_TABLE.c.kind, _TABLE.c.key_hash)
        .where(_TABLE.c.last_attempt_at < keeping.forget_before)
        .with_for_update(skip_locked=True)
    )
    connection.execute(delete(_TABLE).where(key.in_(stale)))
    over = connection.execute(select(func.count()).select_from(_TABLE)).scalar_one() - keeping.rows
    if over <= 0:
        return
    locked = and_(_TABLE.c.locked_until.is_not(None), _TABLE.c.locked_until > now)
    oldest = (
        select(_TABLE.c.kind, _TABLE.c.key_hash)
        .where(key.not_in([(subject.kind, subject.key_hash) for subject in own]))
        .order_by(case((locked, 1), else_=0), _TABLE.c.last_attempt_at)
        .limit(over)
        .with_for_update(skip_locked=True)
    )  # fmt: skip
    connection.execute(delete(_TABLE).where(key.in_(oldest)))


def _insert(connection: Connection) -> Any:
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(_TABLE)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(_TABLE)
