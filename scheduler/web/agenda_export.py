"""The agenda's downloads: /agenda.xlsx and /agenda.ics, with the page's query string, holding
exactly the rows /agenda shows for it (the same filters, scheduler/web/agenda_view.py).

The workbook's cells are strings, never formulas (`put`): a title typed as "=HYPERLINK(…)" stays
that text. The calendar file is written by the one iCalendar writer, each entry as the feeds
word it (`event_for`), so it imports as the subscribed calendars show the same meetings."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError
from scheduler.base.templating import swedish_date
from scheduler.base.time import STOCKHOLM
from scheduler.feeds.content import event_for
from scheduler.feeds.ical import FeedHeader, render_events
from scheduler.plan.files.workbook import put
from scheduler.web.agenda_view import AGENDA_STATUSES, Entry, chosen_filters, entries, shown_entries
from scheduler.web.deps import ClockDep, EngineDep
from scheduler.web.pages import PAGE_METHODS
from scheduler.web.session import Coordinator, workspace_coordinator

router = APIRouter()

AGENDA_COLUMNS = ("Vecka", "Datum", "Veckodag och datum", "Start", "Slut", "Typ", "Möte eller uppgift",
           "Område", "Sammankallande", "Deltar", "Plats", "Status")  # fmt: skip
AGENDA_COLUMN_WIDTHS = (7, 11, 26, 7, 7, 9, 50, 34, 28, 50, 24, 10)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _shown(
    request: Request, engine: Engine, coordinator: Coordinator, now: datetime
) -> list[Entry]:
    """The rows /agenda shows for this query string (a date that is not one is left out there
    too, with its message on the page)."""
    try:
        every = entries(engine, coordinator, now=now)
    except NotFoundError:
        return []
    chosen, _ = chosen_filters(request.query_params, coordinator,
                               today=now.astimezone(STOCKHOLM).date())  # fmt: skip
    return shown_entries(every, chosen)


def _row(entry: Entry) -> tuple[str, ...]:
    start = "" if entry.all_day else entry.start.strftime("%H:%M")
    end = "" if entry.all_day else entry.end.strftime("%H:%M")
    return (str(entry.week), entry.day.isoformat(), swedish_date(entry.day), start, end,
            "Uppgift" if entry.kind == "task" else "Möte", entry.name, entry.area or "Planen",
            entry.convener or "", ", ".join(entry.participants), entry.location or "",
            AGENDA_STATUSES[entry.status])  # fmt: skip


def agenda_workbook(shown: list[Entry], *, title: str) -> bytes:
    """One sheet, a header row and a row per entry, every cell a string."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "Agenda"
    for column, name in enumerate(AGENDA_COLUMNS, 1):
        put(sheet, 1, column, name).font = Font(bold=True)
        sheet.column_dimensions[sheet.cell(1, column).column_letter].width = AGENDA_COLUMN_WIDTHS[
            column - 1
        ]
    for number, entry in enumerate(shown, 2):
        for column, value in enumerate(_row(entry), 1):
            put(sheet, number, column, value)
    sheet.freeze_panes = "A2"
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip


@router.api_route("/agenda.xlsx", methods=PAGE_METHODS)
def agenda_xlsx(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
                engine: EngineDep, clock: ClockDep) -> Response:  # fmt: skip
    shown = _shown(request, engine, coordinator, clock())
    content = agenda_workbook(shown, title=f"Agenda – {coordinator.organisation}")
    return _download(content, XLSX, "agenda.xlsx")


@router.api_route("/agenda.ics", methods=PAGE_METHODS)
def agenda_ics(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
               engine: EngineDep, clock: ClockDep) -> Response:  # fmt: skip
    shown = _shown(request, engine, coordinator, clock())
    organisation = coordinator.organisation
    header = FeedHeader(name=f"Agenda – {organisation}",
                        description=f"{organisation}: ett urval ur agendan, hämtat som fil.",
                        organizer_name=organisation,
                        organizer_email=coordinator.config.organisation.email,
                        refresh=timedelta(hours=coordinator.config.feeds.refresh_hours))  # fmt: skip
    events = [event_for(entry.source.measure, entry.source.occurrence, None) for entry in shown]
    return _download(render_events(header, events), "text/calendar; charset=utf-8", "agenda.ics")
