"""The årshjul in the workspace: the signed-in coordinator's plan as a wheel on a page, with the
wheel as a list beside it, and as SVG, PNG and A4/A3 PDF to download (`?omrade=` and `?roll=` for
one area, one role or the role in the area), each drawn once per state of the plan and kept
(scheduler/web/wheel_cache.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import Engine

from scheduler.arshjul.pdf import PAPERS, svg_to_pdf
from scheduler.arshjul.png import svg_to_png
from scheduler.arshjul.svg import render_svg
from scheduler.arshjul.wheel import (
    Wheel,
    build_wheel,
    choose_area,
    choose_role,
    known_areas,
    known_roles,
)
from scheduler.base.errors import NotFoundError, UsageError
from scheduler.base.swedish import MONTH_WORDS
from scheduler.base.time import STOCKHOLM
from scheduler.feeds.scopes import slugify
from scheduler.plan.review import lexicon_for
from scheduler.schedule.occurrences import PlanSchedule
from scheduler.services.plans import chosen_plan_id, list_occurrences, schedule_state
from scheduler.services.refresh import plan_schedule, refresh_occurrences
from scheduler.settings.model import Settings
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep
from scheduler.web.layout import workspace_message, workspace_page
from scheduler.web.pages import PAGE_METHODS
from scheduler.web.plan_page import asked_year
from scheduler.web.session import (
    Coordinator,
    workspace_coordinator,
)
from scheduler.web.wheel_cache import WHEELS

router = APIRouter()
SVG_TYPE = "image/svg+xml"
WHEEL_MEDIA_TYPES = {".svg": SVG_TYPE, ".png": "image/png", ".pdf": "application/pdf"}


@dataclass(frozen=True)
class ChosenWheel:
    wheel: Wheel
    schedule: PlanSchedule
    area: str | None
    role: str | None
    state: str  # the plan's `schedule_state` as drawn: with the choice and the day, the cache key


class UnknownChoice(Exception):
    def __init__(self, message: str, schedule: PlanSchedule) -> None:
        super().__init__(message)
        self.schedule = schedule
        self.message = message[:1].upper() + message[1:]


def _wheel(request: Request, coordinator: Coordinator, engine: Engine, config: Settings, *,
           now: datetime) -> ChosenWheel:  # fmt: skip
    plan_id = chosen_plan_id(engine, year=asked_year(request), now=now,
                             organisation=coordinator.organisation)  # fmt: skip
    refresh_occurrences(engine, config, plan_id=plan_id, now=now)
    schedule = plan_schedule(engine, config, plan_id=plan_id)
    area_name = request.query_params.get("omrade", "").strip()
    role_name = request.query_params.get("roll", "").strip()
    try:
        area = choose_area(schedule, area_name) if area_name else None
        role = None
        if role_name:  # as `agenda --role`: "kommunpolisen" is Kommunpolis
            canonical = lexicon_for(coordinator.config).canonical(role_name) or role_name
            role = choose_role(schedule, canonical)
    except UsageError as exc:
        raise UnknownChoice(str(exc), schedule) from None
    today = now.astimezone(STOCKHOLM).date()
    state = f"{plan_id}|{schedule_state(engine, plan_id=plan_id)}"
    wheel = build_wheel(schedule, list_occurrences(engine, plan_id=plan_id), today=today,
                        area=area, role=role)  # fmt: skip
    return ChosenWheel(wheel, schedule, area, role, state)


def _no_plan(coordinator: Coordinator) -> Response:
    return workspace_message(coordinator, title="Ingen plan ännu", status=404,
                             text=f"Det finns ingen importerad plan för {coordinator.organisation} "
                             "ännu, så det finns inget årshjul att visa.")  # fmt: skip


def _unknown(coordinator: Coordinator, exc: UnknownChoice) -> Response:
    return workspace_message(coordinator, title="Okänt område eller roll", status=404,
                             text=exc.message)  # fmt: skip


def _filename(chosen: ChosenWheel, suffix: str) -> str:
    which = "".join(f"-{slugify(name)}" for name in (chosen.area, chosen.role) if name)
    return f"arshjul-{chosen.wheel.year}{which}{suffix}"


def _chosen(request: Request, coordinator: Coordinator, engine: Engine, config: Settings, *,
            now: datetime) -> ChosenWheel | Response:  # fmt: skip
    """The wheel asked for, or the page that says why there is none."""
    try:
        return _wheel(request, coordinator, engine, config, now=now)
    except NotFoundError:
        return _no_plan(coordinator)
    except UnknownChoice as exc:
        return _unknown(coordinator, exc)


def _download(request: Request, coordinator: Coordinator, engine: Engine, config: Settings, *,
              now: datetime, suffix: str) -> Response:  # fmt: skip
    chosen = _chosen(request, coordinator, engine, config, now=now)
    if isinstance(chosen, Response):
        return chosen
    paper = request.query_params.get("papper", "a4").casefold() if suffix == ".pdf" else ""
    if suffix == ".pdf" and paper not in PAPERS:
        return _unknown(coordinator, UnknownChoice(f"okänt pappersformat «{paper}» (A4 eller A3).",
                                                   chosen.schedule))  # fmt: skip

    def render() -> bytes:
        svg = render_svg(chosen.wheel)
        if suffix == ".png":
            return svg_to_png(svg)
        return svg_to_pdf(svg, paper=paper) if suffix == ".pdf" else svg.encode()

    key = (id(engine), chosen.state, chosen.area, chosen.role, chosen.wheel.today, suffix, paper)
    body = WHEELS.get(key, render)
    filename = _filename(chosen, f"-{paper}{suffix}" if paper else suffix)
    return Response(body, media_type=WHEEL_MEDIA_TYPES[suffix],
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


@router.api_route("/arshjul.svg", methods=PAGE_METHODS)
def arshjul_svg(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                engine: EngineDep, config: ConfigDep, clock: ClockDep) -> Response:  # fmt: skip
    return _download(request, coordinator, engine, config, now=clock(), suffix=".svg")


@router.api_route("/arshjul.png", methods=PAGE_METHODS)
def arshjul_png(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                engine: EngineDep, config: ConfigDep, clock: ClockDep) -> Response:  # fmt: skip
    return _download(request, coordinator, engine, config, now=clock(), suffix=".png")


@router.api_route("/arshjul.pdf", methods=PAGE_METHODS)
def arshjul_pdf(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                engine: EngineDep, config: ConfigDep, clock: ClockDep) -> Response:  # fmt: skip
    """`?papper=a4` (the default) or `a3`."""
    return _download(request, coordinator, engine, config, now=clock(), suffix=".pdf")


@router.api_route("/arshjul", methods=PAGE_METHODS, response_class=HTMLResponse)
def arshjul_page(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                 engine: EngineDep, config: ConfigDep, clock: ClockDep) -> Response:  # fmt: skip
    try:
        chosen = _wheel(request, coordinator, engine, config, now=clock())
    except NotFoundError:
        return _no_plan(coordinator)
    except UnknownChoice as exc:  # said above the form, kept to choose again
        return workspace_page(
            "arshjul.html", coordinator, current="/arshjul", status=404, wheel=None,
            error=exc.message, areas=known_areas(exc.schedule), roles=known_roles(exc.schedule),
            area=request.query_params.get("omrade", ""), role=request.query_params.get("roll", ""),
            year=exc.schedule.stored.plan.year,
        )  # fmt: skip
    svg = render_svg(chosen.wheel)
    inline = svg.split("?>", 1)[1].strip() if svg.startswith("<?xml") else svg
    query = request.url.query
    return workspace_page(
        "arshjul.html", coordinator, current="/arshjul", wheel=chosen.wheel,
        shown_year=chosen.schedule.stored.plan.year,
        # Built by render_svg from escaped text (ElementTree): safe to place as it is.
        svg=Markup(inline),
        areas=known_areas(chosen.schedule), roles=known_roles(chosen.schedule),
        area=chosen.area or "", role=chosen.role or "", query=f"?{query}" if query else "",
        year=chosen.wheel.year, error=None, month_words=MONTH_WORDS,
    )  # fmt: skip
