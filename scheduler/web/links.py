"""The calendar links in the workspace (/lankar): the organisation's links, listed; a new link for
an audience, to everything or to one calendar of the current plan (stored under the name that
outlives the year, as `scheduler feeds create --scope`); its subscribe page's address shown once,
since only its hash is kept; and revoking a link after a confirm step (its feeds then answer 404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from scheduler.base.errors import NotFoundError
from scheduler.feeds.scopes import AREA, MEASURE, PLAN, ROLE, SERIES, Scope, all_scopes, find_scope
from scheduler.services.refresh import plan_schedule, refresh_occurrences
from scheduler.store.feed_tokens import create_token, list_tokens, revoke_token
from scheduler.store.tables import FeedTokenRow
from scheduler.web.arshjul import organisation_plan_id
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.session import (
    Coordinator,
    checked_form,
    workspace_coordinator,
)

router = APIRouter()
AUDIENCE_LENGTH = 200
# The choice of calendars, grouped as the form shows them.
GROUPS = (("Områden", (AREA,)), ("Åtgärder och forum", (MEASURE, SERIES)), ("Roller", (ROLE,)))


@dataclass(frozen=True)
class LinkView:
    id: int
    audience: str
    calendar: str
    created: str
    revoked: str | None


def _scopes(request: Request, coordinator: Coordinator) -> list[Scope] | None:
    """The current plan's calendars, titled without a year (a link outlives it); None: no plan."""
    app = request.app
    try:
        plan_id = organisation_plan_id(request, coordinator)
    except NotFoundError:
        return None
    refresh_occurrences(app.state.engine, app.state.config, plan_id=plan_id, now=app.state.clock())
    schedule = plan_schedule(app.state.engine, coordinator.config, plan_id=plan_id)
    return all_scopes(schedule, year_in_titles=False)


def _own_links(request: Request, coordinator: Coordinator) -> list[FeedTokenRow]:
    """The organisation's own links: never another's, nor one from before there could be several
    that no organisation could be bound to (`scheduler feeds list` shows those)."""
    return list_tokens(request.app.state.engine, organisations=(coordinator.organisation,))


def _calendar(name: str, scopes: list[Scope] | None) -> str:
    if not name:
        return "Alla möten och uppgifter"
    titles = {scope.name: scope.title for scope in scopes or []}
    return titles.get(name, name)


def _view(row: FeedTokenRow, scopes: list[Scope] | None) -> LinkView:
    revoked = f"{row.revoked_at:%Y-%m-%d}" if row.revoked_at else None
    return LinkView(row.id or 0, row.audience, _calendar(row.scope, scopes),
                    f"{row.created_at:%Y-%m-%d}", revoked)  # fmt: skip


def _page(request: Request, coordinator: Coordinator, *, status: int = 200, **context: Any) -> Response:  # fmt: skip
    scopes = _scopes(request, coordinator)
    links = [_view(row, scopes) for row in reversed(_own_links(request, coordinator))]
    groups = [
        (label, [s for s in scopes if s.kind in kinds]) for label, kinds in GROUPS
    ] if scopes is not None else []  # fmt: skip
    context.setdefault("errors", [])
    context.setdefault("done", [])
    context.setdefault("created", None)
    context.setdefault("typed", {"mottagare": "", "kalender": ""})
    return workspace_page("links.html", coordinator, current="/lankar", status=status,
                          links=links, groups=[g for g in groups if g[1]], has_plan=scopes is not None,
                          **context)  # fmt: skip


@router.api_route("/lankar", methods=PAGE_METHODS, response_class=HTMLResponse)
def links_page(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)]) -> Response:  # fmt: skip
    return _page(request, coordinator)


@router.post("/lankar", response_class=HTMLResponse)
def create(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
) -> Response:
    typed = {"mottagare": form.text("mottagare"), "kalender": form.text("kalender")}
    audience = " ".join(typed["mottagare"].split())  # one line: it is shown in lists and pages
    errors = []
    if not audience:
        errors.append(("mottagare", "Mottagare: skriv vem länken ges till, till exempel "
                                    "«SSP-gruppen» eller «Kommunpolisen»."))  # fmt: skip
    elif len(audience) > AUDIENCE_LENGTH:
        errors.append(("mottagare", f"Mottagare: {len(audience)} tecken; högst "
                                    f"{AUDIENCE_LENGTH} får plats."))  # fmt: skip
    app = request.app
    try:
        plan_id = organisation_plan_id(request, coordinator)
    except NotFoundError:
        return _page(request, coordinator, status=422, typed=typed,
                     errors=[("mottagare", "Importera planen under Plan innan du skapar länkar.")])  # fmt: skip
    chosen = ""
    if typed["kalender"] not in ("", PLAN):
        schedule = plan_schedule(app.state.engine, coordinator.config, plan_id=plan_id)
        try:  # stored as the name that outlives the year, as `feeds create --scope`
            chosen = find_scope(schedule, typed["kalender"]).name
        except NotFoundError:
            errors.append(("kalender", f"Vad länken visar: planen har ingen kalender "
                                       f"«{typed['kalender']}». Välj en i listan."))  # fmt: skip
    if errors:
        return _page(request, coordinator, status=422, typed=typed, errors=errors)
    row, token = create_token(app.state.engine, audience=audience, scope=chosen,
                              organisation=coordinator.organisation, now=app.state.clock())  # fmt: skip
    app.state.feeds.recheck_now()
    created = {"audience": row.audience, "calendar": _calendar(chosen, _scopes(request, coordinator)),
               "address": f"{app.state.config.base_url}/feeds/{token}/"}  # fmt: skip
    return _page(request, coordinator, created=created)


def _own_link(request: Request, coordinator: Coordinator, form: PostedForm) -> FeedTokenRow:
    """The posted link, when it is the organisation's; else 404, as a link that does not exist."""
    text = form.text("id")
    wanted = int(text) if text.isdigit() and len(text) < 12 else None
    for row in _own_links(request, coordinator):
        if row.id == wanted:
            return row
    raise HTTPException(404)


@router.post("/lankar/aterkalla", response_class=HTMLResponse)
def revoke(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
) -> Response:
    """First the question (the form has no `bekrafta`), then the revocation."""
    row = _own_link(request, coordinator, form)
    scopes = _scopes(request, coordinator)
    if row.revoked_at is not None:
        return _page(
            request, coordinator, done=[f"Länken för {row.audience} var redan återkallad."]
        )
    if form.text("bekrafta") != "ja":
        return workspace_page("links_revoke.html", coordinator, current="/lankar",
                              link=_view(row, scopes))  # fmt: skip
    app = request.app
    assert row.id is not None
    revoke_token(app.state.engine, row.id, now=app.state.clock())
    app.state.feeds.recheck_now()
    return _page(request, coordinator, done=[
        f"Länken för {row.audience} ({_calendar(row.scope, scopes)}) är återkallad. Kalendrar "
        "som prenumererar på den uppdateras inte längre."])  # fmt: skip
