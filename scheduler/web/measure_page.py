"""One measure's schedule in the workspace (/plan/atgard/<id>): how its När was read and its
dates, and a form for the overrides a coordinator sets by hand: weekday, time, months, location
and convener. The first POST previews every meeting that would move, be cancelled or be added,
other measures' included, and who will know (scheduler/services/schedule_preview.py); the
confirming POST stores them as the plan file's `[areas.measures.schedule]` would and brings the
occurrences and reminders in step in the same transaction, so the agenda, the feeds and the
reminders show the new dates at once."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError
from scheduler.base.swedish import MONTH_WORDS, WEEKDAY_NAMES, WEEKDAY_WORDS, WEEKDAYS
from scheduler.base.templating import swedish_date
from scheduler.base.text_safety import describe_control_character
from scheduler.base.time import STOCKHOLM
from scheduler.model.display_words import PLAN_STATE_WORDS
from scheduler.model.plan import PolicyOverrides
from scheduler.model.policy_overrides import HH_MM
from scheduler.model.stored import PlanState
from scheduler.schedule.calendar_diff import ADDED, CANCELLED, MOVED, CalendarChange
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule
from scheduler.services.plans import SyncResult, chosen_plan_id, list_occurrences
from scheduler.services.refresh import edit_measure_schedule, plan_schedule
from scheduler.services.schedule_preview import MeasureChanges, schedule_edit_preview
from scheduler.web.confirm import Listing, Preview, carried, confirmed, here, preview_page
from scheduler.web.deps import ClockDep, EngineDep, FeedsDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.plan_page import MeasureView, asked_year, measure_view
from scheduler.web.session import (
    Coordinator,
    checked_form,
    workspace_coordinator,
)

router = APIRouter()
LOCATION_LENGTH = 200


@dataclass
class TypedSettings:
    """The form as typed: given back as it was when something is refused."""

    weekday: str = ""
    time: str = ""
    months: list[int] = field(default_factory=list)
    location: str = ""
    convener: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)


def _typed_from(settings: PolicyOverrides, convener: str | None) -> TypedSettings:
    weekday = settings.weekday or ""
    return TypedSettings(
        weekday=WEEKDAY_NAMES.get(weekday.upper(), weekday.casefold()),
        time=settings.time or "",
        months=list(settings.months or ()),
        location=settings.location or "",
        convener=convener or "",
    )


def _typed_from_form(form: PostedForm) -> TypedSettings:
    months = form.fields.getlist("manad") if form.fields is not None else []
    return TypedSettings(
        weekday=form.text("veckodag").strip(),
        time=form.text("tid").strip(),
        months=[int(m) for m in months if isinstance(m, str) and m.isdigit()],
        location=form.text("plats").strip(),
        convener=form.text("sammankallande").strip(),
    )


def _checked(
    typed: TypedSettings, coordinator: Coordinator
) -> tuple[PolicyOverrides, str | None] | None:
    """The overrides the form asks for, or None with the refusals in `typed.errors` (field id,
    Swedish message)."""
    errors = typed.errors
    if typed.weekday and typed.weekday not in WEEKDAYS:
        errors.append(("veckodag", f"Veckodag: «{typed.weekday}» är ingen veckodag. Välj en i listan."))  # fmt: skip
    if typed.time and not HH_MM.match(typed.time):
        errors.append(("tid", f"Tid: «{typed.time}» är ingen tid. Skriv TT:MM, till exempel 09:30."))  # fmt: skip
    if not all(1 <= month <= 12 for month in typed.months):
        errors.append(("manad-1", "Månader: välj bland januari–december."))
    if len(typed.location) > LOCATION_LENGTH:
        errors.append(("plats", f"Plats: {len(typed.location)} tecken; högst {LOCATION_LENGTH} får plats."))  # fmt: skip
    elif problem := describe_control_character(typed.location):
        errors.append(("plats", f"Plats: texten har ett {problem}. Skriv om den utan det tecknet."))  # fmt: skip
    role = coordinator.config.role(typed.convener) if typed.convener else None
    if typed.convener and role is None:
        errors.append(("sammankallande", f"Sammankallande: «{typed.convener}» är ingen roll i "
                                          "inställningarna. Välj en i listan."))  # fmt: skip
    if errors:
        return None
    overrides = PolicyOverrides(
        weekday=typed.weekday or None,
        time=typed.time or None,
        months=tuple(sorted(set(typed.months))) or None,
        location=typed.location or None,
    )
    return overrides, role.name if role else None


@dataclass(frozen=True)
class Found:
    schedule: PlanSchedule
    item: MeasureSchedule

    @property
    def plan_id(self) -> int:
        return self.schedule.stored.id

    @property
    def year(self) -> int:
        return self.schedule.stored.plan.year

    @property
    def state(self) -> PlanState:
        return self.schedule.stored.state


def _find(request: Request, coordinator: Coordinator, engine: Engine, measure_id: int, *,
          now: datetime) -> Found:  # fmt: skip
    """The measure in the coordinator's organisation's plan (of `?ar=`), or NotFoundError."""
    plan_id = chosen_plan_id(engine, year=asked_year(request), now=now,
                             organisation=coordinator.organisation)  # fmt: skip
    schedule = plan_schedule(engine, coordinator.config, plan_id=plan_id)
    for item in schedule.workbook_measures:
        if item.stored.id == measure_id:
            return Found(schedule, item)
    raise NotFoundError(f"åtgärd {measure_id} finns inte i planen")


def _page(coordinator: Coordinator, found: Found, typed: TypedSettings, *, status: int = 200,
          done: list[str] | None = None) -> Response:  # fmt: skip
    measure = found.item.stored.measure
    view: MeasureView = measure_view(found.item, coordinator.config)
    context: dict[str, Any] = {
        "found": found, "measure": measure, "view": view, "typed": typed, "done": done or [],
        "weekdays": WEEKDAY_WORDS, "months": list(enumerate(MONTH_WORDS, 1)),
        "roles": [role.name for role in coordinator.config.all_roles],
        "series_overrides": [label for label, _ in measure.schedule.series],
    }  # fmt: skip
    return workspace_page("measure.html", coordinator, current="/plan", status=status,
                          shown_year=found.year, **context)  # fmt: skip


@router.api_route("/plan/atgard/{measure_id}", methods=PAGE_METHODS, response_class=HTMLResponse)
def show_measure(
    request: Request,
    measure_id: int,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    engine: EngineDep, clock: ClockDep,
) -> Response:  # fmt: skip
    found = _find(request, coordinator, engine, measure_id, now=clock())
    measure = found.item.stored.measure
    return _page(coordinator, found, _typed_from(measure.schedule, measure.convener))


@router.post("/plan/atgard/{measure_id}", response_class=HTMLResponse)
def save_schedule(
    request: Request,
    measure_id: int,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, clock: ClockDep, feeds: FeedsDep,
) -> Response:  # fmt: skip
    found = _find(request, coordinator, engine, measure_id, now=clock())
    typed = _typed_from_form(form)
    checked = _checked(typed, coordinator)
    if checked is None:
        return _page(coordinator, found, typed, status=422)
    overrides, convener = checked
    current = found.item.stored.measure.schedule
    # Only the form's five values change; the plan file's other overrides (kind, length, RRULE,
    # reminder days, per-series tables) stay as they were.
    schedule = replace(current, weekday=overrides.weekday, time=overrides.time,
                       months=overrides.months, location=overrides.location)  # fmt: skip
    if not confirmed(form):
        preview = schedule_edit_preview(engine, coordinator.config, plan_id=found.plan_id,
                                        measure_id=measure_id, convener=convener,
                                        schedule=schedule, now=clock())  # fmt: skip
        return preview_page(request, coordinator, _preview(request, found, preview, carried(form)),
                            current="/plan")  # fmt: skip
    before = _calendar(engine, found.plan_id)
    synced = edit_measure_schedule(engine, coordinator.config, plan_id=found.plan_id,
                                   measure_id=measure_id, convener=convener, schedule=schedule,
                                   now=clock())  # fmt: skip
    feeds.recheck_now()
    found = _find(request, coordinator, engine, measure_id, now=clock())
    others = _others_changed(engine, found, before)
    return _page(coordinator, found, typed, done=_saved_text(found, synced, others))


CHANGE_WORDS = {MOVED: "Flyttas", CANCELLED: "Ställs in", ADDED: "Nytt"}


def _moment(moment: datetime, all_day: bool) -> str:
    local = moment.astimezone(STOCKHOLM)
    return swedish_date(local.date()) + ("" if all_day else f" kl. {local:%H:%M}")


def _change_line(change: CalendarChange) -> str:
    what = "uppgift" if change.kind == "task" else "möte"
    series = f" ({change.series_label})" if change.series_label else ""
    if change.before is not None and change.after is not None:
        when = f"{_moment(change.before, change.all_day)} → {_moment(change.after, change.all_day)}"
    else:
        moment = change.before if change.before is not None else change.after
        assert moment is not None  # a change is about a published start, a new one, or both
        when = _moment(moment, change.all_day)
    return f"{CHANGE_WORDS[change.what]}: {what}{series} {when}"


def _preview(request: Request, found: Found, measures: list[MeasureChanges],
             fields: list[tuple[str, str]]) -> Preview:  # fmt: skip
    title = found.item.stored.measure.title
    total = sum(len(m.changes) for m in measures)
    counted = {word: sum(1 for m in measures for c in m.changes if c.what == what)
               for what, word in CHANGE_WORDS.items()}  # fmt: skip
    others = [m.title for m in measures if m.measure_id != found.item.stored.id and m.changes]
    lines = [
        f"Schemat för «{title}» sparas. Kalendern från i dag: {counted['Flyttas']} flyttas, "
        f"{counted['Ställs in']} ställs in och {counted['Nytt']} nya möten och uppgifter; det "
        "som redan har varit ändras inte." if total else
        f"Schemat för «{title}» sparas. Inget möte eller någon uppgift får ett nytt datum.",
    ]  # fmt: skip
    told = [f"{m.convener}: {m.address}" if m.address
            else f"{m.convener}: ingen e-postadress, får inga påminnelser" if m.convener
            else f"«{m.title}»: ingen sammankallande" for m in measures if m.changes]  # fmt: skip
    told = list(dict.fromkeys(told))  # one line per convener, however many of their measures
    if total:
        lines.append("Så får de veta: kalenderlänkarna visar de nya datumen vid nästa hämtning, "
                     "och de sammankallandes påminnelser följer de nya datumen. Inget särskilt "
                     "mejl skickas om ändringen.")  # fmt: skip
    warnings = []
    if others:
        names = ", ".join(f"«{name}»" for name in others)
        warnings.append(f"Datumen för {names} ändras också, eftersom samma sammankallande inte "
                        "får för många möten samma dag.")  # fmt: skip
    if found.state != PlanState.DRAFT:
        warnings.append(f"Planen är {PLAN_STATE_WORDS[found.state]}; den inlämnade planen ändras.")
    listings = [Listing(f"«{m.title}» ({m.area})", [_change_line(c) for c in m.changes],
                        "Inga datum ändras.") for m in measures]  # fmt: skip
    if told:
        listings.append(Listing("Sammankallande vars påminnelser följer ändringen", told))
    return Preview(
        title=f"Spara schemat för «{title}»?", action=here(request),
        button="Ja, spara schemat", back=f"/plan/atgard/{found.item.stored.id}?ar={found.year}",
        lines=lines, warnings=warnings, listings=listings, fields=fields,
    )  # fmt: skip


def _calendar(engine: Engine, plan_id: int) -> set[tuple[int, str, str]]:
    """(measure, UID, status) of the plan's occurrences: what a change did, by comparison."""
    rows = list_occurrences(engine, plan_id=plan_id)
    return {(row.measure_id, row.uid, row.status) for row in rows}


def _others_changed(engine: Engine, found: Found, before: set[tuple[int, str, str]]) -> list[str]:  # fmt: skip
    """The other measures whose dates changed too: meetings of one convener are spread over the
    days (calendar.max_meetings_per_day), so a meeting moved away frees a day for another."""
    changed = before ^ _calendar(engine, found.plan_id)
    ids = {measure_id for measure_id, _, _ in changed} - {found.item.stored.id}
    return [item.stored.measure.title for item in found.schedule.measures if item.stored.id in ids]


def _saved_text(found: Found, synced: SyncResult | None, others: list[str]) -> list[str]:
    title = found.item.stored.measure.title
    if synced is None:
        return [f"Inget ändrades: «{title}» hade redan de här inställningarna."]
    lines = [
        f"Schemat för «{title}» är sparat. Kalendern: {synced.added} nya, {synced.moved} "
        f"flyttade och {synced.cancelled} inställda möten och uppgifter från i dag; det som "
        "redan har varit ändras inte. Agendan, kalenderlänkarna och påminnelserna följer de "
        "nya datumen."
    ]
    if others:
        names = ", ".join(f"«{name}»" for name in others)
        lines.append(f"Obs: datumen för {names} ändrades också, eftersom samma sammankallande "
                     "inte får för många möten samma dag. Se dem i agendan.")  # fmt: skip
    if found.state != PlanState.DRAFT:
        lines.append(f"Obs: planen är {PLAN_STATE_WORDS[found.state]}; den inlämnade planen har ändrats. Meddela "
                     "mottagarna, eller lämna in den igen.")  # fmt: skip
    return lines
