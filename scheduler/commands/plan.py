"""import, plan, check, export, rollover."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scheduler.base.swedish import count, noun
from scheduler.base.time import STOCKHOLM
from scheduler.commands.context import (
    Context,
    helpers_argument,
    moment_argument,
    now_utc,
    year_argument,
)
from scheduler.model.display_words import PLAN_STATE_WORDS
from scheduler.model.stored import PlanState

if TYPE_CHECKING:
    from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule
    from scheduler.services.import_ahead import ReadAhead, ReadOptions

_ITEMS = ("möte eller uppgift", "möten och uppgifter")


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    """One plan file, or many in one process: each its own transaction and its own report (its
    lines then start with the file's name), a file that fails does not stop the others, and the
    exit code is the worst of them."""
    paths = [Path(path) for path in args.paths]
    if len(paths) == 1:
        _import_file(paths[0], args, ctx, ctx.print)
        return 0
    return _import_files(paths, args, ctx)


def _import_files(paths: list[Path], args: argparse.Namespace, ctx: Context) -> int:
    # What every file needs is checked once, before the first: a bad config, an unknown
    # --organisation or an old schema is one error for the whole call, not one per file.
    ctx.organisation_chosen  # noqa: B018 (a name that is not configured raises here)
    ctx.engine  # noqa: B018 (opening the store checks its schema)
    from scheduler.services.database import durable_at_the_end
    from scheduler.services.import_ahead import default_workers, read_ahead

    progress = _ImportProgress(len(paths))
    codes = []
    workers = default_workers(len(paths)) if args.jobs is None else args.jobs
    # Each file its own transaction; all of them on disk before the summary says so. Other
    # processes read and place the next files meanwhile (services/import_ahead.py).
    with (durable_at_the_end(ctx.engine),
          read_ahead(paths, ctx.settings, _read_options(args, ctx), workers=workers) as made):  # fmt: skip
        for path, ahead in zip(paths, made, strict=True):
            codes.append(_import_one_of_many(path, args, ctx, ahead))
            progress.step()
    failed = sum(1 for code in codes if code)
    imported = len(codes) - failed
    ctx.print(f"{count(imported, 'plan', 'planer')} {noun(imported, 'importerad', 'importerade')}, "
              f"{failed} fel")  # fmt: skip
    return max(codes)


def _import_one_of_many(
    path: Path, args: argparse.Namespace, ctx: Context, ahead: ReadAhead | None
) -> int:
    """One file of several: its report lines start with its name, and what is wrong with it is
    told (naming it) and its exit code returned, so the next file is imported all the same.
    `ahead`: the file as a worker read and placed it, if one did."""
    from scheduler.base.errors import PlanFileError, ResourceError, SchedulerError

    try:
        _import_file(path, args, ctx, lambda line: ctx.print(f"{path}: {line}"), ahead)
    except OSError as exc:  # a file the system refused to read, told as the CLI tells it
        if exc.filename is None:
            raise
        refused = ResourceError.from_os_error(exc)
        print(f"Fel: fil {path}: {refused}", file=sys.stderr)
        return refused.exit_code
    except SchedulerError as exc:
        named = isinstance(exc, PlanFileError) and exc.path == str(path)
        print(f"Fel: {exc}" if named else f"Fel: fil {path}: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


class _ImportProgress:
    """Every `EVERY` files a line on stderr, for a person watching a long run: only when
    stderr is a terminal (a log or a test reads the reports, not the count)."""

    EVERY = 25

    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.shown = sys.stderr.isatty() and total > self.EVERY

    def step(self) -> None:
        self.done += 1
        if self.shown and self.done % self.EVERY == 0 and self.done < self.total:
            print(f"… {self.done} av {self.total} filer", file=sys.stderr, flush=True)


def _read_options(args: argparse.Namespace, ctx: Context) -> ReadOptions:
    from scheduler.plan.files.limits import ReadLimits
    from scheduler.services.import_ahead import ReadOptions

    chosen = ctx.organisation_chosen
    default = chosen or (None if ctx.settings.several_organisations else ctx.organisation)
    return ReadOptions(args.year, chosen, default, ReadLimits.from_section(ctx.settings.limits))


def _import_file(
    path: Path,
    args: argparse.Namespace,
    ctx: Context,
    say: Callable[[str], None],
    ahead: ReadAhead | None = None,
) -> None:
    """Import one plan file in one transaction and report it through `say`. `ahead`: the file
    as a worker read and placed it (else it is read here)."""
    from scheduler.base.errors import PlanBudgetError, PlanFileError
    from scheduler.services.refresh import import_and_schedule

    read = ahead.read if ahead is not None else _read_options(args, ctx).read(path)
    organisation = _configured_organisation(ctx, read.plan.organisation, path, say)
    try:
        result, synced = import_and_schedule(
            ctx.engine, ctx.settings.for_organisation(organisation), read.plan, source=str(path),
            now=args.now or now_utc(), force=args.force,
            placed=ahead.placed if ahead is not None else None,
        )  # fmt: skip
    except PlanBudgetError as exc:  # the plan in this file is too large: said of the file
        raise PlanFileError(str(exc), path=str(path)) from None
    for note in read.notes:
        say(f"Obs: {note}")
    if result.state != PlanState.DRAFT and (result.added or result.changed or result.retired):
        when = (
            f" {result.handed_in_at.astimezone(STOCKHOLM):%Y-%m-%d}" if result.handed_in_at else ""
        )
        say(f"Obs: planen {result.organisation} {result.year} är {PLAN_STATE_WORDS[result.state]}{when}; den "
            "inlämnade planen har ändrats. Meddela mottagarna, eller lämna in den igen.")  # fmt: skip
    measures = result.added + result.changed + result.unchanged
    if not result.changed_anything and not synced.changed_anything:
        say(f"Planen {result.organisation} {result.year} är redan importerad; inget ändrades "
            f"({count(measures, 'åtgärd')}).")  # fmt: skip
        return
    verb = "Importerade" if result.plan_created else "Uppdaterade"
    say(f"{verb} {result.organisation} {result.year}: {count(len(read.plan.areas), 'område')}, "
        f"{count(measures, 'åtgärd')} ({count(result.added, 'ny', 'nya')}, "
        f"{count(result.changed, 'ändrad', 'ändrade')}, "
        f"{count(result.unchanged, 'oförändrad', 'oförändrade')}, "
        f"{count(result.retired, 'borttagen', 'borttagna')}).")  # fmt: skip
    say(f"Kalendern: {synced.added} nya, {synced.moved} flyttade och {synced.cancelled} "
        f"inställda möten och uppgifter.")  # fmt: skip
    if synced.reminders:
        say(f"Påminnelser: {synced.reminders} nya, ändrade eller inställda.")


def _configured_organisation(
    ctx: Context, organisation: str, path: Path, say: Callable[[str], None]
) -> str:
    """The plan's organisation as configured: with several, one of them (a misspelt name would
    start a district of its own with no roles); with one, a plan of another name is imported
    with a warning that its roles have no addresses here."""
    from scheduler.base.errors import PlanFileError

    settings = ctx.settings
    found = settings.find_organisation(organisation)
    if found is not None:
        return found
    if settings.several_organisations:
        names = ", ".join(settings.organisation_names)
        raise PlanFileError(
            f"organisationen «{organisation}» finns inte i konfigurationen (där finns {names}). "
            "Rätta namnet i filen, ange --organisation, eller lägg till organisationen i "
            "config.toml. Inget ändrades.",
            path=str(path),
        )
    if settings.organisation.name:
        say(f"Obs: planen gäller {organisation}, men config.toml beskriver "
            f"{settings.organisation.name}: dess roller och adresser används inte för "
            "den här planen.")  # fmt: skip
    return organisation


def cmd_plan(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.plan.review import lexicon_for, responsibilities
    from scheduler.plan.view import plan_as_json, plan_as_text

    stored = ctx.plan(args.year)
    read = responsibilities(stored.measures, lexicon_for(ctx.config))
    if args.json:
        ctx.print(json.dumps(plan_as_json(stored, read), ensure_ascii=False, indent=2))
    else:
        ctx.print(plan_as_text(stored, read))
    return 0


def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services.refresh import plan_schedule
    from scheduler.services.review import review_findings

    stored = ctx.plan(args.year)
    schedule = plan_schedule(ctx.engine, ctx.config, plan_id=stored.id)
    findings = review_findings(schedule, ctx.config, today=now_utc().astimezone(STOCKHOLM).date())
    if not findings:
        ctx.print(f"Inget att åtgärda i planen {stored.plan.organisation} {stored.plan.year}.")
        return 0
    ctx.print(f"{count(len(findings), 'sak', 'saker')} att se över i planen {stored.plan.year}:")
    for finding in findings:
        where = f"{finding.area} › {finding.measure}: " if finding.measure else ""
        ctx.print(f"  - {where}{finding.message}")
    return 1


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.plan.files import write_plan

    stored = ctx.plan(args.year)
    path = Path(args.path)
    write_plan(stored.plan, path)
    ctx.print(f"Skrev planen {stored.plan.year} till {path}.")
    return 0


def cmd_rollover(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.base.errors import NotFoundError, UsageError
    from scheduler.services.plans import find_plan_id
    from scheduler.services.refresh import (
        import_and_schedule,
        plan_schedule,
        refresh_occurrences,
        rolled_over,
        upcoming_year,
    )

    now = now_utc()
    target = args.year or upcoming_year(now.date())
    source = ctx.plan(args.source_year)
    if source.plan.year == target:
        ctx.print(f"Planen för {target} finns redan.")
        refresh_occurrences(ctx.engine, ctx.config, plan_id=source.id, now=now)
        return 0
    organisation = source.plan.organisation
    try:
        find_plan_id(ctx.engine, year=target, organisation=organisation)
    except NotFoundError:
        pass
    else:
        if not args.force:
            raise UsageError(
                f"planen {organisation} {target} finns redan: en rollover från {source.plan.year} "
                f"skulle skriva över den, och det som ändrats i {target} gick förlorat. Lägg till "
                "--force för att skriva över den ändå."
            )
    result, _synced = import_and_schedule(ctx.engine, ctx.config, rolled_over(source.plan, target),
                                         source=f"rollover från {source.plan.year}", now=now,
                                         force=args.force)  # fmt: skip
    before = plan_schedule(ctx.engine, ctx.config, plan_id=source.id)
    after = plan_schedule(ctx.engine, ctx.config, plan_id=result.plan_id)
    verb = "Skapade" if result.plan_created else "Skrev över"
    ctx.print(f"{verb} planen för {target} från {source.plan.year} (utan uppföljningstexter): "
              f"{count(len(after.occurrences), *_ITEMS)}.")  # fmt: skip
    for title, when in _dated_before_not_after(before, after):
        ctx.print(f"Obs: När «{when}» för «{title}» ger inga datum {target}: skriv om den för "
                  "det nya året.")  # fmt: skip
    return 0


def cmd_hand_in(args: argparse.Namespace, ctx: Context) -> int:
    """The plan is handed in: its hand-in task is done and its reminders stop."""
    return _mark(ctx, args.year, PlanState.HANDED_IN)


def cmd_followed_up(args: argparse.Namespace, ctx: Context) -> int:
    return _mark(ctx, args.year, PlanState.FOLLOWED_UP)


def _mark(ctx: Context, year: int | None, state: PlanState) -> int:
    from scheduler.plan.view import state_text
    from scheduler.services.plan_state import mark_plan
    from scheduler.services.plans import load_plan

    stored = ctx.plan(year)
    if stored.state == state:
        ctx.print(
            f"Planen {stored.plan.organisation} {stored.plan.year} är redan {state_text(stored)}."
        )
        return 0
    now = now_utc()
    synced = mark_plan(ctx.engine, ctx.config, stored.id, state, now=now)
    marked = load_plan(ctx.engine, stored.id)
    ctx.print(f"Planen {marked.plan.organisation} {marked.plan.year} är nu {state_text(marked)}.")
    if synced.reminders:
        ctx.print(f"Påminnelser: {synced.reminders} ändrade eller inställda.")
    return 0


def _dated_before_not_after(before: PlanSchedule, after: PlanSchedule) -> list[tuple[str, str]]:
    """Measures whose När gave dates in the source year and gives none in the new one ("Våren
    2024" in 2025): a rollover copies the text, but the reading of it does not carry over."""

    def dated(item: MeasureSchedule) -> bool:
        return any(series.occurrences for series in item.schedule.series)

    had = {item.stored.key for item in before.measures if dated(item)}
    return [(item.stored.measure.title, item.stored.measure.when_text)
            for item in after.measures if item.stored.key in had and not dated(item)]  # fmt: skip


def register(commands: Any) -> None:
    sub = commands.add_parser(
        "import", help="läs in en eller flera planer (.xlsx eller .toml), var och en för sig"
    )
    sub.add_argument("paths", metavar="FIL", nargs="+")
    sub.add_argument("--year", type=year_argument,
                     help="planens år, om filen inte anger det (gäller varje fil)")  # fmt: skip
    _force_argument(sub)
    sub.add_argument("--now", type=moment_argument,
                     help="tidpunkten importen räknar från (påminnelser, det som redan varit), "
                          "t.ex. 2025-03-01T08:00; annars nu")  # fmt: skip
    sub.add_argument("--jobs", type=helpers_argument, metavar="N",
                     help="hur många processer som läser och placerar följande filer medan en "
                          "fil skrivs (standard: en per kärna utom en; 0: inga)")  # fmt: skip
    sub.set_defaults(run=cmd_import)

    sub = commands.add_parser(
        "plan", help="visa planens områden och åtgärder, eller ändra dess tillstånd"
    )
    sub.add_argument("--json", action="store_true", help="maskinläsbar JSON")
    sub.add_argument(
        "--year", type=year_argument, help="vilket års plan (annars årets, annars den senaste)"
    )
    sub.set_defaults(run=cmd_plan)
    marks = sub.add_subparsers(dest="mark", metavar="ÅTGÄRD")
    mark = marks.add_parser(
        "hand-in", help="markera planen som inlämnad (inlämningsuppgiften är klar)"
    )
    mark.add_argument("--year", type=year_argument)
    mark.set_defaults(run=cmd_hand_in)
    mark = marks.add_parser("followed-up", help="markera planen som uppföljd")
    mark.add_argument("--year", type=year_argument)
    mark.set_defaults(run=cmd_followed_up)

    sub = commands.add_parser("check", help="visa det samordnaren bör se över")
    sub.add_argument("--year", type=year_argument)
    sub.set_defaults(run=cmd_check)

    sub = commands.add_parser("export", help="skriv planen till .xlsx eller .toml")
    sub.add_argument("path", metavar="FIL")
    sub.add_argument("--year", type=year_argument)
    sub.set_defaults(run=cmd_export)

    sub = commands.add_parser("rollover", help="kopiera planen till ett annat år, utan uppföljning")
    sub.add_argument("year", nargs="?", type=year_argument,
                     help="målåret (annars innevarande år, eller nästa när året snart är slut)")  # fmt: skip
    sub.add_argument(
        "--from", dest="source_year", type=year_argument, help="källårets plan (annars den senaste)"
    )
    _force_argument(sub, "skriv över målårets plan om den redan finns (och ta bort åtgärder som "
                         "källåret saknar)")  # fmt: skip
    sub.set_defaults(run=cmd_rollover)


def _force_argument(sub: argparse.ArgumentParser, help_text: str | None = None) -> None:
    sub.add_argument("--force", action="store_true",
                     help=help_text or "ta bort fler än hälften av planens åtgärder om filen saknar dem")  # fmt: skip
