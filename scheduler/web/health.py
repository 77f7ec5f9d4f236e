"""`GET /healthz` for a load balancer or a monitor: what `scheduler.services.health` reports, 200
when the database is reachable and its schema current, 503 otherwise."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from scheduler.services.health import health_report
from scheduler.web.deps import ClockDep, EngineDep
from scheduler.web.pages import PAGE_METHODS

router = APIRouter()


@router.api_route("/healthz", methods=PAGE_METHODS)
def healthz(engine: EngineDep, clock: ClockDep) -> JSONResponse:
    report = health_report(engine, now=clock())
    return JSONResponse(
        report,
        status_code=200 if report["status"] == "ok" else 503,
        headers={"Cache-Control": "no-store"},
    )
