"""The year-end follow-up in the workspace (/uppfoljning): before it starts, when it will (and a
button to start it now); once started, the progress per role, each role's answers, a link to fill
in a role's form on its behalf (the coordinator's form of scheduler/web/followup.py, reached by
the signed coordinator link), and the followed-up plan to download as .xlsx, .html or .md
(/uppfoljning.xlsx etc., as `scheduler followup export` writes them). After the deadline a
button marks the plan `uppföljd` (POST /plan/uppfoljd with the workspace's CSRF token, as
`scheduler plan followed-up`; under /uppfoljning/ it would be taken for a signed form link).

A download is a GET and only downloads: a GET or HEAD changes nothing (a link followed from
another site, a browser prefetching, a mail scanner), so marking the plan is the button's alone."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.base.swedish import count
from scheduler.base.templating import swedish_date
from scheduler.followup.export import followed_up, write_report, write_workbook
from scheduler.followup.facts import STATUSES
from scheduler.model.display_words import PLAN_STATE_WORDS
from scheduler.model.followup import Answer, Campaign
from scheduler.model.stored import PlanState
from scheduler.services import followup
from scheduler.services.plan_state import mark_plan
from scheduler.services.plans import chosen_plan_id, load_plan
from scheduler.services.refresh import plan_schedule
from scheduler.web.confirm import Listing, Preview, carried, confirmed, here, preview_page
from scheduler.web.followup import FollowupInputs, FollowupInputsDep
from scheduler.web.layout import workspace_message, workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.plan_page import XLSX_TYPE, asked_year
from scheduler.web.session import (
    Coordinator,
    checked_form,
    workspace_coordinator,
)

router = APIRouter()
MEDIA_TYPES = {".xlsx": XLSX_TYPE, ".html": "text/html; charset=utf-8",
               ".md": "text/markdown; charset=utf-8"}  # fmt: skip


@dataclass(frozen=True)
class AnswerView:
    area: str
    title: str
    answer: Answer | None
    status: str


@dataclass(frozen=True)
class RoleProgressView:
    status: followup.RoleStatus
    answers: list[AnswerView]
    fill_in: str  # the coordinator's form for this role, a path on this site


def _no_plan(coordinator: Coordinator) -> Response:
    return workspace_message(coordinator, title="Ingen plan ännu", status=404,
                             text=f"Det finns ingen importerad plan för {coordinator.organisation} "
                             "ännu, så det finns ingen uppföljning.")  # fmt: skip


def _on_site(base: str, link: str) -> str:
    """A link the services build with the configured base_url, as a path on this site."""
    return link[len(base) :] if link.startswith(base) else link


def _roles(inputs: FollowupInputs, plan_id: int, campaign: Campaign) -> list[RoleProgressView]:
    engine, config = inputs.engine, inputs.config
    schedule = plan_schedule(engine, config, plan_id=plan_id)
    stored = followup.answers_of(engine, plan_id)
    overview = _on_site(config.base_url, followup.coordinator_link(engine, config, campaign))
    views = []
    for status in followup.statuses(followup.role_tasks(schedule, config), stored):
        items = []
        for item in status.task.measures:
            answer = stored.get(item.stored.id)
            words = STATUSES.get(answer.status or "", "") if answer else ""
            items.append(AnswerView(item.stored.area, item.stored.measure.title, answer, words))
        views.append(RoleProgressView(status, items, f"{overview}/roll/{status.task.slug}"))
    return views


def _plan_id(request: Request, coordinator: Coordinator, inputs: FollowupInputs) -> int:
    """The coordinator's organisation's plan (of `?ar=`); NotFoundError when there is none."""
    return chosen_plan_id(inputs.engine, year=asked_year(request), now=inputs.now,
                          organisation=coordinator.organisation)  # fmt: skip


def _page(request: Request, coordinator: Coordinator, inputs: FollowupInputs, *,
          status: int = 200, errors: list[str] | None = None, done: list[str] | None = None,
          error_title: str = "Uppföljningen kunde inte startas") -> Response:  # fmt: skip
    try:
        plan_id = _plan_id(request, coordinator, inputs)
    except NotFoundError:
        if request.query_params.get("ar"):
            raise
        return _no_plan(coordinator)
    stored = load_plan(inputs.engine, plan_id)
    year = stored.plan.year
    settings = inputs.settings
    campaign = followup.campaign_of(inputs.engine, plan_id)
    context: dict[str, Any] = {
        "plan": stored.plan, "state": PLAN_STATE_WORDS[stored.state], "campaign": campaign,
        "start_at": settings.start_at(year), "too_late": inputs.now >= settings.deadline_at(year),
        "errors": errors or [], "error_title": error_title, "done": done or [], "roles": [],
        "deadline": None, "can_mark": False, "open": False,
        "closed_deadline": settings.deadline_at(year) - timedelta(seconds=1),
    }  # fmt: skip
    if campaign is not None:
        context["roles"] = _roles(inputs, plan_id, campaign)
        context["deadline"] = followup.last_day(campaign)
        context["can_mark"] = (
            stored.state != PlanState.FOLLOWED_UP and inputs.now >= campaign.deadline
        )
        context["open"] = inputs.now < campaign.deadline
    return workspace_page("followup_workspace.html", coordinator, current="/uppfoljning", shown_year=year,
                          status=status, **context)  # fmt: skip


@router.api_route("/uppfoljning", methods=PAGE_METHODS, response_class=HTMLResponse)
def show_followup(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                  inputs: FollowupInputsDep) -> Response:  # fmt: skip
    return _page(request, coordinator, inputs)


@router.post("/uppfoljning", response_class=HTMLResponse)
def start_now(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    inputs: FollowupInputsDep,
) -> Response:
    """Start the follow-up now, as `scheduler followup start` does (starting twice sends
    nothing twice), with the last day `sista_svarsdag` when given (a closing year's, after
    followup.deadline); `steg=forlang` gives a started one a new last day, `steg=stang` closes it
    now. Starting and closing are previewed first."""
    try:
        plan_id = _plan_id(request, coordinator, inputs)
    except NotFoundError:
        return _no_plan(coordinator)
    step = form.text("steg") or "starta"
    typed_day = form.text("sista_svarsdag").strip()
    try:
        day = _day(typed_day) if typed_day else None
        if step == "forlang":
            return _extend(request, coordinator, inputs, plan_id, day)
        if step == "stang":
            return _close(request, coordinator, form, inputs, plan_id)
        deadline = followup.deadline_after(day) if day else None
        if not confirmed(form):
            preview = followup.start_preview(inputs.engine, inputs.config, now=inputs.now,
                                             plan_id=plan_id, deadline=deadline)  # fmt: skip
            shown = _start_preview(preview, here(request))
            shown = replace(shown, fields=carried(form))
            return preview_page(request, coordinator, shown, current="/uppfoljning")
        result = followup.start(inputs.engine, inputs.config, now=inputs.now, plan_id=plan_id,
                                deadline=deadline)  # fmt: skip
    except UsageError as exc:
        return _page(request, coordinator, inputs, status=422, errors=[str(exc)])
    last = swedish_date(followup.last_day(result.campaign))
    lines = [
        f"Uppföljningen har startat; sista svarsdag {last}." if result.created
        else f"Uppföljningen pågår redan; sista svarsdag {last}.",
        f"{count(result.emails, 'nytt e-postmeddelande', 'nya e-postmeddelanden')} i utkorgen; "
        "de går iväg vid nästa utskick.",
    ]  # fmt: skip
    lines += [f"Obs: {role} har ingen e-postadress (se Roller) och får inget utskick."
              for role in result.roles_without_address]  # fmt: skip
    return _page(request, coordinator, inputs, done=lines)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"Sista svarsdag: «{text}» är inget datum. Skriv ÅÅÅÅ-MM-DD, till exempel 2025-01-31."
        ) from None


def _extend(request: Request, coordinator: Coordinator, inputs: FollowupInputs, plan_id: int,
            day: date | None) -> Response:  # fmt: skip
    if day is None:
        raise UsageError("Sista svarsdag: skriv den nya dagen, ÅÅÅÅ-MM-DD.")
    campaign = followup.extend(inputs.engine, plan_id, last_day=day, now=inputs.now)
    return _page(request, coordinator, inputs, done=[
        f"Sista svarsdag är nu {swedish_date(followup.last_day(campaign))}. Formulären tar emot "
        "svar och påminnelserna fortsätter till dess."])  # fmt: skip


def _close(request: Request, coordinator: Coordinator, form: PostedForm, inputs: FollowupInputs,
           plan_id: int) -> Response:  # fmt: skip
    campaign = followup.campaign_of(inputs.engine, plan_id)
    if campaign is None:
        raise UsageError("Uppföljningen har inte startat.")
    year = load_plan(inputs.engine, plan_id).plan.year
    if not confirmed(form):
        return preview_page(request, coordinator, Preview(
            title=f"Avsluta uppföljningen {year} nu?", action=here(request),
            button=f"Ja, avsluta uppföljningen {year}", back=f"/uppfoljning?ar={year}",
            lines=["Formulären tar inte emot fler svar och inga fler påminnelser går ut. Det som "
                   "har skickats in finns kvar.",
                   "Samordnaren får en sammanfattning vid nästa utskick. Därefter kan planen "
                   "markeras som uppföljd."],
            fields=carried(form),
        ), current="/uppfoljning")  # fmt: skip
    followup.close(inputs.engine, plan_id, now=inputs.now)
    return _page(request, coordinator, inputs, done=[f"Uppföljningen {year} är avslutad."])


def _start_preview(preview: followup.StartPreview, action: str) -> Preview:
    warnings = []
    if preview.before_last_quarter:
        warnings.append(f"Året {preview.year} har inte nått sitt sista kvartal. Uppföljningen "
                        f"frågar om ett år som till stor del återstår; den startar annars av sig "
                        f"själv {swedish_date(preview.starts_by_itself)}.")  # fmt: skip
    lines = [f"Uppföljningen av {preview.organisation}s åtgärdsplan {preview.year} startar nu, "
             f"i stället för av sig själv {swedish_date(preview.starts_by_itself)}. Sista "
             f"svarsdag blir {swedish_date(preview.deadline - timedelta(seconds=1))}."]  # fmt: skip
    if preview.already_started:
        lines = [f"Uppföljningen {preview.year} pågår redan; bara den som ännu inte har fått "
                 "sitt utskick får det nu."]  # fmt: skip
    recipients = [f"{role}: {address}" for role, address in preview.recipients]
    listings = [Listing(f"De som får ett e-postmeddelande ({len(recipients)})", recipients,
                        "Ingen: ingen roll har en e-postadress.")]  # fmt: skip
    if preview.roles_without_address:
        listings.append(Listing("Roller utan e-postadress, som inget får",
                                list(preview.roles_without_address)))  # fmt: skip
    return Preview(title=f"Starta uppföljningen {preview.year}?", action=action,
                   button=f"Ja, starta uppföljningen {preview.year} nu",
                   back=f"/uppfoljning?ar={preview.year}", lines=lines, warnings=warnings,
                   listings=listings)  # fmt: skip


def _download(request: Request, coordinator: Coordinator, inputs: FollowupInputs, suffix: str) -> Response:  # fmt: skip
    engine, now = inputs.engine, inputs.now
    try:
        plan_id = _plan_id(request, coordinator, inputs)
    except NotFoundError:
        if request.query_params.get("ar"):
            raise
        return _no_plan(coordinator)
    campaign = followup.campaign_of(engine, plan_id)
    if campaign is None:
        return workspace_message(coordinator, title="Uppföljningen har inte startat", status=404,
                                 text="Det finns inga svar att ladda ned förrän uppföljningen har "
                                 "startat.")  # fmt: skip
    stored = load_plan(engine, plan_id)  # only read: a GET changes nothing
    result = followed_up(stored, followup.answers_of(engine, plan_id))
    with tempfile.TemporaryDirectory(prefix="scheduler-export-") as folder:
        path = Path(folder) / f"uppfoljning{suffix}"
        if suffix == ".xlsx":
            write_workbook(result, path)
        else:
            facts = followup.facts_by_measure(engine, plan_id, now=now)
            write_report(result, stored, facts, path, now=now)
        body = path.read_bytes()
    filename = f"uppfoljning-{stored.plan.year}{suffix}"
    return Response(body, media_type=MEDIA_TYPES[suffix],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


@router.post("/plan/uppfoljd", response_class=HTMLResponse)
def mark_followed_up(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    inputs: FollowupInputsDep,
) -> Response:
    """Mark the plan `uppföljd` once its follow-up's deadline has passed (as `scheduler followup
    export` does then, and `scheduler plan followed-up` at any time)."""
    engine, now = inputs.engine, inputs.now
    try:
        plan_id = _plan_id(request, coordinator, inputs)
    except NotFoundError:
        return _no_plan(coordinator)
    campaign = followup.campaign_of(engine, plan_id)
    stored = load_plan(engine, plan_id)
    refused = "Planen kunde inte markeras som uppföljd"
    if campaign is None:
        return _page(request, coordinator, inputs, status=422, error_title=refused,
                     errors=["Uppföljningen har inte startat."])  # fmt: skip
    if stored.state == PlanState.FOLLOWED_UP:
        return _page(request, coordinator, inputs, done=[f"Planen {stored.plan.year} var redan uppföljd."])  # fmt: skip
    if now < campaign.deadline:
        deadline = swedish_date(followup.last_day(campaign))
        return _page(request, coordinator, inputs, status=422, error_title=refused,
                     errors=[f"Sista svarsdag är {deadline}; planen kan markeras som uppföljd "
                             "när den har passerat."])  # fmt: skip
    if not confirmed(form):
        year = stored.plan.year
        return preview_page(request, coordinator, Preview(
            title=f"Markera planen {year} som uppföljd?", action=here(request),
            button=f"Ja, markera planen {year} som uppföljd", back=f"/uppfoljning?ar={year}",
            lines=[f"{stored.plan.organisation}s åtgärdsplan {year} markeras som uppföljd: "
                   "årets arbete med den är klart.",
                   "Svaren som kommit in finns kvar och går att ladda ned. Ingen får något mejl "
                   "om det."],
        ), current="/uppfoljning")  # fmt: skip
    mark_plan(engine, inputs.config, plan_id, PlanState.FOLLOWED_UP, now=now)
    return _page(request, coordinator, inputs, done=[f"Planen {stored.plan.year} är markerad som uppföljd."])  # fmt: skip


@router.api_route("/uppfoljning.xlsx", methods=PAGE_METHODS)
def followup_xlsx(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                  inputs: FollowupInputsDep) -> Response:  # fmt: skip
    return _download(request, coordinator, inputs, ".xlsx")


@router.api_route("/uppfoljning.html", methods=PAGE_METHODS)
def followup_html(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                  inputs: FollowupInputsDep) -> Response:  # fmt: skip
    return _download(request, coordinator, inputs, ".html")


@router.api_route("/uppfoljning.md", methods=PAGE_METHODS)
def followup_md(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                  inputs: FollowupInputsDep) -> Response:  # fmt: skip
    return _download(request, coordinator, inputs, ".md")
