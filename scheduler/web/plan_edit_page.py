"""The plan edited where it is shown: a measure's texts (/plan/atgard/<id>/text, with how its När
reads, previewed on the server and, as an enhancement, while typing), measures added, moved and
removed, and areas added and renamed (/plan/omraden). Every save goes through
`scheduler.services.plan_edits.save_contents` (one transaction, re-planned, a revision); a
removal is previewed first and done only on a second POST with `bekraftat=ja`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from scheduler.cadence.describe import describe_cadence
from scheduler.model.display_words import CADENCE_KIND_WORDS, PLAN_STATE_WORDS
from scheduler.model.plan import Measure
from scheduler.model.plan_contents import (
    TEXT_FIELDS,
    AreaContents,
    MeasureContents,
    PlanContents,
    with_texts,
)
from scheduler.model.stored import PlanState
from scheduler.plan.files.limits import ReadLimits
from scheduler.services.plan_edits import (
    Edit,
    EditOutcome,
    checked_area_name,
    checked_texts,
    contents_of,
    save_contents,
)
from scheduler.services.plans import chosen_plan_id, load_plan
from scheduler.services.refresh import calendar_policy
from scheduler.web.deps import ClockDep, EngineDep, FeedsDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.plan_page import asked_year
from scheduler.web.session import (
    Coordinator,
    checked_form,
    coordinator_only,
    nothing_changed,
    workspace_coordinator,
)

router = APIRouter()
# The form's text fields in order: the title, then the five texts of the workbook.
FORM_FIELDS = (("rubrik", "Rubrik"), *((form, label) for form, _, label in TEXT_FIELDS))
CONFIRMED = "ja"
CoordinatorDep = Annotated[Coordinator, Depends(workspace_coordinator)]
# The editing pages themselves: a reader, who may change nothing, gets 403 there.
EditorDep = Annotated[Coordinator, Depends(coordinator_only)]
FormDep = Annotated[PostedForm, Depends(checked_form)]


@dataclass(frozen=True)
class EditedPlan:
    """The plan a page edits: its id, year and contents."""

    plan_id: int
    year: int
    contents: PlanContents
    state: PlanState = PlanState.DRAFT

    @property
    def state_word(self) -> str:
        """The plan's state as users read it."""
        return PLAN_STATE_WORDS[self.state]

    def measure(self, measure_id: int) -> tuple[AreaContents, MeasureContents]:
        return self.contents.found_measure(measure_id)


@dataclass
class Typed:
    """The texts as typed, given back as they were when something is refused."""

    texts: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)


def chosen(
    request: Request, coordinator: Coordinator, engine: Engine, *, now: datetime
) -> EditedPlan:
    plan_id = chosen_plan_id(engine, year=asked_year(request), now=now,
                             organisation=coordinator.organisation)  # fmt: skip
    stored = load_plan(engine, plan_id)
    return EditedPlan(plan_id, stored.plan.year, contents_of(engine, plan_id), stored.state)


def when_reading(coordinator: Coordinator, text: str, year: int) -> dict[str, Any]:
    """How a När reads in the plan's year: kind, dates per series, warnings, words not used."""
    result = describe_cadence(text, year=year, policy=calendar_policy(coordinator.config))
    kind = CADENCE_KIND_WORDS.get(str(result["kind"]), str(result["kind"]))
    return {**result, "kind_words": kind}


def _texts_of(measure: Measure) -> dict[str, str]:
    return {"rubrik": measure.title,
            **{form: getattr(measure, name) for form, name, _ in TEXT_FIELDS}}  # fmt: skip


def _typed_texts(form: PostedForm) -> dict[str, str]:
    return {name: form.text(name) for name, _ in FORM_FIELDS}


def _limits(coordinator: Coordinator) -> ReadLimits:
    return ReadLimits.from_section(coordinator.config.limits)


def _author(coordinator: Coordinator) -> str:
    return coordinator.username


def _text_page(coordinator: Coordinator, plan: EditedPlan, measure_id: int, typed: Typed, *,
               status: int = 200, outcome: EditOutcome | None = None) -> Response:  # fmt: skip
    area, _ = plan.measure(measure_id)
    return workspace_page(
        "measure_text.html", coordinator, current="/plan", status=status, plan=plan,
        area=area, measure_id=measure_id, typed=typed, fields=FORM_FIELDS, outcome=outcome,
        reading=when_reading(coordinator, typed.texts["nar"], plan.year),
    )  # fmt: skip


@router.api_route("/plan/atgard/{measure_id}/text", methods=PAGE_METHODS,
                  response_class=HTMLResponse)  # fmt: skip
def text_page(request: Request, measure_id: int, coordinator: EditorDep, engine: EngineDep,
              clock: ClockDep) -> Response:  # fmt: skip
    plan = chosen(request, coordinator, engine, now=clock())
    _, item = plan.measure(measure_id)
    return _text_page(coordinator, plan, measure_id, Typed(_texts_of(item.measure)))


@router.post("/plan/atgard/{measure_id}/text", response_class=HTMLResponse)
def save_texts(request: Request, measure_id: int, coordinator: CoordinatorDep, form: FormDep,
               engine: EngineDep, clock: ClockDep, feeds: FeedsDep) -> Response:  # fmt: skip
    """ "Förhandsgranska" shows how the texts read and what saving would do; "Spara" saves."""
    plan = chosen(request, coordinator, engine, now=clock())
    plan.measure(measure_id)  # not found: 404 before anything else
    typed = Typed(_typed_texts(form))
    kept, typed.errors = checked_texts(typed.texts, _limits(coordinator))
    if typed.errors:
        return _text_page(coordinator, plan, measure_id, typed, status=422)
    preview = form.text("forhandsgranska") != ""
    outcome = save_contents(
        engine, coordinator.config, plan_id=plan.plan_id,
        edit=lambda contents: contents.with_texts(measure_id, kept),
        author=_author(coordinator), note=f"Ändrade texterna i «{kept['rubrik']}»", now=clock(),
        confirmed=not preview,
    )  # fmt: skip
    if not preview:
        feeds.recheck_now()
        plan = chosen(request, coordinator, engine, now=clock())
    if preview or not outcome.changed:
        nothing_changed(request)
    return _text_page(coordinator, plan, measure_id, typed, outcome=outcome)


@router.api_route("/plan/atgard/{measure_id}/nar", methods=PAGE_METHODS,
                  response_class=HTMLResponse)  # fmt: skip
def when_fragment(request: Request, measure_id: int, coordinator: EditorDep,
                  engine: EngineDep, clock: ClockDep) -> Response:  # fmt: skip
    """The reading of `?nar=` alone, as HTML for the text page's live preview (edit-when.js)."""
    plan = chosen(request, coordinator, engine, now=clock())
    plan.measure(measure_id)
    text = request.query_params.get("nar", "").replace("\r\n", "\n").strip()
    reading = when_reading(coordinator, text, plan.year)
    return workspace_page("when_reading.html", coordinator, current="/plan", reading=reading,
                          year=plan.year)  # fmt: skip


def _areas_page(coordinator: Coordinator, plan: EditedPlan, *, status: int = 200,
                errors: list[tuple[str, str]] | None = None, typed: dict[str, str] | None = None,
                outcome: EditOutcome | None = None) -> Response:  # fmt: skip
    return workspace_page("plan_areas.html", coordinator, current="/plan", status=status,
                          plan=plan, errors=errors or [], typed=typed or {}, outcome=outcome)  # fmt: skip


@router.api_route("/plan/omraden", methods=PAGE_METHODS, response_class=HTMLResponse)
def areas_page(request: Request, coordinator: EditorDep, engine: EngineDep,
               clock: ClockDep) -> Response:  # fmt: skip
    return _areas_page(coordinator, chosen(request, coordinator, engine, now=clock()))


def _save(request: Request, coordinator: Coordinator, engine: Engine, plan: EditedPlan, edit: Edit,
          note: str, *, now: datetime, feeds: FeedsDep) -> Response:  # fmt: skip
    outcome = save_contents(engine, coordinator.config, plan_id=plan.plan_id, edit=edit,
                            author=_author(coordinator), note=note, now=now)  # fmt: skip
    if not outcome.changed:
        nothing_changed(request)
    feeds.recheck_now()
    return _areas_page(coordinator, chosen(request, coordinator, engine, now=now),
                       outcome=outcome)  # fmt: skip


@router.post("/plan/omraden", response_class=HTMLResponse)
def add_area(request: Request, coordinator: CoordinatorDep, form: FormDep, engine: EngineDep,
             clock: ClockDep, feeds: FeedsDep) -> Response:  # fmt: skip
    plan = chosen(request, coordinator, engine, now=clock())
    name = form.text("namn").strip()
    if problem := checked_area_name(name, plan.contents):
        return _areas_page(coordinator, plan, status=422, errors=[("namn-ny", problem)],
                           typed={"namn-ny": form.text("namn")})  # fmt: skip
    return _save(request, coordinator, engine, plan,
                 lambda contents: contents.with_area_added(name), f"Lade till området «{name}»",
                 now=clock(), feeds=feeds)  # fmt: skip


@router.post("/plan/omraden/{area_id}", response_class=HTMLResponse)
def rename_area(request: Request, area_id: int, coordinator: CoordinatorDep, form: FormDep,
                engine: EngineDep, clock: ClockDep, feeds: FeedsDep) -> Response:  # fmt: skip
    plan = chosen(request, coordinator, engine, now=clock())
    area = plan.contents.found_area(area_id)
    name = form.text("namn").strip()
    if problem := checked_area_name(name, plan.contents, area_id=area_id):
        field_id = f"namn-{area_id}"
        return _areas_page(coordinator, plan, status=422, errors=[(field_id, problem)],
                           typed={field_id: form.text("namn")})  # fmt: skip
    return _save(request, coordinator, engine, plan,
                 lambda contents: contents.with_area_renamed(area_id, name),
                 f"Bytte namn på området «{area.name}» till «{name}»", now=clock(), feeds=feeds)  # fmt: skip


@router.post("/plan/atgard/{measure_id}/flytta", response_class=HTMLResponse)
def move_measure(request: Request, measure_id: int, coordinator: CoordinatorDep, form: FormDep,
                 engine: EngineDep, clock: ClockDep, feeds: FeedsDep) -> Response:  # fmt: skip
    plan = chosen(request, coordinator, engine, now=clock())
    source, item = plan.measure(measure_id)
    target_text = form.text("omrade")
    target = plan.contents.area(int(target_text)) if target_text.isdigit() else None
    if target is None:
        return _areas_page(coordinator, plan, status=422, typed={},
                           errors=[(f"omrade-{measure_id}", "Flytta: välj ett område i listan.")])  # fmt: skip
    if target.id == source.id:
        return _areas_page(coordinator, plan, outcome=EditOutcome(saved=True, changed=False))
    target_id = int(target_text)
    return _save(request, coordinator, engine, plan,
                 lambda contents: contents.with_measure_moved(measure_id, target_id),
                 f"Flyttade «{item.measure.title}» från «{source.name}» till «{target.name}»",
                 now=clock(), feeds=feeds)  # fmt: skip


def _new_page(coordinator: Coordinator, plan: EditedPlan, typed: Typed, area_id: int | None, *,
              status: int = 200) -> Response:  # fmt: skip
    return workspace_page("measure_new.html", coordinator, current="/plan", status=status,
                          plan=plan, typed=typed, fields=FORM_FIELDS, area_id=area_id)  # fmt: skip


@router.api_route("/plan/atgard/ny", methods=PAGE_METHODS, response_class=HTMLResponse)
def new_measure_page(request: Request, coordinator: EditorDep, engine: EngineDep,
                     clock: ClockDep) -> Response:  # fmt: skip
    plan = chosen(request, coordinator, engine, now=clock())
    asked = request.query_params.get("omrade", "")
    area_id = int(asked) if asked.isdigit() and plan.contents.area(int(asked)) else None
    return _new_page(coordinator, plan, Typed({name: "" for name, _ in FORM_FIELDS}), area_id)


@router.post("/plan/atgard/ny", response_class=HTMLResponse)
def add_measure(request: Request, coordinator: CoordinatorDep, form: FormDep, engine: EngineDep,
                clock: ClockDep, feeds: FeedsDep) -> Response:  # fmt: skip
    plan = chosen(request, coordinator, engine, now=clock())
    typed = Typed(_typed_texts(form))
    kept, typed.errors = checked_texts(typed.texts, _limits(coordinator))
    area_text = form.text("omrade")
    area = plan.contents.area(int(area_text)) if area_text.isdigit() else None
    if area is None:
        typed.errors.append(("omrade", "Område: välj ett område i listan."))
    if typed.errors or area is None:
        return _new_page(coordinator, plan, typed, area.id if area else None, status=422)
    measure = with_texts(Measure(title=kept["rubrik"]), kept)
    area_id = int(area_text)
    return _save(request, coordinator, engine, plan,
                 lambda contents: contents.with_measure_added(area_id, measure),
                 f"Lade till åtgärden «{measure.title}» i «{area.name}»", now=clock(), feeds=feeds)  # fmt: skip


@router.post("/plan/atgard/{measure_id}/ta-bort", response_class=HTMLResponse)
def remove_measure(request: Request, measure_id: int, coordinator: CoordinatorDep,
                   form: FormDep, engine: EngineDep, clock: ClockDep,
                   feeds: FeedsDep) -> Response:  # fmt: skip
    """The first POST shows what removing would do and changes nothing; the second, carrying
    `bekraftat=ja`, removes the measure."""
    plan = chosen(request, coordinator, engine, now=clock())
    _, item = plan.measure(measure_id)
    confirmed = form.text("bekraftat") == CONFIRMED
    outcome = save_contents(
        engine, coordinator.config, plan_id=plan.plan_id,
        edit=lambda contents: contents.without_measure(measure_id),
        author=_author(coordinator), note=f"Tog bort åtgärden «{item.measure.title}»",
        now=clock(), confirmed=confirmed,
    )  # fmt: skip
    if not confirmed or not outcome.changed:
        nothing_changed(request)
    if confirmed:
        feeds.recheck_now()
        return _areas_page(coordinator, chosen(request, coordinator, engine, now=clock()),
                           outcome=outcome)  # fmt: skip
    return workspace_page(
        "plan_edit_confirm.html", coordinator, current="/plan", plan=plan, outcome=outcome,
        heading=f"Ta bort «{item.measure.title}»?",
        action=f"/plan/atgard/{measure_id}/ta-bort?ar={plan.year}", button="Ta bort åtgärden",
        back=f"/plan/omraden?ar={plan.year}",
    )  # fmt: skip
