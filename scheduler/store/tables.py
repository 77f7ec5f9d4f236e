"""SQLModel tables. Timestamps are timezone-aware; texts are stored verbatim.

A measure's identity across re-imports is `key`: area name, title and the how-many-th measure of
that title in the area (the seed has two "Våld i nära relation/Barn"). Anything later stages attach
to a measure hangs off `measure.id`, which an edited re-import keeps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Dialect, Integer, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every database. SQLite has no time zones
    and would otherwise drop the offset silently (09:00+01:00 stored as 09:00)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"naive or non-datetime value stored as a timestamp: {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class PlanRow(SQLModel, table=True):
    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("organisation", "year", name="uq_plan_organisation_year"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation: str = Field(sa_column=Column(Text, nullable=False))
    year: int = Field(index=True)
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Bumped whenever anything in the plan changes: feeds use it for DTSTAMP and cache keys.
    revision: int = Field(default=1)
    # What the published occurrences and planned reminders were last computed from (plan, the
    # occurrences' own state, the settings that shape them): a refresh with the same fingerprint
    # has nothing to do, so reading commands and cron passes do not write or re-render.
    schedule_fingerprint: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    # The plan's own life: a `scheduler.model.stored.PlanState` code ("draft", "handed_in",
    # "followed_up"); the Swedish words are for display only.
    state: str = Field(
        default="draft", sa_column=Column(Text, nullable=False, server_default="draft")
    )
    handed_in_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    followed_up_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class AreaRow(SQLModel, table=True):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("plan_id", "name", name="uq_area_plan_name"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    position: int
    name: str = Field(sa_column=Column(Text, nullable=False))
    retired: bool = Field(default=False)


class MeasureRow(SQLModel, table=True):
    __tablename__ = "measure"
    __table_args__ = (UniqueConstraint("plan_id", "key", name="uq_measure_plan_key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    # None for the plan's own task (`plan_task`), which belongs to no area.
    area_id: int | None = Field(default=None, foreign_key="area.id", index=True, ondelete="CASCADE")
    # "hand-in": not a measure of the workbook but the plan's own task; never shown or exported
    # as a measure, scheduled from the config (scheduler.schedule.plan_tasks).
    plan_task: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    key: str = Field(sa_column=Column(Text, nullable=False))
    position: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    cause: str = Field(default="", sa_column=Column(Text, nullable=False))
    action: str = Field(default="", sa_column=Column(Text, nullable=False))
    when_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    responsible_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    followup_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    operational_goal: str = Field(default="", sa_column=Column(Text, nullable=False))
    convener_override: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The plan file's per-measure schedule overrides, as JSON (see planfile.settings).
    schedule_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # A measure that left the plan is retired, not deleted: what was recorded about it stays.
    retired: bool = Field(default=False)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class OccurrenceRow(SQLModel, table=True):
    """One dated meeting or task, as published. The schedule computes them; this row remembers
    what was published (UID, SEQUENCE, last change) and what people did to it (moved, cancelled,
    held). Rows are never deleted while the plan exists: a dropped occurrence is cancelled."""

    __tablename__ = "occurrence"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    measure_id: int = Field(foreign_key="measure.id", index=True, ondelete="CASCADE")
    uid: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    series_label: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    kind: str  # a `scheduler.model.occurrence.OccurrenceKind` code
    original_date: date  # the date the rule gave: part of the UID, never changes
    start: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    end: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    all_day: bool = Field(default=False)
    location: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(default="planned")  # "planned" or "cancelled"
    # Set when a person moved or cancelled it: a recomputed schedule then leaves it alone.
    manual: bool = Field(default=False)
    sequence: int = Field(default=0)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # The convener's answer after the meeting: None not reported, True held, False cancelled.
    held: bool | None = Field(default=None)
    held_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    held_recorded_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    changed_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class FeedTokenRow(SQLModel, table=True):
    """A secret feed address for one audience. Only the token's SHA-256 is stored."""

    __tablename__ = "feed_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    audience: str = Field(sa_column=Column(Text, nullable=False))  # who it was given to
    # The organisation whose calendars it opens. "": a link made before there could be several
    # that migration 0011 could not bind to one (the plans stored then were of several): it is
    # refused, never resolved through config.toml.
    organisation: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    # The feeds this token opens: a scope name ("roll-kommunpolis"), or "" for every feed.
    scope: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class FeedTokenChangeRow(SQLModel, table=True):
    """One row (id 1) counting the changes to `feed_token` on SQLite, kept by triggers on that
    table (migration 0011): a server re-reads the links when it moves, so a link revoked by any
    process is refused at once (scheduler/store/feed_token_changes.py). On PostgreSQL the trigger
    notifies instead, and the row stays at 0."""

    __tablename__ = "feed_token_change"

    id: int = Field(primary_key=True)
    changes: int = Field(sa_column=Column(BigInteger, nullable=False))


class OutboxRow(SQLModel, table=True):
    """One email to send: a reminder, a held-or-not question, a digest, a follow-up prompt.

    The database, not the scheduler's memory, is the truth. `key` is unique per occurrence and
    kind, so a reminder is created once however often the schedule is synced. A dispatcher claims
    a row with a conditional update (status pending → sending, with a lease) before it sends.
    """

    __tablename__ = "outbox"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    kind: str = Field(index=True)  # a `scheduler.model.mail.MailKind` code
    # A reminder ahead of a meeting or a task's day: how many days ahead (the kind does not say).
    lead_days: int | None = Field(default=None, sa_column=Column(Integer, nullable=True))
    plan_id: int | None = Field(default=None, foreign_key="plan.id", index=True, ondelete="CASCADE")
    occurrence_id: int | None = Field(
        default=None, foreign_key="occurrence.id", index=True, ondelete="CASCADE"
    )
    role: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    recipient: str = Field(sa_column=Column(Text, nullable=False))  # an address
    due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    # After this the message is no longer useful (the meeting has begun): skipped, not sent.
    useful_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    subject: str = Field(sa_column=Column(Text, nullable=False))
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    attachment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))  # .ics text
    status: str = Field(
        default="pending", index=True
    )  # pending, sending, sent, failed, skipped, cancelled
    attempts: int = Field(default=0)
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    claimed_by: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    claimed_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The whole message as it went to the mail server (headers, text, HTML, .ics), written when
    # it is marked sent: a reminder's bodies are rendered at claim and kept nowhere else. Cleared
    # after `[reminders] keep_sent_days` (scheduler.store.outbox.prune_sent_messages).
    sent_message: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DispatcherPassRow(SQLModel, table=True):
    """The last dispatcher pass on each host, with its counts: what `/healthz` reports, so a
    monitor sees a dispatcher that has stopped. One row per host, overwritten each pass."""

    __tablename__ = "dispatcher_pass"

    host: str = Field(sa_column=Column(Text, primary_key=True))
    worker: str = Field(sa_column=Column(Text, nullable=False))
    finished_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent: int = Field(default=0)
    retried: int = Field(default=0)
    failed: int = Field(default=0)
    skipped: int = Field(default=0)
    cancelled: int = Field(default=0)
    claimed_by_others: int = Field(default=0)


class SecretRow(SQLModel, table=True):
    """Secrets the processes share (the key that signs links), created once, kept in the store so
    every web process and dispatcher, on any host, signs and checks with the same key."""

    __tablename__ = "secret"

    name: str = Field(sa_column=Column(Text, primary_key=True))
    value: str = Field(sa_column=Column(Text, nullable=False))


class CampaignRow(SQLModel, table=True):
    """The year-end follow-up of one plan: started once, whatever starts it (date or hand)."""

    __tablename__ = "followup_campaign"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", unique=True, ondelete="CASCADE")
    started_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    deadline: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class FollowUpRow(SQLModel, table=True):
    """What a responsible role reports about one measure. A draft can be saved and resumed; a
    submitted answer can be changed until the deadline. The coordinator may answer on a role's
    behalf, which is recorded."""

    __tablename__ = "followup_answer"
    __table_args__ = (UniqueConstraint("measure_id", name="uq_followup_measure"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    measure_id: int = Field(foreign_key="measure.id", ondelete="CASCADE")
    role: str = Field(sa_column=Column(Text, nullable=False))
    status: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    submitted: bool = Field(default=False)
    by_coordinator: bool = Field(default=False)
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class AccountRow(SQLModel, table=True):
    """A workspace account: one organisation's pages only, as a coordinator or a reader. The
    password is kept only as an argon2 hash ("" for an account that signs in only through the
    organisation's identity provider, found by the provider's issuer and subject)."""

    __tablename__ = "account"
    __table_args__ = (
        UniqueConstraint("organisation", "oidc_issuer", "oidc_subject", name="uq_account_oidc"),
    )

    id: int | None = Field(default=None, primary_key=True)
    # Case-folded: "Anna" and "anna" are one account.
    username: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    organisation: str = Field(sa_column=Column(Text, nullable=False))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # "coordinator" or "reader" (scheduler.model.account.ROLES).
    role: str = Field(
        default="coordinator",
        sa_column=Column(Text, nullable=False, server_default="coordinator"),
    )
    oidc_issuer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    oidc_subject: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    display_name: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    email: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class RoleRow(SQLModel, table=True):
    """A role's person and address as a coordinator set them in the workspace (/roller), per
    organisation: over config.toml's [roles] for that organisation (scheduler/services/roles.py)."""

    __tablename__ = "organisation_role"
    __table_args__ = (UniqueConstraint("organisation", "role", name="uq_organisation_role"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation: str = Field(sa_column=Column(Text, nullable=False))
    role: str = Field(sa_column=Column(Text, nullable=False))  # the role's name as shown
    person: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    email: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class InvitationRow(SQLModel, table=True):
    """A one-time link for a new account to set their password (/konton): only the SHA-256 of
    its secret is kept; used once (`used_at`), and no use after `expires_at`. The account it
    makes gets `account_role` (a `scheduler.model.account.Role`: "coordinator" or "reader")."""

    __tablename__ = "account_invitation"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(Text, nullable=False, unique=True))
    username: str = Field(sa_column=Column(Text, nullable=False))  # case-folded, as accounts'
    organisation: str = Field(sa_column=Column(Text, nullable=False))
    email: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_by: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    account_role: str = Field(
        default="coordinator",
        sa_column=Column(Text, nullable=False, server_default="coordinator"),
    )


class LoginAttemptRow(SQLModel, table=True):
    """Sign-in attempts counted against one username or one client address, so every web process
    throttles alike. Neither is stored as given: the key is a SHA-256 of the normalised username
    or of the address, so a row has one size whatever was typed. An attempt is counted before its
    password is checked; a right password takes its own back (and clears the username's row).
    Rows are forgotten `server.signin_record_hours` after their last attempt, and at most
    `server.signin_record_rows` are kept."""

    __tablename__ = "login_attempt"

    kind: str = Field(sa_column=Column(Text, primary_key=True))  # "account" or "address"
    key_hash: str = Field(sa_column=Column(Text, primary_key=True))
    attempts: int = Field(default=0)
    last_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    # No attempt for this username or from this address is checked before this moment.
    locked_until: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True)
    )


class SessionRow(SQLModel, table=True):
    """A coordinator's sign-in to the workspace. The browser's cookie holds a random id; only its
    SHA-256 is stored, so the table opens nothing. Deleting the row ends the session in every web
    process at once (logout, a new password, the account removed)."""

    __tablename__ = "login_session"

    id_hash: str = Field(sa_column=Column(Text, primary_key=True))
    account_id: int = Field(foreign_key="account.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # Written at most once a minute (not a write per page), for the idle timeout.
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The absolute end: created_at + server.session_hours.
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    client_address: str = Field(sa_column=Column(Text, nullable=False))


class PlanRevisionRow(SQLModel, table=True):
    """One saved state of a plan's areas and measures, written by every edit in the workspace
    (and, before the first edit after an import, the imported state it started from): who saved
    it and when, and the whole plan as JSON with its measure and area ids, so that what changed
    can be shown field by field and an earlier state restored."""

    __tablename__ = "plan_revision"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_revision_number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    # 1, 2, … per plan: what the history page and a restore name.
    number: int
    # The account's username; "" for the imported state recorded before the first edit.
    author: str = Field(sa_column=Column(Text, nullable=False))
    # What the save did, in Swedish ("Ändrade texterna i «…»").
    note: str = Field(sa_column=Column(Text, nullable=False))
    snapshot: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class OidcSignInRow(SQLModel, table=True):
    """A sign-in through an identity provider under way: what the answer must match. The state is
    kept only as its SHA-256 and is used once (the row is deleted when the answer comes)."""

    __tablename__ = "oidc_sign_in"

    state_hash: str = Field(sa_column=Column(Text, primary_key=True))
    organisation: str = Field(sa_column=Column(Text, nullable=False))
    nonce: str = Field(sa_column=Column(Text, nullable=False))
    code_verifier: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class AuditEventRow(SQLModel, table=True):
    """Who did what, when and from which address: sign-ins, failed sign-ins and every change a
    person makes (/logg). Kept `audit.keep_days`."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    organisation: str = Field(sa_column=Column(Text, nullable=False, index=True))
    actor: str = Field(sa_column=Column(Text, nullable=False))
    client_address: str = Field(sa_column=Column(Text, nullable=False))
    action: str = Field(sa_column=Column(Text, nullable=False))
    detail: str = Field(sa_column=Column(Text, nullable=False))
