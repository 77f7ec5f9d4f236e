"""The audit record: sign-ins, failed sign-ins and every change a person makes in the workspace,
with who, when, what and from which address; shown to the organisation's coordinators at /logg
and kept `audit.keep_days` (scheduler.store.audit)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import Engine

from scheduler.model.audit import AuditEvent
from scheduler.settings.model import Settings
from scheduler.store.audit import add_event, events_of

SIGN_IN: Final = "Inloggning"
FAILED_SIGN_IN: Final = "Misslyckad inloggning"
SIGN_OUT: Final = "Utloggning"
CHANGE: Final = "Ändring"
# What /logg shows at most: the newest events.
SHOWN: Final = 500
# A field's value in the record is cut here (a whole pasted text is not needed to say what
# changed), and the whole detail at DETAIL_CHARS.
VALUE_CHARS: Final = 120
DETAIL_CHARS: Final = 1_000


def record(engine: Engine, config: Settings, *, organisation: str, actor: str, address: str,
           action: str, detail: str, now: datetime) -> None:  # fmt: skip
    """One event, written at once; events past `audit.keep_days` go in the same transaction. An
    event of no organisation (a refused answer nobody began, an unknown name among several
    districts) is nobody's to read and is not kept: it is only logged by the caller."""
    if not organisation:
        return
    event = AuditEvent(now, organisation, actor[:200], address[:64], action, detail[:DETAIL_CHARS])
    add_event(engine, event, forget_before=now - timedelta(days=config.audit.keep_days))


def recent_events(engine: Engine, organisation: str) -> list[AuditEvent]:
    return events_of(engine, organisation, limit=SHOWN)
