"""`GET /healthz` for a load balancer or a monitor: is the database reachable and at the newest
migration, when did a dispatcher last pass, how many reminders are due and how many failed.
No secrets: no URL, no host names, no addresses. 200 when the database is reachable and its
schema current, 503 otherwise."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from scheduler.store.engine import schema_is_current
from scheduler.store.heartbeat import last_pass
from scheduler.store.outbox import reminder_counts
from scheduler.web.pages import PAGE_METHODS

log = logging.getLogger(__name__)
router = APIRouter()


def health(engine: Engine, *, now: datetime) -> dict[str, Any]:
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


@router.api_route("/healthz", methods=PAGE_METHODS)
def healthz(request: Request) -> JSONResponse:
    report = health(request.app.state.engine, now=request.app.state.clock())
    return JSONResponse(
        report,
        status_code=200 if report["status"] == "ok" else 503,
        headers={"Cache-Control": "no-store"},
    )
