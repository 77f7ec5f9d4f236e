"""The calendar links in the workspace (/lankar): the organisation's links, listed; a new link for
an audience, to everything or to one calendar of the current plan (stored under the name that
outlives the year, as `scheduler feeds create --scope`); its subscribe page's address shown once,
since only its hash is kept; and revoking a link after a confirm step (its feeds then answer 404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from scheduler.base.errors import NotFoundError
from scheduler.feeds.scopes import PLAN, SCOPE_GROUPS, Scope, all_scopes, find_scope
from scheduler.model.feed_link import FeedLink
from scheduler.services.feed_links import (
    create_link,
    link_organisations,
    list_feed_links,
    revoke_link,
)
from scheduler.services.plans import chosen_plan_id
from scheduler.services.refresh import plan_schedule, refresh_occurrences
from scheduler.settings.model import Settings
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep, FeedsDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.session import (
    Coordinator,
    checked_form,
    coordinator_only,
    workspace_coordinator,
)

router = APIRouter()
AUDIENCE_LENGTH = 200


@dataclass(frozen=True)
class LinkView:
    id: int
    audience: str
    calendar: str
    created: str
    revoked: str | None


@dataclass(frozen=True)
class LinkPageInputs:
    """What the page is made from: the store, the installation's settings, the moment."""

    engine: Engine
    config: Settings
    now: datetime


async def link_page_inputs(engine: EngineDep, config: ConfigDep, clock: ClockDep) -> LinkPageInputs:  # fmt: skip
    return LinkPageInputs(engine, config, clock())


LinkPageInputsDep = Annotated[LinkPageInputs, Depends(link_page_inputs)]


def _scopes(inputs: LinkPageInputs, coordinator: Coordinator) -> list[Scope] | None:
    """The current plan's calendars, titled without a year (a link outlives it); None: no plan."""
    engine = inputs.engine
    try:
        plan_id = chosen_plan_id(engine, year=None, now=inputs.now,
                                 organisation=coordinator.organisation)  # fmt: skip
    except NotFoundError:
        return None
    refresh_occurrences(engine, inputs.config, plan_id=plan_id, now=inputs.now)
    schedule = plan_schedule(engine, coordinator.config, plan_id=plan_id)
    return all_scopes(schedule, year_in_titles=False)


def _own_links(inputs: LinkPageInputs, coordinator: Coordinator) -> list[FeedLink]:
    """The organisation's own links: never another's, nor one from before there could be several
    that no organisation could be bound to (`scheduler feeds list` shows those)."""
    organisations = link_organisations(coordinator.organisation)
    return list_feed_links(inputs.engine, organisations=organisations)


def _calendar(name: str, scopes: list[Scope] | None) -> str:
    if not name:
        return "Alla möten och uppgifter"
    titles = {scope.name: scope.title for scope in scopes or []}
    return titles.get(name, name)


def _view(row: FeedLink, scopes: list[Scope] | None) -> LinkView:
    revoked = f"{row.revoked_at:%Y-%m-%d}" if row.revoked_at else None
    return LinkView(row.id, row.audience, _calendar(row.scope, scopes),
                    f"{row.created_at:%Y-%m-%d}", revoked)  # fmt: skip


def _page(inputs: LinkPageInputs, coordinator: Coordinator, *, status: int = 200, **context: Any) -> Response:  # fmt: skip
    scopes = _scopes(inputs, coordinator)
    links = [_view(row, scopes) for row in reversed(_own_links(inputs, coordinator))]
    groups = [
        (label, [s for s in scopes if s.kind in kinds]) for label, kinds in SCOPE_GROUPS
    ] if scopes is not None else []  # fmt: skip
    context.setdefault("errors", [])
    context.setdefault("done", [])
    context.setdefault("created", None)
    context.setdefault("typed", {"mottagare": "", "kalender": ""})
    return workspace_page("links.html", coordinator, current="/lankar", status=status,
                          links=links, groups=[g for g in groups if g[1]], has_plan=scopes is not None,
                          **context)  # fmt: skip


@router.api_route("/lankar", methods=PAGE_METHODS, response_class=HTMLResponse)
def links_page(
    coordinator: Annotated[Coordinator, Depends(coordinator_only)], inputs: LinkPageInputsDep
) -> Response:
    return _page(inputs, coordinator)


@router.post("/lankar", response_class=HTMLResponse)
def create(
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    inputs: LinkPageInputsDep,
    feeds: FeedsDep,
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
    try:
        plan_id = chosen_plan_id(inputs.engine, year=None, now=inputs.now,
                                 organisation=coordinator.organisation)  # fmt: skip
    except NotFoundError:
        return _page(inputs, coordinator, status=422, typed=typed,
                     errors=[("mottagare", "Importera planen under Plan innan du skapar länkar.")])  # fmt: skip
    chosen = ""
    if typed["kalender"] not in ("", PLAN):
        schedule = plan_schedule(inputs.engine, coordinator.config, plan_id=plan_id)
        try:  # stored as the name that outlives the year, as `feeds create --scope`
            chosen = find_scope(schedule, typed["kalender"]).name
        except NotFoundError:
            errors.append(("kalender", f"Vad länken visar: planen har ingen kalender "
                                       f"«{typed['kalender']}». Välj en i listan."))  # fmt: skip
    if errors:
        return _page(inputs, coordinator, status=422, typed=typed, errors=errors)
    row, token = create_link(inputs.engine, audience=audience, scope=chosen,
                             organisation=coordinator.organisation, now=inputs.now)  # fmt: skip
    feeds.recheck_now()
    created = {"audience": row.audience, "calendar": _calendar(chosen, _scopes(inputs, coordinator)),
               "address": f"{inputs.config.base_url}/feeds/{token}/"}  # fmt: skip
    return _page(inputs, coordinator, created=created)


def _own_link(inputs: LinkPageInputs, coordinator: Coordinator, form: PostedForm) -> FeedLink:
    """The posted link, when it is the organisation's; else 404, as a link that does not exist."""
    text = form.text("id")
    wanted = int(text) if text.isdigit() and len(text) < 12 else None
    for row in _own_links(inputs, coordinator):
        if row.id == wanted:
            return row
    raise HTTPException(404)


@router.post("/lankar/aterkalla", response_class=HTMLResponse)
def revoke(
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    inputs: LinkPageInputsDep,
    feeds: FeedsDep,
) -> Response:
    """First the question (the form has no `bekrafta`), then the revocation."""
    row = _own_link(inputs, coordinator, form)
    scopes = _scopes(inputs, coordinator)
    if row.revoked_at is not None:
        return _page(inputs, coordinator, done=[f"Länken för {row.audience} var redan återkallad."])
    if form.text("bekrafta") != "ja":
        return workspace_page("links_revoke.html", coordinator, current="/lankar",
                              link=_view(row, scopes))  # fmt: skip
    revoke_link(inputs.engine, row.id, now=inputs.now)
    feeds.recheck_now()
    return _page(inputs, coordinator, done=[
        f"Länken för {row.audience} ({_calendar(row.scope, scopes)}) är återkallad. Kalendrar "
        "som prenumererar på den uppdateras inte längre."])  # fmt: skip
