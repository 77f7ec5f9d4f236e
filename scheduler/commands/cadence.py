"""cadence (how a När is read) and agenda (every dated meeting and task of the plan)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any, cast

from scheduler.base.errors import NotFoundError, StoreNotReadyError, UsageError
from scheduler.base.swedish import count
from scheduler.base.time import STOCKHOLM
from scheduler.commands.context import Context, date_argument, now_utc, year_argument
from scheduler.model.display_words import CADENCE_KIND_WORDS, kind_word
from scheduler.model.occurrence import OccurrenceStatus
from scheduler.model.stored import StoredPlan


def plan_year(ctx: Context) -> int:
    """The year a När is placed in without --year: this year's if a plan for it is imported,
    else the newest plan's, else this year. (With several organisations, the one named by --organisation.)

    A SQLite file that does not exist holds no plan: this year, without loading the store (nor
    creating the file). A database not yet upgraded holds none either."""
    this_year = now_utc().astimezone(STOCKHOLM).year
    if not _may_hold_a_plan(ctx.settings.database_url):
        return this_year
    for year in (this_year, None):
        try:
            return ctx.plan(year).plan.year
        except NotFoundError:
            continue
        except (StoreNotReadyError, UsageError):  # not upgraded; several organisations, none named
            break
    return this_year


def _may_hold_a_plan(url: str) -> bool:
    """False for an in-memory SQLite database or a SQLite file that is not there."""
    from pathlib import Path

    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return True
    path = url[len(prefix) :].split("?", 1)[0]
    return bool(path) and path != ":memory:" and Path(path).is_file()


def cmd_cadence(args: argparse.Namespace, ctx: Context) -> int:
    # Only the pure cadence engine: reading a När needs no database (and loads none unless
    # there is one to take the plan's year from).
    from scheduler.cadence import CalendarPolicy, describe_cadence
    from scheduler.cadence.wording import frequency_text

    year = args.year or plan_year(ctx)
    result = describe_cadence(
        args.text, year=year, policy=CalendarPolicy.from_section(ctx.settings.calendar)
    )
    if args.json:
        ctx.print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    ctx.print(f"«{result['text']}»")
    flags = [CADENCE_KIND_WORDS.get(str(result["kind"]), str(result["kind"]))]
    if result["as_needed"] and result["kind"] != "as_needed":
        flags.append("samt vid behov")
    if result["continuous"] and result["kind"] != "continuous":
        flags.append("därefter löpande")
    occurrences = count(cast(int, result["occurrences"]), "tillfälle")
    ctx.print(f"Typ: {', '.join(flags)}  ·  {occurrences} {year}")
    if result["deadline"]:
        ctx.print(f"Klart senast: {result['deadline']}")
    for series in result["series"]:  # type: ignore[attr-defined]
        label = series["label"] or "Serie"
        often = frequency_text(series["count"], series["per"], series["interval"])
        ctx.print(f"  {label}: {often}  ·  RRULE {series['rrule']}")
        ctx.print("    " + ", ".join(series["dates"]))
    for warning in result["warnings"]:  # type: ignore[attr-defined]
        ctx.print(f"Obs: {warning}")
    return 0


def _agenda_plans(args: argparse.Namespace, ctx: Context) -> list[StoredPlan]:
    """The plans the agenda reads: `--year`'s; without it, every plan of a year that --from/--to
    span (in time, December and January of two plans come in one list); with neither, the
    newest plan."""
    if args.year or not (args.from_date or args.to_date):
        return [ctx.plan(args.year)]
    first_year = (args.from_date or args.to_date).year
    last_year = (args.to_date or args.from_date).year
    plans = []
    for year in range(first_year, last_year + 1):
        try:
            plans.append(ctx.plan(year))
        except NotFoundError:
            continue
    if not plans:
        years = str(first_year) if first_year == last_year else f"{first_year}–{last_year}"
        raise NotFoundError(f"Det finns ingen plan för {years}.")
    return plans


def cmd_agenda(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.base.templating import swedish_date
    from scheduler.plan.review import lexicon_for
    from scheduler.services.agenda import agenda_entries

    plans = _agenda_plans(args, ctx)
    first: date = args.from_date or date(plans[0].plan.year, 1, 1)
    last: date = args.to_date or date(plans[-1].plan.year, 12, 31)
    if last < first:
        raise UsageError("--to ligger före --from.")
    role = None
    if args.role:
        role = lexicon_for(ctx.config).canonical(args.role) or args.role
    found = agenda_entries(ctx.engine, ctx.config, [stored.id for stored in plans], now=now_utc(),
                   first=first, last=last)  # fmt: skip
    entries: list[dict[str, Any]] = []
    for item in found:
        if role and role.casefold() not in {r.casefold() for r in item.participants}:
            continue
        row = item.occurrence
        entries.append({
            "uid": row.uid, "date": item.day.isoformat(),
            "start": None if row.all_day else row.start.astimezone(STOCKHOLM).isoformat(),
            "end": None if row.all_day else row.end.astimezone(STOCKHOLM).isoformat(),
            "all_day": row.all_day, "kind": row.kind, "status": row.status,
            "area": item.area, "title": item.title, "series": row.series_label,
            "convener": item.convener, "participants": list(item.participants),
            "location": row.location, "sequence": row.sequence,
        })  # fmt: skip
    entries.sort(key=lambda entry: (entry["date"], entry["start"] or "", entry["uid"]))
    if args.json:
        ctx.print(json.dumps(entries, ensure_ascii=False, indent=2))
        return 0
    if not entries:
        ctx.print(f"Inga möten eller uppgifter mellan {first} och {last}.")
        return 0
    for entry in entries:
        when = "heldag" if entry["all_day"] else entry["start"][11:16]
        what = kind_word(entry["kind"]).capitalize()
        series = f" – {entry['series']}" if entry["series"] else ""
        status = " (INSTÄLLT)" if entry["status"] == OccurrenceStatus.CANCELLED else ""
        ctx.print(f"{swedish_date(date.fromisoformat(entry['date'])):28} {when:6}  {what}: {entry['title']}{series}{status}"
                  f"  · sammankallande: {entry['convener'] or 'saknas'}")  # fmt: skip
    ctx.print(f"\n{count(len(entries), 'möte eller uppgift', 'möten och uppgifter')}.")
    return 0


def register(commands: Any) -> None:
    sub = commands.add_parser("cadence", help="visa hur en När-text tolkas")
    sub.add_argument("text", metavar="TEXT")
    sub.add_argument(
        "--year",
        type=year_argument,
        help="år att placera tillfällena i (annars planens år: årets plan, annars den nyaste)",
    )
    sub.add_argument("--json", action="store_true")
    sub.set_defaults(run=cmd_cadence)

    sub = commands.add_parser("agenda", help="alla daterade möten och uppgifter i planen")
    sub.add_argument("--from", dest="from_date", type=date_argument, metavar="DATUM")
    sub.add_argument("--to", dest="to_date", type=date_argument, metavar="DATUM")
    sub.add_argument("--role", help="bara det rollen sammankallar eller deltar i")
    sub.add_argument("--year", type=year_argument)
    sub.add_argument("--json", action="store_true")
    sub.set_defaults(run=cmd_agenda)
