"""The agenda in the workspace (/agenda): the organisation's upcoming meetings and tasks, from the
plans whose time it is (as `scheduler agenda` spans plans), as a work list grouped by month
(scheduler/web/agenda_view.py: the filters, their counts, the months); and per meeting a form to
move it and one to cancel it, which go through `scheduler.services.changes`
as `scheduler move` / `cancel` do, so the convener is told at once with the updated .ics; a
cancelled one has a form to restore it (/agenda/aterstall). Cancelling and restoring are previewed
first (scheduler/web/confirm.py): the meeting and who will be told."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.base.templating import swedish_date
from scheduler.base.time import FIRST_YEAR, LAST_YEAR, STOCKHOLM
from scheduler.model.occurrence import Occurrence, OccurrenceStatus
from scheduler.services import changes
from scheduler.services.refresh import plan_schedule
from scheduler.settings.model import Settings
from scheduler.web.agenda_view import (
    FILTERS,
    by_month,
    choices,
    chosen_filters,
    entries,
    row_key,
    shown_entries,
)
from scheduler.web.confirm import Preview, carried, confirmed, preview_page
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep, FeedsDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.session import (
    Coordinator,
    checked_form,
    nothing_changed,
    workspace_coordinator,
)

router = APIRouter()
NOTE_LENGTH = 500


@dataclass
class TypedChange:
    """A change form as posted: the values come back with the errors, nothing is stored."""

    key: str
    action: str  # "flytta" or "stall-in"
    values: dict[str, str]
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field id, message)


def _page(engine: Engine, coordinator: Coordinator, params: Mapping[str, str], *, now: datetime,
          status: int = 200, done: list[str] | None = None, typed: TypedChange | None = None) -> Response:  # fmt: skip
    text = params.get("ar", "")
    year = int(text) if text.isdigit() and len(text) == 4 else None
    note = None if year else "Visar det som kommer, i planerna som gäller nu"
    try:
        every = entries(engine, coordinator, now=now, year=year)
    except NotFoundError:
        if year is not None:
            raise
        return workspace_page("agenda.html", coordinator, current="/agenda", status=status,
                              entries=None, done=done or [], typed=typed, year_note=note)  # fmt: skip
    chosen, errors = chosen_filters(params, coordinator, today=now.astimezone(STOCKHOLM).date())
    shown = shown_entries(every, chosen)
    query = urlencode({name: value for name, value in chosen.values.items() if value})
    return workspace_page(
        "agenda.html", coordinator, current="/agenda", status=status, entries=shown,
        shown_year=year, year_note=note,
        months=by_month(shown), total=len(every), chosen=chosen, filter_errors=errors,
        done=done or [], typed=typed, choices=choices(every, chosen), filter_names=FILTERS,
        query=query,
    )  # fmt: skip


@router.api_route("/agenda", methods=PAGE_METHODS, response_class=HTMLResponse)
def agenda_page(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                engine: EngineDep, clock: ClockDep) -> Response:  # fmt: skip
    return _page(engine, coordinator, request.query_params, now=clock())


def _posted(engine: Engine, coordinator: Coordinator, form: PostedForm) -> tuple[Occurrence, dict[str, str]]:  # fmt: skip
    """The posted change's occurrence, when it is one of the coordinator's organisation's plans
    (else 404, as an occurrence that does not exist: nothing says another organisation has it),
    and the filters to return to."""
    try:
        row = changes.occurrence_of(engine, form.text("uid"), organisation=coordinator.organisation)
    except NotFoundError:
        raise HTTPException(404) from None
    return row, {name: value for name in FILTERS if (value := form.text(name))}


def _parse_day(text: str, key: str, errors: list[tuple[str, str]]) -> date | None:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        errors.append((f"datum-{key}", f"Nytt datum: «{text}» är inget datum. Skriv ÅÅÅÅ-MM-DD, "
                                        "till exempel 2024-05-14."))  # fmt: skip
        return None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        errors.append((f"datum-{key}", f"Nytt datum: {day.isoformat()} ligger utanför år "
                                        f"{FIRST_YEAR}–{LAST_YEAR}."))  # fmt: skip
        return None
    return day


def _parse_clock(text: str, field_id: str, label: str, errors: list[tuple[str, str]]) -> time | None:  # fmt: skip
    try:
        clock = time.fromisoformat(text.strip())
    except ValueError:
        errors.append(
            (field_id, f"{label}: «{text}» är ingen tid. Skriv TT:MM, till exempel 09:30.")
        )
        return None
    if len(text.strip()) != 5:  # 09:30, not 09:30:15 or 0930
        errors.append(
            (field_id, f"{label}: «{text}» är ingen tid. Skriv TT:MM, till exempel 09:30.")
        )
        return None
    return clock


def _note(typed: TypedChange) -> str:
    note = typed.values["note"].strip()
    if len(note) > NOTE_LENGTH:
        typed.errors.append((f"note-{typed.action}-{typed.key}",
                             f"Meddelandet är {len(note)} tecken; högst {NOTE_LENGTH} får plats."))  # fmt: skip
    return note


def _new_times(row: Occurrence, typed: TypedChange) -> tuple[datetime, datetime] | None:
    """The new start and end from the move form, or None with the errors in `typed`."""
    key, values, errors = typed.key, typed.values, typed.errors
    day = _parse_day(values["datum"], key, errors)
    old_start = row.start.astimezone(STOCKHOLM)
    length = row.end - row.start
    clock: time | None = old_start.time().replace(tzinfo=None)
    if values["tid"].strip() and not row.all_day:
        clock = _parse_clock(values["tid"], f"tid-{key}", "Ny tid", errors)
    end_clock = None
    if values["slut"].strip() and not row.all_day:
        end_clock = _parse_clock(values["slut"], f"slut-{key}", "Slutar", errors)
    if day is None or clock is None or errors:
        return None
    start = datetime.combine(day, clock, tzinfo=STOCKHOLM)
    end = datetime.combine(day, end_clock, tzinfo=STOCKHOLM) if end_clock else start + length
    if end <= start:
        errors.append((f"slut-{key}", f"Slutar: {end:%H:%M} ligger inte efter starttiden "
                                      f"{start:%H:%M}. Ange en senare sluttid eller lämna fältet tomt."))  # fmt: skip
        return None
    return start, end


def _moved_text(title: str, change: changes.Change) -> list[str]:
    after = change.occurrence
    when = _when(after)
    return [f"Flyttat: «{title}» är nu {when} (version {after.sequence}); kalendrarna "
            "uppdateras.", changes.told(change)]  # fmt: skip


@router.post("/agenda/flytta", response_class=HTMLResponse)
def move(
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, config: ConfigDep, clock: ClockDep, feeds: FeedsDep,
) -> Response:  # fmt: skip
    row, params = _posted(engine, coordinator, form)
    key = row_key(row.uid)
    typed = TypedChange(
        key, "flytta", {name: form.text(name) for name in ("datum", "tid", "slut", "note")}
    )
    note = _note(typed)
    times = _new_times(row, typed)
    if times is None or typed.errors:
        return _page(engine, coordinator, params, now=clock(), status=422, typed=typed)
    try:
        change = changes.move(engine, config, row.uid, start=times[0], end=times[1],
                              now=clock(), note=note)  # fmt: skip
    except UsageError as exc:
        typed.errors.append((f"datum-{key}", str(exc)))
        return _page(engine, coordinator, params, now=clock(), status=422, typed=typed)
    feeds.recheck_now()
    done = _moved_text(_title(engine, config, row), change)
    return _page(engine, coordinator, params, now=clock(), done=done)


@router.post("/agenda/stall-in", response_class=HTMLResponse)
def cancel(
    request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, config: ConfigDep, clock: ClockDep, feeds: FeedsDep,
) -> Response:  # fmt: skip
    row, params = _posted(engine, coordinator, form)
    typed = TypedChange(row_key(row.uid), "stall-in", {"note": form.text("note")})
    note = _note(typed)
    if typed.errors:
        return _page(engine, coordinator, params, now=clock(), status=422, typed=typed)
    if not confirmed(form):
        return _change_preview(request, engine, config, coordinator, form, row, restoring=False)
    change = changes.cancel(engine, config, row.uid, now=clock(), note=note)
    feeds.recheck_now()
    when = _when(change.occurrence)
    done = [f"Inställt: «{_title(engine, config, row)}» {when}. Det syns som inställt i kalendrarna.",
            changes.told(change)]  # fmt: skip
    return _page(engine, coordinator, params, now=clock(), done=done)


def _when(row: Occurrence) -> str:
    start = row.start.astimezone(STOCKHOLM)
    return swedish_date(start.date()) + ("" if row.all_day else f" kl. {start:%H:%M}")


def _back(params: dict[str, str]) -> str:
    chosen = "&".join(f"{name}={quote(value)}" for name, value in params.items() if value)
    return f"/agenda?{chosen}" if chosen else "/agenda"


def _change_preview(request: Request, engine: Engine, config: Settings, coordinator: Coordinator,
                    form: PostedForm, row: Occurrence, *, restoring: bool) -> Response:  # fmt: skip
    """What cancelling (or restoring) the occurrence would do, and who would be told."""
    title, when = _title(engine, config, row), _when(row)
    change = changes.preview(engine, config, row.uid)
    it = "uppgiften" if row.kind == "task" else "mötet"
    if change.unsent is None:
        told = (f"Sammankallande ({change.convener}) får ett mejl om att {it} "
                f"{'blir av igen' if restoring else 'är inställt'}, med en kalenderfil.")  # fmt: skip
    else:
        told = changes.told(change)
    if restoring:
        preview = Preview(
            title=f"Återställa «{title}» {when}?", action="/agenda/aterstall",
            button=f"Ja, återställ {it}", back=_back({n: form.text(n) for n in FILTERS}),
            lines=[f"«{title}» {when} blir av igen: {it} visas som planerat i kalenderlänkarna "
                   "(en ny version, så kalendrarna uppdaterar det) och dess påminnelser går ut "
                   "som vanligt.", told],
            fields=carried(form),
        )  # fmt: skip
    else:
        preview = Preview(
            title=f"Ställa in «{title}» {when}?", action="/agenda/stall-in",
            button=f"Ja, ställ in {it}", back=_back({n: form.text(n) for n in FILTERS}),
            lines=[f"«{title}» {when} ställs in: {it} visas som inställt i kalenderlänkarna och "
                   "dess påminnelser slutar. Det går att återställa efteråt.", told],
            fields=carried(form),
        )  # fmt: skip
    return preview_page(request, coordinator, preview, current="/agenda")


@router.post("/agenda/aterstall", response_class=HTMLResponse)
def restore(
    request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, config: ConfigDep, clock: ClockDep, feeds: FeedsDep,
) -> Response:  # fmt: skip
    """Bring a cancelled meeting or task back, as it was before (previewed first)."""
    row, params = _posted(engine, coordinator, form)
    title = _title(engine, config, row)
    if row.status != OccurrenceStatus.CANCELLED:
        nothing_changed(request)
        return _page(engine, coordinator, params, now=clock(),
                     done=[f"«{title}» {_when(row)} är inte inställt; inget ändrades."])  # fmt: skip
    typed = TypedChange(row_key(row.uid), "aterstall", {"note": form.text("note")})
    note = _note(typed)
    if typed.errors:
        return _page(engine, coordinator, params, now=clock(), status=422, typed=typed)
    if not confirmed(form):
        return _change_preview(request, engine, config, coordinator, form, row, restoring=True)
    change = changes.restore(engine, config, row.uid, now=clock(), note=note)
    feeds.recheck_now()
    done = [f"Återställt: «{title}» {_when(change.occurrence)} blir av igen (version "
            f"{change.occurrence.sequence}); kalendrarna uppdateras.", changes.told(change)]  # fmt: skip
    return _page(engine, coordinator, params, now=clock(), done=done)


def _title(engine: Engine, config: Settings, row: Occurrence) -> str:
    schedule = plan_schedule(engine, config, plan_id=row.plan_id)
    item = next((m for m in schedule.measures if m.stored.id == row.measure_id), None)
    title = item.stored.measure.title if item is not None else "Mötet"
    return f"{title} – {row.series_label}" if row.series_label else title
