"""The plan in the workspace (/plan): its areas and measures as in the workbook, how each När was
read, every warning, who convenes and where the reminders go; an upload that imports a workbook
or TOML file as `scheduler import` does (same reading, messages and all-or-nothing import); and
the plan as .xlsx (/plan.xlsx)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from starlette.datastructures import UploadFile

from scheduler.base.errors import NotFoundError, SchedulerError, StoreBusyError
from scheduler.base.swedish import count
from scheduler.base.templating import swedish_date
from scheduler.base.time import STOCKHOLM
from scheduler.cadence.describe import series_frequency, unused_phrases
from scheduler.model.display_words import CADENCE_KIND_WORDS, PLAN_STATE_WORDS, kind_word
from scheduler.model.stored import PlanState
from scheduler.plan.files import PlanRead, read_plan, write_plan
from scheduler.plan.files.limits import ReadLimits
from scheduler.plan.foreign import other_organisation
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule
from scheduler.services.plans import chosen_plan_id, load_plan
from scheduler.services.refresh import import_and_schedule, plan_schedule
from scheduler.services.review import review_findings
from scheduler.services.upload_check import A_FEW, UploadCheck, check_upload, every_date_past
from scheduler.settings.model import Settings
from scheduler.web.confirm import Listing, Preview, confirmed, preview_page
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep
from scheduler.web.layout import workspace_page
from scheduler.web.pages import PAGE_METHODS, PostedForm
from scheduler.web.session import (
    Coordinator,
    checked_form,
    workspace_coordinator,
)
from scheduler.web.upload_stash import keep, take

router = APIRouter()
DEADLINE_WORDS = CADENCE_KIND_WORDS["deadline"]  # "klart senast"
UPLOAD_SUFFIXES = (".xlsx", ".toml")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class MeasureView:
    id: int
    title: str
    cause: str
    action: str
    when_text: str
    responsible_text: str
    followup_text: str
    kind: str
    series: list[dict[str, Any]]
    deadline: date | None
    convener: str | None
    address: str | None
    warnings: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)  # words of När the reading did not use

    @property
    def reading(self) -> str:
        """How När was read, with its deadline: "återkommande, klart senast fredag 31 maj 2024";
        a deadline kind names its day once ("klart senast fredag 31 maj 2024", not twice)."""
        if self.deadline is None:
            return self.kind
        due = f"{DEADLINE_WORDS} {swedish_date(self.deadline)}"
        if self.kind.startswith(DEADLINE_WORDS):
            return due + self.kind.removeprefix(DEADLINE_WORDS)
        return f"{self.kind}, {due}"

    def next_date(self, today: date) -> date | None:
        """The first date of any of its series from `today` on."""
        return min((d for s in self.series for d in s["dates"] if d >= today), default=None)


def measure_view(item: MeasureSchedule, config: Settings) -> MeasureView:
    measure, cadence = item.stored.measure, item.cadence
    kind = CADENCE_KIND_WORDS.get(cadence.kind, cadence.kind)
    if cadence.as_needed and cadence.kind != "as_needed":
        kind += ", samt vid behov"
    if cadence.continuous and cadence.kind != "continuous":
        kind += ", därefter löpande"
    intervals = {spec.label: spec.interval for spec in cadence.series}
    series = [
        {"label": placed.label or "Serie",
         "often": series_frequency(placed.label, placed.count, placed.per, intervals),
         "kind": kind_word(placed.kind),
         "dates": [o.start.date() for o in placed.occurrences]}
        for placed in item.schedule.series
    ]  # fmt: skip
    convener = item.responsibility.convener
    role = config.role(convener) if convener else None
    return MeasureView(
        item.stored.id, measure.title, measure.cause, measure.action, measure.when_text,
        measure.responsible_text, measure.followup_text, kind, series, item.schedule.deadline,
        role.name if role else convener, role.email if role else None,
        unused=unused_phrases(cadence),
    )  # fmt: skip


def _plan_view(engine: Engine, coordinator: Coordinator, plan_id: int, *, today: date) -> dict[str, Any]:  # fmt: skip
    config = coordinator.config
    schedule: PlanSchedule = plan_schedule(engine, config, plan_id=plan_id)
    stored = schedule.stored
    findings = review_findings(schedule, config, today=today)
    areas: dict[str, list[MeasureView]] = {area.name: [] for area in stored.plan.areas}
    views: dict[tuple[str, str], list[MeasureView]] = {}
    for item in schedule.workbook_measures:
        view = measure_view(item, config)
        areas.setdefault(item.stored.area, []).append(view)
        views.setdefault((item.stored.area, view.title), []).append(view)
    general = []
    for finding in findings:
        matching = views.get((finding.area or "", finding.measure or ""))
        if matching:
            for view in matching:
                view.warnings.append(finding.message)
        else:
            general.append(finding.message)
    return {"plan": stored.plan, "areas": areas, "general": general, "state": PLAN_STATE_WORDS[stored.state],
            "state_code": stored.state.value, "today": today,
            "warnings": sum(len(v.warnings) for vs in areas.values() for v in vs) + len(general)}  # fmt: skip


def asked_year(request: Request) -> int | None:
    text = request.query_params.get("ar")
    if text is None or text == "":
        return None
    if not text.isdigit() or len(text) != 4:
        raise NotFoundError("okänt år")
    return int(text)


def plan_page_response(request: Request, coordinator: Coordinator, engine: Engine, *, now: datetime,
                       status: int = 200, errors: list[str] | None = None,
                       done: list[str] | None = None, year: int | None = None,
                       error_title: str = "Filen kunde inte importeras") -> Response:  # fmt: skip
    """/plan of `year` (else of `?ar=`, else by date), with what was just done or refused."""
    try:
        plan_id = chosen_plan_id(engine, year=year or asked_year(request), now=now,
                                 organisation=coordinator.organisation)  # fmt: skip
        today = now.astimezone(STOCKHOLM).date()
        view: dict[str, Any] | None = _plan_view(engine, coordinator, plan_id, today=today)
    except NotFoundError:
        if request.query_params.get("ar"):
            raise
        view = None
    return workspace_page("plan.html", coordinator, current="/plan", status=status, view=view,
                          shown_year=view["plan"].year if view else None,
                          errors=errors or [], done=done or [], suffixes=", ".join(UPLOAD_SUFFIXES),
                          error_title=error_title)  # fmt: skip


@router.api_route("/plan", methods=PAGE_METHODS, response_class=HTMLResponse)
def show_plan(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
              engine: EngineDep, clock: ClockDep) -> Response:  # fmt: skip
    return plan_page_response(request, coordinator, engine, now=clock())


@router.post("/plan", response_class=HTMLResponse)
def upload(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, config: ConfigDep, clock: ClockDep,
) -> Response:  # fmt: skip
    """Import the file; one that replaces more than a few stored measures, or is of a year older
    than last year, is previewed first and imported on the confirming POST (the file kept
    meanwhile: scheduler/web/upload_stash.py)."""
    assert form.fields is not None  # checked_form read the token from them
    now = clock()

    def refused(message: str) -> Response:
        return plan_page_response(request, coordinator, engine, now=now, status=422,
                                  errors=[message])  # fmt: skip

    kept = form.text("fil_id")
    if kept:  # the confirming POST of a preview
        name = Path(form.text("filnamn")).name
        suffix = Path(name).suffix.lower()
        data = take(kept, organisation=coordinator.organisation, suffix=suffix) if suffix in UPLOAD_SUFFIXES else None  # fmt: skip
        if data is None:
            return refused("Filen från förhandsvisningen finns inte längre (den sparas en timme "
                           "och används en gång). Välj filen igen. Inget ändrades.")  # fmt: skip
    else:
        upload = form.fields.get("fil")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return refused("Välj en fil att importera (en arbetsbok .xlsx eller en .toml-fil).")
        name = Path(upload.filename).name
        suffix = Path(name).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            return refused(f"«{name}» är varken en .xlsx- eller en .toml-fil. Inget ändrades.")
        data = upload.file.read()
    try:
        read = _read(config, coordinator, name, suffix, data)
        check = check_upload(engine, read.plan, now=now)
        if check.needs_confirmation and not confirmed(form):
            stash_id = keep(data, organisation=coordinator.organisation, suffix=suffix)
            return preview_page(request, coordinator, _upload_preview(read, name, check, stash_id, now=now),
                                current="/plan")  # fmt: skip
        lines = _import(engine, coordinator, read, name, now=now)
    except StoreBusyError:
        raise  # not the file's fault: the app's 503, to try again (scheduler/web/busy.py)
    except SchedulerError as exc:
        message = f"{exc}"
        return refused(message[:1].upper() + message[1:])
    return plan_page_response(request, coordinator, engine, now=now, done=lines,
                              year=read.plan.year)  # fmt: skip


def _read(settings: Settings, coordinator: Coordinator, name: str, suffix: str, data: bytes) -> PlanRead:  # fmt: skip
    """The file read as `scheduler import` reads it, as the coordinator's organisation's plan;
    a SchedulerError when it is no plan or names another organisation in its cells."""
    with tempfile.TemporaryDirectory(prefix="scheduler-upload-") as folder:
        path = Path(folder) / f"plan{suffix}"
        path.write_bytes(data)
        # Messages name the file as the coordinator picked it, never the temporary path.
        read = read_plan(path, default_organisation=coordinator.organisation,
                         limits=ReadLimits.from_section(settings.limits), name=name)  # fmt: skip
    if settings.find_organisation(read.plan.organisation) != coordinator.organisation:
        raise SchedulerError(
            f"«{name}» är en plan för «{read.plan.organisation}», men du är inloggad för "
            f"{coordinator.organisation}. Rätta organisationen i filen; inget ändrades."
        )
    # Stored under the organisation's configured name, whichever of its names the file used.
    return replace(read, plan=replace(read.plan, organisation=coordinator.organisation))


def _upload_preview(read: PlanRead, name: str, check: UploadCheck, stash_id: str, *,
                    now: datetime) -> Preview:  # fmt: skip
    plan = read.plan
    measures = sum(len(area.measures) for area in plan.areas)
    warnings = []
    if check.old_year:
        last = now.astimezone(STOCKHOLM).year - 1
        warnings.append(f"Planen gäller {plan.year}, som är äldre än förra året ({last}). Kontrollera "
                        "att det är rätt fil och rätt år.")  # fmt: skip
    if len(check.replaced) > A_FEW:
        warnings.append(f"{len(check.replaced)} av de {check.stored_measures} åtgärderna i den "
                        f"sparade planen {plan.year} ändras eller tas bort.")  # fmt: skip
    if foreign := other_organisation(read.headings, plan.organisation):
        warnings.append(f"Filens rubrik «{foreign}» nämner en annan organisation än "
                        f"{plan.organisation}.")  # fmt: skip
    return Preview(
        title=f"Importera «{name}»?", action="/plan", button="Ja, importera filen",
        back=f"/plan?ar={plan.year}",
        lines=[f"Filen importeras som {plan.organisation}s plan {plan.year}: "
               f"{count(len(plan.areas), 'område')} och {count(measures, 'åtgärd')}. Mötena och "
               "påminnelserna följer den nya planen; det som redan har varit ändras inte."],
        warnings=warnings,
        listings=[Listing("Åtgärder som ändras eller tas bort", list(check.replaced),
                          "Inga.")] if check.replaced else [],
        fields=[("fil_id", stash_id), ("filnamn", name)],
    )  # fmt: skip


def _import(engine: Engine, coordinator: Coordinator, read: PlanRead, name: str, *,
            now: datetime) -> list[str]:  # fmt: skip
    """The plan imported as `scheduler import` would (all or nothing), or a SchedulerError; the
    lines to show: what was imported, for which organisation and year, and what to look at."""
    plan = read.plan
    result, synced = import_and_schedule(engine, coordinator.config, plan, source=name, now=now)
    lines = []
    measures = result.added + result.changed + result.unchanged
    if not result.changed_anything and not synced.changed_anything:
        lines.append(f"Planen {result.organisation} {result.year} är redan importerad; inget "
                     f"ändrades ({count(measures, 'åtgärd')}).")  # fmt: skip
    else:
        verb = "Importerade" if result.plan_created else "Uppdaterade"
        lines.append(
            f"{verb} {result.organisation} {result.year} från «{name}»: "
            f"{count(len(plan.areas), 'område')}, {count(measures, 'åtgärd')} "
            f"({count(result.added, 'ny', 'nya')}, {count(result.changed, 'ändrad', 'ändrade')}, "
            f"{count(result.unchanged, 'oförändrad', 'oförändrade')}, "
            f"{count(result.retired, 'borttagen', 'borttagna')})."
        )
        lines.append(f"Kalendern: {synced.added} nya, {synced.moved} flyttade och "
                     f"{synced.cancelled} inställda möten och uppgifter.")  # fmt: skip
    if foreign := other_organisation(read.headings, plan.organisation):
        lines.append(f"Obs: filens rubrik «{foreign}» nämner en annan organisation än "
                     f"{plan.organisation}, men filen har ingen cell «Organisation: …» och "
                     f"importerades som {plan.organisation}s plan. Är det fel fil, importera "
                     "den rätta.")  # fmt: skip
    if every_date_past(engine, result.plan_id, now=now):
        lines.append(f"Obs: alla datum i planen {result.year} har redan passerat; inga "
                     "påminnelser går ut för den.")  # fmt: skip
    if result.state != PlanState.DRAFT and (result.added or result.changed or result.retired):
        lines.append(f"Obs: planen är {PLAN_STATE_WORDS[result.state]}; den inlämnade planen har ändrats. Meddela "
                     "mottagarna, eller lämna in den igen.")  # fmt: skip
    lines += [f"Obs: {note}" for note in read.notes]
    return lines


@router.api_route("/plan.xlsx", methods=PAGE_METHODS)
def plan_xlsx(request: Request, coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
              engine: EngineDep, clock: ClockDep) -> Response:  # fmt: skip
    plan_id = chosen_plan_id(engine, year=asked_year(request), now=clock(),
                             organisation=coordinator.organisation)  # fmt: skip
    stored = load_plan(engine, plan_id)
    with tempfile.TemporaryDirectory(prefix="scheduler-export-") as folder:
        path = Path(folder) / "plan.xlsx"
        write_plan(stored.plan, path)
        body = path.read_bytes()
    filename = f"atgardsplan-{stored.plan.year}.xlsx"
    return Response(body, media_type=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})  # fmt: skip
