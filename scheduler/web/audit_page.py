"""The audit record in the workspace (/logg): the organisation's sign-ins, failed sign-ins and
changes, newest first, with who, when, what and from which address. Coordinators only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response

from scheduler.services.audit import SHOWN, recent_events
from scheduler.web.deps import EngineDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS
from scheduler.web.session import Coordinator, coordinator_only

router = APIRouter()


@router.api_route("/logg", methods=PAGE_METHODS, response_class=HTMLResponse)
def show_audit_record(coordinator: Annotated[Coordinator, Depends(coordinator_only)],
               engine: EngineDep) -> Response:  # fmt: skip
    events = recent_events(engine, coordinator.organisation)
    return workspace_page("audit.html", coordinator, current="/logg", events=events,
                          shown=SHOWN, keep_days=coordinator.config.audit.keep_days)  # fmt: skip
