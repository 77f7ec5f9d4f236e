"""The audit record (table `audit_event`): who did what, when and from which address.

Events older than the caller's limit (`audit.keep_days`) are deleted whenever one is written, by
the indexed time, so the table holds only what is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, select

from scheduler.model.audit import AuditEvent
from scheduler.store.tables import AuditEventRow

_AUDIT = AuditEventRow.__table__  # type: ignore[attr-defined]


def add_event(engine: Engine, event: AuditEvent, *, forget_before: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(delete(_AUDIT).where(_AUDIT.c.at < forget_before))
        connection.execute(
            _AUDIT.insert().values(
                at=event.at, organisation=event.organisation, actor=event.actor,
                client_address=event.client_address, action=event.action, detail=event.detail,
            )
        )  # fmt: skip


def events_of(engine: Engine, organisation: str, *, limit: int) -> list[AuditEvent]:
    """The organisation's newest events first, at most `limit`."""
    query = (
        select(_AUDIT.c.at, _AUDIT.c.organisation, _AUDIT.c.actor, _AUDIT.c.client_address,
               _AUDIT.c.action, _AUDIT.c.detail)
        .where(_AUDIT.c.organisation == organisation)
        .order_by(_AUDIT.c.at.desc(), _AUDIT.c.id.desc())
        .limit(limit)
    )  # fmt: skip
    with engine.connect() as connection:
        return [AuditEvent(*row) for row in connection.execute(query)]
