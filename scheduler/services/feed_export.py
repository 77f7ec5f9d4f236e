"""`feeds export DIR --all`: every organisation's calendars as static files, for nginx or a CDN.

Each organisation gets a folder, `DIR/<name>/` (its name as a URL slug: "Kungsholmens
stadsdelsförvaltning" → `kungsholmens-stadsdelsforvaltning`), holding what a link of that
organisation serves at `/feeds/<token>/<calendar>.ics`: the same rolling window over its plans,
the same calendars and names. The one difference is that a file belongs to no link, so its events
carry no link to a subscribe page (the URL and the last line of the description a served feed has).

One pass: each plan's occurrences are read once (one query) and gone through once for all of its
calendars, each becoming one event, whose text is written once for every calendar that holds it
(scheduler/feeds/ical.py). Each file is written to a
temporary file and renamed, so a web server (or a run killed half-way) sees the old file or the new
one; a file whose bytes are unchanged is not written at all, so its time stays and caches keep it.
A calendar that no longer exists (a measure removed, a role renamed) has its file removed: only
`*.ics` files in the folders of organisations that have plans, never anything else in DIR.
An organisation whose plans, configuration and day are as at the last export (its folder's
`.export-state` says so, and its files have the sizes written) is not rendered again: a run from
cron costs little where nothing changed.

Nothing outside DIR is read, written or removed: each organisation's folder is opened once,
refused when it is a symbolic link, and its files are reached through it by name without
following links (scheduler/base/folder.py).

One organisation never stops another: an organisation whose folder cannot be written (a disk
refusing, a link where its folder should be, an error of ours with its data) is reported with
the reason (`FolderReport.failure`) and every other organisation is still written; the command
then ends with an error.

The folders to write are shared out among worker processes when there are many
(scheduler/services/export_workers.py): rendering is CPU work, one processor's worth per process.
An organisation's files are written, its stale files removed and its state recorded by one
process, in that order, so a folder is never cleaned up after a failed write.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine

from scheduler import __version__
from scheduler.base.errors import NotFoundError, SchedulerError
from scheduler.base.folder import Folder, open_subfolder
from scheduler.base.time import STOCKHOLM
from scheduler.feeds.content import DateSpan, events_by_scope, feed_events, feed_header
from scheduler.feeds.ical import FeedEvent, render_recurring
from scheduler.feeds.scopes import Scope, UniqueNames, all_scopes, bounded, slugify
from scheduler.model.occurrence import Occurrence
from scheduler.services.export_workers import in_workers, worker_count
from scheduler.services.feeds import (
    EVENTS,
    TODOS,
    FeedSettings,
    PlanFeed,
    clamp,
    organiser_settings,
    plan_span,
    rendered,
    rolling_window,
    series_of,
    window_scopes,
)
from scheduler.services.refresh import plan_schedule
from scheduler.settings.model import Settings
from scheduler.store.occurrences import list_occurrences, schedule_state
from scheduler.store.plans import plans_by_organisation

logger = logging.getLogger(__name__)
# In each organisation's folder: what its files were made from, and their names and sizes. A run
# that finds the same (nothing stored, configured or dated has changed) renders and writes nothing
# there.
STATE_FILE = ".export-state"


@dataclass
class FolderReport:
    """What one export did in one organisation's folder."""

    organisation: str
    folder: Path
    written: int = 0  # new or changed
    unchanged: int = 0
    removed: int = 0
    names: set[str] = field(default_factory=set)  # the files the folder holds now
    sizes: dict[str, int] = field(default_factory=dict)  # of the files this export wrote or kept
    # Why the folder could not be written (Swedish, one line), with the exit code it calls for and,
    # for an error of ours, its traceback for the error log; None: written.
    failure: str | None = None
    exit_code: int = 0
    details: str | None = None


def organisation_folders(organisations: list[str]) -> dict[str, str]:
    """Each organisation's folder name: its slug, `-2` … for names that slug alike."""
    names = UniqueNames()
    return {name: bounded(names(slugify(name), name)) for name in sorted(organisations)}


@dataclass(frozen=True)
class CalendarFile:
    """A feed as a file: its name and bytes (a served feed's ETag is no use to a file)."""

    filename: str
    body: bytes


def organisation_feeds(plans: list[PlanFeed], *, now: datetime, settings: FeedSettings,
                       link: Callable[[int], str | None] = lambda _: None) -> Iterator[CalendarFile]:  # fmt: skip
    """Every feed a link of the organisation serves now, as `FeedService.render` renders it
    without a window asked for (the rolling one), but without the link's own address (`link`:
    the address to the subscribe page of a measure, as a served feed has it): each plan's
    occurrences are gone through once for all of its calendars. The names are the served ones
    (`services.feeds.rendered`, `render_series`): `NAME.ics`, `NAME.todo.ics` (for a calendar
    with tasks), `NAME.serie.ics` (for a measure or series that Outlook can hold as one)."""
    span = DateSpan(min(p.span.start for p in plans), max(p.span.end for p in plans))
    today = now.astimezone(STOCKHOLM).date()
    window = clamp(rolling_window(plans, today=today, past=settings.past), span)
    shown = [p for p in plans if p.span.start < window[1] and window[0] < p.span.end] or plans[-1:]
    years = sorted({p.year for p in shown})
    per_plan = []
    for plan in shown:
        scopes = all_scopes(plan.schedule, year_in_titles=False)
        events = events_by_scope(plan.schedule, plan.rows, scopes, now=now, window=DateSpan(*window),
                                 keep_cancelled=settings.keep_cancelled, link=link)  # fmt: skip
        per_plan.append((plan, {scope.name: scope for scope in scopes}, events))
    # The newest plan's occurrences by measure, for its series files (a file per measure and
    # series: each asks for its own only).
    newest_rows: dict[int, list[Occurrence]] = {}
    for row in per_plan[-1][0].rows:
        newest_rows.setdefault(row.measure_id, []).append(row)
    for scope in window_scopes(shown):
        holding = [(plan, named[scope.name], events[scope.name])
                   for plan, named, events in per_plan if scope.name in named]  # fmt: skip
        newest_schedule, newest_scope = holding[-1][0].schedule, holding[-1][1]
        header = feed_header(newest_schedule, newest_scope, refresh=settings.refresh,
                             organizer_email=settings.organizer_email, years=years)  # fmt: skip

        def events_of(brief: bool, holding: list[tuple[PlanFeed, Scope, list[FeedEvent]]] = holding) -> list[FeedEvent]:  # fmt: skip
            if not brief:  # gone through once already, for every calendar
                return [event for _, _, found in holding for event in found]
            return [event for plan, own, _ in holding
                    for event in feed_events(plan.schedule, plan.rows, own, now=now,
                                             window=DateSpan(*window),
                                             keep_cancelled=settings.keep_cancelled, link=link,
                                             brief=True)]  # fmt: skip

        for fmt in (EVENTS, TODOS):
            try:
                feed = rendered(header, events_of, scope.name, fmt, now=now, settings=settings)
            except NotFoundError:
                continue  # no tasks: no to-do list
            yield CalendarFile(feed.filename, feed.body)
        # A series export is one year's rules: the newest shown plan's (as `render_window`).
        newest_plan, newest_named, _ = per_plan[-1]
        series = newest_named.get(scope.name)
        if series is not None:
            own = newest_rows.get(series.measure_id or 0, [])
            found = series_of(
                newest_plan.schedule, own, series, max_rules=settings.series_max_rules
            )
            if found.offered:
                header = feed_header(newest_plan.schedule, series, refresh=settings.refresh,
                                     organizer_email=settings.organizer_email,
                                     years=[newest_plan.year])  # fmt: skip
                yield CalendarFile(
                    f"{series.name}.serie.ics", render_recurring(header, found.events)
                )


@dataclass(frozen=True)
class FolderTask:
    """An organisation whose folder is to be written: what `export_organisation` needs, small
    enough to hand to another process."""

    organisation: str
    plan_ids: tuple[int, ...]
    folder: Path
    state: str  # what its files are made from (`_state`), recorded when they are written


def export_all(
    engine: Engine,
    config: Settings,
    directory: Path,
    *,
    now: datetime,
    workers: int | None = None,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> list[FolderReport]:
    """Every organisation's folder, in organisation order. The folders to write are written by
    `workers` processes (None: as many as pay off, `worker_count`); `progress(done, total)` is
    called as each organisation is done. An organisation whose folder cannot be written has its
    report's `failure` set; every other organisation is written all the same."""
    by_organisation = plans_by_organisation(engine)
    folders = organisation_folders(list(by_organisation))
    base = FeedSettings.from_settings(config)
    day = (now.astimezone(STOCKHOLM).date(), now.date())
    reports: dict[str, FolderReport] = {}
    tasks = []
    for organisation, plan_ids in sorted(by_organisation.items()):
        report = FolderReport(organisation, directory / folders[organisation])
        own = config.for_organisation(organisation)
        states = [schedule_state(engine, plan_id=plan_id) for plan_id in plan_ids]
        state = _state(states, day, base, repr(own))
        if _unchanged_since(report, state):
            reports[organisation] = report
        else:
            tasks.append(FolderTask(organisation, tuple(plan_ids), report.folder, state))
    total = len(by_organisation)
    progress(len(reports), total)
    count = worker_count(len(tasks)) if workers is None else max(1, min(workers, len(tasks)))
    if count > 1:
        written: Iterator[FolderReport] = in_workers(
            engine, config, tasks, now=now, workers=count, job=export_folder
        )
    else:
        written = (export_folder(engine, config, task, now=now) for task in tasks)
    for report in written:
        reports[report.organisation] = report
        if report.details:  # an error of ours: its traceback for the error log
            logger.error("feeds export: %s: %s\n%s", report.organisation, report.failure,
                         report.details)  # fmt: skip
        progress(len(reports), total)
    return [reports[organisation] for organisation in sorted(reports)]


def export_folder(engine: Engine, config: Settings, task: FolderTask, *, now: datetime) -> FolderReport:  # fmt: skip
    """`export_organisation`, with what stops it reported instead of raised, so the other
    organisations are written all the same (in a worker process too: the report is plain
    values)."""
    try:
        return export_organisation(engine, config, task, now=now)
    except SchedulerError as exc:
        return FolderReport(task.organisation, task.folder, failure=str(exc),
                            exit_code=exc.exit_code)  # fmt: skip
    except Exception as exc:  # an error of ours with this organisation's data: the others go on
        return FolderReport(task.organisation, task.folder,
                            failure=f"oväntat fel ({exc.__class__.__name__})", exit_code=1,
                            details=traceback.format_exc())  # fmt: skip


def export_organisation(engine: Engine, config: Settings, task: FolderTask, *, now: datetime) -> FolderReport:  # fmt: skip
    """One organisation's folder: its calendars written (those whose bytes changed), the files
    of calendars gone removed once every file is written, and its state recorded."""
    report = FolderReport(task.organisation, task.folder)
    plans = []
    for plan_id in task.plan_ids:
        schedule = plan_schedule(engine, config, plan_id=plan_id)
        rows = list_occurrences(engine, plan_id=plan_id)
        plans.append(PlanFeed(schedule, rows, plan_span(schedule, rows)))
    settings = organiser_settings(FeedSettings.from_settings(config), config, plans[-1])
    folder = open_subfolder(task.folder.parent, task.folder.name)
    assert folder is not None  # made when missing
    with folder:
        existing = _existing(folder)
        for feed in organisation_feeds(plans, now=now, settings=settings):
            _write(report, folder, feed, existing)
        _remove_stale(report, folder, existing)
        _record(report, folder, task.state)
    return report


def _state(plan_states: list[str], day: tuple[date, date], settings: FeedSettings, config: str) -> str:  # fmt: skip
    """What an organisation's files are made from: its plans as stored (what `FeedService`
    rechecks), the day (the window and the feed cache move by day), the feed settings and the
    organisation's configuration (names of roles, addresses), and the program's version."""
    text = "\x1f".join([__version__, *plan_states, repr(day), repr(settings), config])
    return hashlib.sha256(text.encode()).hexdigest()


def _unchanged_since(report: FolderReport, state: str) -> bool:
    """Whether the folder already holds the files of `state`, every one of them at the size it
    was written (a file a crash of the machine left empty or short is made again: the files are
    written without fsync, scheduler/base/files.py): then nothing is rendered or written, and they
    count as unchanged. A folder that is missing or cannot be opened as one (a link) is not:
    writing it says why."""
    try:
        folder = open_subfolder(report.folder.parent, report.folder.name, create=False)
    except SchedulerError:
        return False
    if folder is None:
        return False
    with folder:
        try:
            recorded, *lines = (folder.read(STATE_FILE) or b"").decode("utf-8").split("\n")
        except (SchedulerError, UnicodeDecodeError):
            return False
        if recorded != state:
            return False
        names = []
        for line in lines:
            name, _, size = line.rpartition(" ")
            if not name or str(folder.size(name)) != size:
                return False
            names.append(name)
    report.names.update(names)
    report.unchanged = len(names)
    return True


def _record(report: FolderReport, folder: Folder, state: str) -> None:
    """The folder's state and its files with their sizes, for the next run's `_unchanged_since`."""
    lines = [state, *(f"{name} {report.sizes[name]}" for name in sorted(report.names))]
    folder.write(STATE_FILE, "\n".join(lines).encode())


def _existing(folder: Folder) -> set[str]:
    """The folder's calendar files (and a killed run's temporary ones) before this export: read
    once, so a new file is written without first trying to read it, and what this export did not
    write is removed. Regular files only: a link there is not the export's."""
    return {name for name in folder.regular_files() if name.endswith(".ics")}


def _write(report: FolderReport, folder: Folder, rendered: CalendarFile, existing: set[str]) -> None:  # fmt: skip
    report.names.add(rendered.filename)
    report.sizes[rendered.filename] = len(rendered.body)
    if rendered.filename in existing and folder.read(rendered.filename) == rendered.body:
        report.unchanged += 1
        return
    folder.write(rendered.filename, rendered.body)
    report.written += 1


def _remove_stale(report: FolderReport, folder: Folder, existing: set[str]) -> None:
    """The calendar files of the folder that this export did not write (the temporary files a
    killed run may have left start with a dot and end in .ics too)."""
    for name in existing - report.names:
        if folder.remove(name) and not name.startswith("."):
            report.removed += 1
