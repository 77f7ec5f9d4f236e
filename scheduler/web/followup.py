"""The follow-up form: one page per responsible role, reached by a personal signed link; and the
coordinator's overview, from which any role's form can be filled in on its behalf.

Server-rendered, no JavaScript. A draft can be saved and resumed; a submitted answer can be changed
until the deadline. CSRF is a double-submit cookie. Whatever goes wrong, the typed text comes back
in the form and nothing is stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scheduler.base.errors import UsageError
from scheduler.base.links import LinkError
from scheduler.base.templating import environment
from scheduler.followup.facts import STATUSES, MeasureFacts, prefill
from scheduler.followup.settings import FollowupSettings
from scheduler.services.followup import (
    COORDINATOR_PURPOSE,
    FORM_PURPOSE,
    RoleTask,
    facts_by_measure,
    find_role,
    last_day,
    role_tasks,
    signers,
    statuses,
)
from scheduler.services.refresh import plan_schedule
from scheduler.store.followups import AnswerInput, answers, get_campaign, save_answers
from scheduler.store.tables import CampaignRow

router = APIRouter()
CSRF_COOKIE = "uppfoljning_csrf"


@dataclass
class FormTarget:
    """Whose form this is, and who is filling it in."""

    plan_id: int
    task: RoleTask
    campaign: CampaignRow
    coordinator: bool
    action_url: str


def _html(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(
        environment("web").get_template(template).render(**context), status_code=status
    )


def _message(title: str, text: str, status: int) -> HTMLResponse:
    return _html("message.html", status, title=title, text=text, kind="error")


def _verify(request: Request, token: str, purpose: str) -> dict[str, Any] | HTMLResponse:
    app = request.app
    form_signer, coordinator_signer = signers(app.state.engine, app.state.config)
    signer = form_signer if purpose == FORM_PURPOSE else coordinator_signer
    try:
        return signer.verify(token, now=app.state.clock())
    except LinkError as exc:
        if exc.expired:
            return _message("Länken har gått ut", "Länken till uppföljningen har gått ut. Kontakta samordnaren "
                            "om du behöver lämna eller ändra ett svar.", 410)  # fmt: skip
        return _message("Ogiltig länk", "Länken är ogiltig eller ofullständig. Kontrollera att hela länken från "
                        "e-postmeddelandet kom med.", 400)  # fmt: skip


def _campaign(request: Request, plan_id: int) -> CampaignRow | HTMLResponse:
    campaign = get_campaign(request.app.state.engine, plan_id)
    if campaign is None:
        return _message(
            "Ingen uppföljning", "Uppföljningen för den här planen har inte startats.", 404
        )
    return campaign


def _target(
    request: Request, token: str, *, coordinator: bool, role_slug: str | None = None
) -> FormTarget | HTMLResponse:
    payload = _verify(request, token, COORDINATOR_PURPOSE if coordinator else FORM_PURPOSE)
    if isinstance(payload, HTMLResponse):
        return payload
    app = request.app
    plan_id = int(payload["plan"])
    campaign = _campaign(request, plan_id)
    if isinstance(campaign, HTMLResponse):
        return campaign
    tasks = role_tasks(
        plan_schedule(app.state.engine, app.state.config, plan_id=plan_id), app.state.config
    )
    try:
        task = find_role(
            tasks, role_slug if coordinator and role_slug else str(payload.get("role"))
        )
    except UsageError:
        return _message("Okänd roll", "Rollen har inga åtgärder att följa upp.", 404)
    url = (
        f"/uppfoljning/samordnare/{token}/roll/{task.slug}"
        if coordinator
        else f"/uppfoljning/{token}"
    )
    return FormTarget(plan_id, task, campaign, coordinator, url)


def _closed(request: Request, target: FormTarget) -> bool:
    """After the deadline a role's form is read only; the coordinator can still edit."""
    return not target.coordinator and request.app.state.clock() >= target.campaign.deadline


def _render_form(request: Request, target: FormTarget, *, values: dict[int, dict[str, str]] | None = None,
                 errors: dict[int, str] | None = None, general: str | None = None, status: int = 200,
                 csrf: str | None = None, saved: str | None = None) -> HTMLResponse:  # fmt: skip
    app = request.app
    stored = answers(app.state.engine, target.plan_id)
    facts = facts_by_measure(app.state.engine, target.plan_id, now=app.state.clock())
    items = []
    for item in target.task.measures:
        measure_id = item.stored.id
        row = stored.get(measure_id)
        own_facts = facts.get(measure_id, MeasureFacts())
        typed = (values or {}).get(measure_id)
        items.append({
            "id": measure_id, "area": item.stored.area, "title": item.stored.measure.title,
            "action": item.stored.measure.action, "when_text": item.stored.measure.when_text,
            "facts": own_facts.sentences(),
            "status": typed["status"] if typed else (row.status if row else None) or "",
            "text": typed["text"] if typed else (row.text if row else prefill(own_facts)),
            "submitted": bool(row and row.submitted), "by_coordinator": bool(row and row.by_coordinator),
            "error": (errors or {}).get(measure_id),
        })  # fmt: skip
    token = csrf or request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    settings: FollowupSettings = app.state.followup_settings
    response = _html(
        "followup_form.html", status, role=target.task.role, items=items, statuses=STATUSES, csrf=token,
        action_url=target.action_url, closed=_closed(request, target), coordinator=target.coordinator,
        deadline=last_day(target.campaign), general=general, saved=saved, max_text=settings.max_text,
    )  # fmt: skip
    response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/uppfoljning",
                        secure=request.url.scheme == "https")  # fmt: skip
    return response


async def _handle_post(request: Request, target: FormTarget) -> Response:
    app = request.app
    form = await request.form()
    values: dict[int, dict[str, str]] = {}
    for item in target.task.measures:
        measure_id = item.stored.id
        # Browsers send a textarea's line breaks as CRLF (HTML spec); the plan keeps "\n".
        text = str(form.get(f"text-{measure_id}") or "").replace("\r\n", "\n").replace("\r", "\n")
        values[measure_id] = {"status": str(form.get(f"status-{measure_id}") or ""), "text": text}
    cookie, field = request.cookies.get(CSRF_COOKIE), form.get("csrf")
    if not cookie or not field or not secrets.compare_digest(cookie, str(field)):
        fresh = secrets.token_urlsafe(24)
        return _render_form(request, target, values=values, status=403, csrf=fresh,
                            general="Formuläret kunde inte sparas eftersom sidan var för gammal eller öppnad "
                            "på annat sätt. Din text finns kvar nedan: kontrollera den och spara igen.")  # fmt: skip
    if _closed(request, target):
        return _render_form(request, target, values=values, status=403,
                            general="Sista svarsdag har passerat och formuläret är stängt. Din text finns kvar "
                            "nedan; kontakta samordnaren om något behöver ändras.")  # fmt: skip
    submit = form.get("action") == "skicka"
    settings: FollowupSettings = app.state.followup_settings
    errors: dict[int, str] = {}
    for measure_id, value in values.items():
        if value["status"] and value["status"] not in STATUSES:
            errors[measure_id] = "Välj en av statusarna."
        elif len(value["text"]) > settings.max_text:
            errors[measure_id] = (
                f"Texten får vara högst {settings.max_text} tecken (den är {len(value['text'])})."
            )
        elif submit and not value["status"]:
            errors[measure_id] = "Välj en status innan du skickar in."
        elif submit and not value["text"].strip():
            errors[measure_id] = "Beskriv vad som har genomförts innan du skickar in."
    if errors:
        return _render_form(request, target, values=values, errors=errors, status=422,
                            general="Något behöver rättas innan svaret kan sparas; se markeringarna nedan.")  # fmt: skip
    save_answers(
        app.state.engine, plan_id=target.plan_id, role=target.task.role,
        items=[AnswerInput(mid, v["status"] or None, v["text"].strip()) for mid, v in values.items()],
        submit=submit, by_coordinator=target.coordinator, now=app.state.clock(),
        nudge_keys_prefix=f"followup|{target.plan_id}|{target.task.slug}|nudge",
    )  # fmt: skip
    return RedirectResponse(
        f"{target.action_url}?sparat={'skickat' if submit else 'utkast'}", status_code=303
    )


@router.get("/uppfoljning/samordnare/{token}", response_class=HTMLResponse)
def overview(request: Request, token: str) -> Response:
    payload = _verify(request, token, COORDINATOR_PURPOSE)
    if isinstance(payload, HTMLResponse):
        return payload
    app = request.app
    plan_id = int(payload["plan"])
    campaign = _campaign(request, plan_id)
    if isinstance(campaign, HTMLResponse):
        return campaign
    schedule = plan_schedule(app.state.engine, app.state.config, plan_id=plan_id)
    rows = statuses(role_tasks(schedule, app.state.config), answers(app.state.engine, plan_id))
    return _html(
        "followup_overview.html",
        rows=rows,
        token=token,
        plan=schedule.stored.plan,
        deadline=last_day(campaign),
    )


@router.get("/uppfoljning/samordnare/{token}/roll/{role}", response_class=HTMLResponse)
def coordinator_form(
    request: Request, token: str, role: str, sparat: str | None = None
) -> Response:
    target = _target(request, token, coordinator=True, role_slug=role)
    return (
        target if isinstance(target, HTMLResponse) else _render_form(request, target, saved=sparat)
    )


@router.post("/uppfoljning/samordnare/{token}/roll/{role}", response_class=HTMLResponse)
async def coordinator_save(request: Request, token: str, role: str) -> Response:
    target = _target(request, token, coordinator=True, role_slug=role)
    return target if isinstance(target, HTMLResponse) else await _handle_post(request, target)


@router.get("/uppfoljning/{token}", response_class=HTMLResponse)
def form(request: Request, token: str, sparat: str | None = None) -> Response:
    target = _target(request, token, coordinator=False)
    return (
        target if isinstance(target, HTMLResponse) else _render_form(request, target, saved=sparat)
    )


@router.post("/uppfoljning/{token}", response_class=HTMLResponse)
async def save(request: Request, token: str) -> Response:
    target = _target(request, token, coordinator=False)
    return target if isinstance(target, HTMLResponse) else await _handle_post(request, target)
