"""The follow-up form: one page per responsible role, reached by a personal signed link; and the
coordinator's overview, from which any role's form can be filled in on its behalf.

Server-rendered, no JavaScript. A draft can be saved and resumed until the answer is submitted; a
submitted answer can be changed, by submitting again, until the deadline (a draft never replaces a
submitted answer, which the export publishes). The CSRF token is bound to the signed link (an HMAC
of the form's URL with the server's secret), so a token from one link's page is refused on
another's. Whatever goes wrong, the typed text comes back in the form and nothing is stored.

The routes are plain functions, which FastAPI runs in a thread: their database work (which may
wait for a SQLite lock) never holds up the event loop that serves the feeds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from scheduler.base.errors import UsageError
from scheduler.base.links import LinkError, bound_token, same_token
from scheduler.base.text_safety import describe_control_character
from scheduler.followup.facts import STATUSES, MeasureFacts, prefill
from scheduler.followup.settings import FollowupSettings
from scheduler.model.followup import Campaign
from scheduler.services.followup import (
    COORDINATOR_PURPOSE,
    FORM_PURPOSE,
    AnswerInput,
    RoleTask,
    SubmittedAnswerError,
    answers_of,
    campaign_of,
    facts_by_measure,
    find_role,
    last_day,
    role_tasks,
    save_role_answers,
    signers,
    statuses,
)
from scheduler.services.plans import plan_organisation
from scheduler.services.refresh import link_secret, plan_schedule
from scheduler.settings.model import Settings
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep, FollowupSettingsDep
from scheduler.web.pages import PAGE_METHODS, PostedForm, Refusal, posted_form, render

router = APIRouter()
FOLLOWUP_CSRF_PURPOSE = "followup-csrf"
SUBMITTED_ALREADY = ("Svaret är redan inskickat, så det kan inte sparas som utkast. Din text finns "
                     "kvar nedan: välj «Skicka in» för att ändra det inskickade svaret.")  # fmt: skip


@dataclass(frozen=True)
class FollowupInputs:
    """What the follow-up's pages (these and the workspace's /uppfoljning) are made from: the
    store, the installation's settings, the moment of the request, the follow-up's settings."""

    engine: Engine
    config: Settings
    now: datetime
    settings: FollowupSettings


async def followup_inputs(engine: EngineDep, config: ConfigDep, clock: ClockDep,
                      settings: FollowupSettingsDep) -> FollowupInputs:  # fmt: skip
    return FollowupInputs(engine, config, clock(), settings)


FollowupInputsDep = Annotated[FollowupInputs, Depends(followup_inputs)]


@dataclass
class FormTarget:
    """Whose form this is, and who is filling it in."""

    plan_id: int
    task: RoleTask
    campaign: Campaign
    coordinator: bool
    action_url: str


@dataclass(frozen=True)
class FieldError:
    field: str  # the id of the form control at fault, for the error summary's link
    message: str


INVALID_LINK = Refusal("Ogiltig länk", "Länken är ogiltig eller ofullständig. Kontrollera att hela "
                       "länken från e-postmeddelandet kom med.", 400)  # fmt: skip


def _verify(inputs: FollowupInputs, token: str, purpose: str) -> dict[str, Any] | Refusal:
    form_signer, coordinator_signer = signers(inputs.engine, inputs.config)
    signer = form_signer if purpose == FORM_PURPOSE else coordinator_signer
    try:
        return signer.verify(token, now=inputs.now)
    except LinkError as exc:
        if exc.expired:
            return Refusal("Länken har gått ut", "Länken till uppföljningen har gått ut. Kontakta samordnaren "
                           "om du behöver lämna eller ändra ett svar.", 410)  # fmt: skip
        return INVALID_LINK


def _plan_id(payload: dict[str, Any]) -> int | None:
    """The payload's plan id, or None when a (correctly signed) payload lacks one or has another type."""
    plan = payload.get("plan")
    return plan if isinstance(plan, int) and not isinstance(plan, bool) else None


def _campaign(engine: Engine, plan_id: int) -> Campaign | Refusal:
    campaign = campaign_of(engine, plan_id)
    if campaign is None:
        return Refusal(
            "Ingen uppföljning", "Uppföljningen för den här planen har inte startats.", 404
        )
    return campaign


def _target(
    inputs: FollowupInputs, token: str, *, coordinator: bool, role_slug: str | None = None
) -> FormTarget | Refusal:
    payload = _verify(inputs, token, COORDINATOR_PURPOSE if coordinator else FORM_PURPOSE)
    if isinstance(payload, Refusal):
        return payload
    plan_id = _plan_id(payload)
    role = role_slug if coordinator else payload.get("role")
    if plan_id is None or not isinstance(role, str):
        return INVALID_LINK
    campaign = _campaign(inputs.engine, plan_id)
    if isinstance(campaign, Refusal):
        return campaign
    tasks = role_tasks(plan_schedule(inputs.engine, inputs.config, plan_id=plan_id), inputs.config)
    try:
        task = find_role(tasks, role)
    except UsageError:
        return Refusal("Okänd roll", "Rollen har inga åtgärder att följa upp.", 404)
    url = (
        f"/uppfoljning/samordnare/{token}/roll/{task.slug}"
        if coordinator
        else f"/uppfoljning/{token}"
    )
    return FormTarget(plan_id, task, campaign, coordinator, url)


def _closed(inputs: FollowupInputs, target: FormTarget) -> bool:
    """After the deadline a role's form is read only; the coordinator can still edit."""
    return not target.coordinator and inputs.now >= target.campaign.deadline


def _csrf(inputs: FollowupInputs, target: FormTarget) -> str:
    secret = link_secret(inputs.engine, inputs.config)
    return bound_token(secret, purpose=FOLLOWUP_CSRF_PURPOSE, value=target.action_url)


def _render_form(inputs: FollowupInputs, target: FormTarget, *, values: dict[int, dict[str, str]] | None = None,
                 errors: dict[int, FieldError] | None = None, general: str | None = None, status: int = 200,
                 saved: str | None = None) -> HTMLResponse:  # fmt: skip
    stored = answers_of(inputs.engine, target.plan_id)
    facts = facts_by_measure(inputs.engine, target.plan_id, now=inputs.now)
    items = []
    for item in target.task.measures:
        measure_id = item.stored.id
        row = stored.get(measure_id)
        own_facts = facts.get(measure_id, MeasureFacts())
        typed = (values or {}).get(measure_id)
        error = (errors or {}).get(measure_id)
        items.append({
            "id": measure_id, "area": item.stored.area, "title": item.stored.measure.title,
            "action": item.stored.measure.action, "when_text": item.stored.measure.when_text,
            "facts": own_facts.sentences(),
            "status": typed["status"] if typed else (row.status if row else None) or "",
            "text": typed["text"] if typed else (row.text if row else prefill(own_facts)),
            "submitted": bool(row and row.submitted), "by_coordinator": bool(row and row.by_coordinator),
            "error": error.message if error else None, "error_field": error.field if error else None,
        })  # fmt: skip
    return render(
        "followup_form.html", status, role=target.task.role, items=items, statuses=STATUSES,
        # A role that serves two districts sees which one asks.
        organisation=plan_organisation(inputs.engine, target.campaign.plan_id),
        csrf=_csrf(inputs, target), action_url=target.action_url, closed=_closed(inputs, target),
        coordinator=target.coordinator, deadline=last_day(target.campaign), general=general,
        saved=saved, max_text=inputs.settings.max_text,
        # Once submitted, changes are made by submitting again: a draft would replace the answer.
        drafts=not any(item["submitted"] for item in items),
    )  # fmt: skip


def _posted_values(target: FormTarget, form: PostedForm) -> dict[int, dict[str, str]]:
    return {
        item.stored.id: {
            "status": form.text(f"status-{item.stored.id}"),
            "text": form.text(f"text-{item.stored.id}"),
        }
        for item in target.task.measures
    }


def _field_errors(values: dict[int, dict[str, str]], *, submit: bool, max_text: int) -> dict[int, FieldError]:  # fmt: skip
    errors: dict[int, FieldError] = {}
    for measure_id, value in values.items():
        status, text = value["status"], value["text"]
        first_status = f"status-{measure_id}-{next(iter(STATUSES))}"
        control = describe_control_character(text)
        if status and status not in STATUSES:
            errors[measure_id] = FieldError(first_status, "Välj en av statusarna.")
        elif len(text) > max_text:
            errors[measure_id] = FieldError(
                f"text-{measure_id}",
                f"Texten får vara högst {max_text} tecken (den är {len(text)}).",
            )
        elif control:
            errors[measure_id] = FieldError(
                f"text-{measure_id}",
                f"Texten innehåller ett {control}. Ta bort det och spara igen.",
            )
        elif submit and not status:
            errors[measure_id] = FieldError(first_status, "Välj en status innan du skickar in.")
        elif submit and not text.strip():
            errors[measure_id] = FieldError(
                f"text-{measure_id}", "Beskriv vad som har genomförts innan du skickar in."
            )
    return errors


def _handle_post(inputs: FollowupInputs, target: FormTarget, form: PostedForm) -> Response:
    values = _posted_values(target, form)
    if form.fields is None:
        return _render_form(inputs, target, status=400,
                            general="Formuläret kunde inte läsas. Det som visas nedan är det senast sparade; "
                            "skriv in ändringarna igen och spara.")  # fmt: skip
    if not same_token(_csrf(inputs, target), form.fields.get("csrf")):
        return _render_form(inputs, target, values=values, status=403,
                            general="Formuläret kunde inte sparas eftersom sidan var för gammal eller öppnad "
                            "på annat sätt. Din text finns kvar nedan: kontrollera den och spara igen.")  # fmt: skip
    if _closed(inputs, target):
        return _render_form(inputs, target, values=values, status=403,
                            general="Sista svarsdag har passerat och formuläret är stängt. Din text finns kvar "
                            "nedan; kontakta samordnaren om något behöver ändras.")  # fmt: skip
    submit = form.fields.get("action") == "skicka"
    errors = _field_errors(values, submit=submit, max_text=inputs.settings.max_text)
    if errors:
        return _render_form(inputs, target, values=values, errors=errors, status=422,
                            general="Något behöver rättas innan svaret kan sparas:")  # fmt: skip
    try:
        save_role_answers(
            inputs.engine, plan_id=target.plan_id, task=target.task,
            items=[AnswerInput(mid, v["status"] or None, v["text"].strip()) for mid, v in values.items()],
            submit=submit, by_coordinator=target.coordinator, now=inputs.now,
        )  # fmt: skip
    except SubmittedAnswerError:
        return _render_form(inputs, target, values=values, status=409, general=SUBMITTED_ALREADY)
    return RedirectResponse(
        f"{target.action_url}?sparat={'skickat' if submit else 'utkast'}", status_code=303
    )


@router.api_route(
    "/uppfoljning/samordnare/{token}", methods=PAGE_METHODS, response_class=HTMLResponse
)
def overview(token: str, inputs: FollowupInputsDep) -> Response:
    payload = _verify(inputs, token, COORDINATOR_PURPOSE)
    if isinstance(payload, Refusal):
        return payload.page()
    plan_id = _plan_id(payload)
    if plan_id is None:
        return INVALID_LINK.page()
    campaign = _campaign(inputs.engine, plan_id)
    if isinstance(campaign, Refusal):
        return campaign.page()
    schedule = plan_schedule(inputs.engine, inputs.config, plan_id=plan_id)
    rows = statuses(role_tasks(schedule, inputs.config), answers_of(inputs.engine, plan_id))
    return render(
        "followup_overview.html",
        rows=rows,
        token=token,
        plan=schedule.stored.plan,
        deadline=last_day(campaign),
    )


@router.api_route(
    "/uppfoljning/samordnare/{token}/roll/{role}", methods=PAGE_METHODS, response_class=HTMLResponse
)
def coordinator_form(
    token: str, role: str, inputs: FollowupInputsDep, sparat: str | None = None
) -> Response:
    target = _target(inputs, token, coordinator=True, role_slug=role)
    return (
        target.page() if isinstance(target, Refusal) else _render_form(inputs, target, saved=sparat)
    )


@router.post("/uppfoljning/samordnare/{token}/roll/{role}", response_class=HTMLResponse)
def coordinator_save(
    token: str,
    role: str,
    form: Annotated[PostedForm, Depends(posted_form)],
    inputs: FollowupInputsDep,
) -> Response:
    target = _target(inputs, token, coordinator=True, role_slug=role)
    return (
        target.page(form.typed())
        if isinstance(target, Refusal)
        else _handle_post(inputs, target, form)
    )


@router.api_route("/uppfoljning/{token}", methods=PAGE_METHODS, response_class=HTMLResponse)
def form(token: str, inputs: FollowupInputsDep, sparat: str | None = None) -> Response:
    target = _target(inputs, token, coordinator=False)
    return (
        target.page() if isinstance(target, Refusal) else _render_form(inputs, target, saved=sparat)
    )


@router.post("/uppfoljning/{token}", response_class=HTMLResponse)
def save(
    token: str, form: Annotated[PostedForm, Depends(posted_form)], inputs: FollowupInputsDep
) -> Response:
    target = _target(inputs, token, coordinator=False)
    return (
        target.page(form.typed())
        if isinstance(target, Refusal)
        else _handle_post(inputs, target, form)
    )
