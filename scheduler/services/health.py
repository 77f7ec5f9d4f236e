"""The installation's health as `/healthz` reports it: is the database reachable and at the newest
migration, when did a dispatcher last pass, how many reminders are due and how many failed.
No secrets: no URL, no host names, no addresses."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from scheduler.store.engine import schema_is_current
from scheduler.store.heartbeat import last_pass
from scheduler.store.outbox import reminder_counts

log = logging.getLogger(__name__)


def health_report(engine: Engine, *, now: datetime) -> dict[str, Any]:
    report: dict[str, Any] = {"status": "fel", "database": False, "migrations_current": False,
                              "last_dispatcher_pass": None, "due_reminders": None,
                              "failed_reminders": None}  # fmt: skip
    try:
        current = schema_is_current(engine)
    except Exception as exc:  # any failure to reach the database is what this reports
        log.warning("healthz: database not reachable: %s", exc.__class__.__name__)
        return report
    report |= {"database": True, "migrations_current": current}
    if not current:  # the tables below may not be there, or not as this code expects
        return report
    try:
        passed = last_pass(engine)
        due, failed = reminder_counts(engine, now=now)
    except Exception as exc:
        log.warning("healthz: reading the outbox failed: %s", exc.__class__.__name__)
        report["database"] = False
        return report
    report |= {"status": "ok", "due_reminders": due, "failed_reminders": failed,
               "last_dispatcher_pass": passed.isoformat() if passed else None}  # fmt: skip
    return report
