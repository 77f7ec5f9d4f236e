"""The plan's history (/plan/historik): every revision with who saved it and when, what it
changed (per measure, field by field), and a restore of an earlier one, previewed first and done
on a second POST with `bekraftat=ja`; restoring is itself a new revision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from scheduler.model.plan_contents import (
    MeasureChange,
    area_changes,
    changes_between,
    contents_from_json,
)
from scheduler.services.plan_edits import restore, revision, revisions_of
from scheduler.web.deps import ClockDep, EngineDep, FeedsDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.plan_edit_page import CONFIRMED, chosen
from scheduler.web.session import (
    Coordinator,
    checked_form,
    nothing_changed,
    workspace_coordinator,
)

router = APIRouter()
CoordinatorDep = Annotated[Coordinator, Depends(workspace_coordinator)]


@dataclass(frozen=True)
class RevisionView:
    number: int
    author: str
    note: str
    created_at: datetime
    measures: list[MeasureChange]
    areas: list[str]
    current: bool


@router.api_route("/plan/historik", methods=PAGE_METHODS, response_class=HTMLResponse)
def show_history(request: Request, coordinator: CoordinatorDep, engine: EngineDep,
                 clock: ClockDep) -> Response:  # fmt: skip
    plan = chosen(request, coordinator, engine, now=clock())
    found = revisions_of(engine, plan.plan_id)
    views = []
    # Newest first; each compared with the one before it.
    for index, saved in enumerate(found):
        after = contents_from_json(saved.snapshot)
        earlier = found[index + 1] if index + 1 < len(found) else None
        before = contents_from_json(earlier.snapshot) if earlier else after
        views.append(RevisionView(saved.number, saved.author, saved.note, saved.created_at,
                                  changes_between(before, after), area_changes(before, after),
                                  current=index == 0 and after == plan.contents))  # fmt: skip
    return workspace_page("plan_history.html", coordinator, current="/plan", plan=plan,
                          revisions=views)  # fmt: skip


@router.post("/plan/historik/{number}/aterstall", response_class=HTMLResponse)
def restore_revision(
    request: Request,
    number: int,
    coordinator: CoordinatorDep,
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, clock: ClockDep, feeds: FeedsDep,
) -> Response:  # fmt: skip
    """The first POST shows what restoring would change and changes nothing; the second,
    carrying `bekraftat=ja`, restores it as a new revision."""
    plan = chosen(request, coordinator, engine, now=clock())
    revision(engine, plan.plan_id, number)  # not found: 404 before anything else
    confirmed = form.text("bekraftat") == CONFIRMED
    outcome = restore(engine, coordinator.config, plan_id=plan.plan_id, number=number,
                      author=coordinator.username, now=clock(), confirmed=confirmed)  # fmt: skip
    if confirmed:
        feeds.recheck_now()
    if not confirmed or not outcome.changed:
        nothing_changed(request)
    return workspace_page(
        "plan_edit_confirm.html", coordinator, current="/plan", plan=plan, outcome=outcome,
        heading=f"Återställ version {number}" + ("" if confirmed else "?"),
        action=f"/plan/historik/{number}/aterstall?ar={plan.year}",
        button=f"Återställ version {number}", back=f"/plan/historik?ar={plan.year}",
    )  # fmt: skip
