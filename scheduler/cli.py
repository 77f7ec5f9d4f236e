"""The `scheduler` command: parse arguments, call the library, print. Messages are Swedish.

Every error a user can cause is a `SchedulerError`, turned into one line and an exit code in
`main`; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from scheduler import __version__
from scheduler.check import check_plan, lexicon_for, responsibilities
from scheduler.config import Config, load_config
from scheduler.errors import SchedulerError, UsageError
from scheduler.plan_view import plan_as_json, plan_as_text
from scheduler.planfile import read_plan, write_plan
from scheduler.store.engine import open_store
from scheduler.store.plans import StoredPlan, find_plan_id, import_plan, load_plan

Command = Callable[[argparse.Namespace, "Context"], int]


class Context:
    """What commands share: the config and the store, opened only when a command needs them."""

    def __init__(self, config_path: str | None, out: Any = None) -> None:
        self._config_path = config_path
        self.out = out or sys.stdout

    @cached_property
    def config(self) -> Config:
        return load_config(self._config_path)

    @cached_property
    def engine(self) -> Engine:
        return open_store(self.config.database_url)

    def plan(self, year: int | None = None) -> StoredPlan:
        return load_plan(self.engine, find_plan_id(self.engine, year=year))

    def print(self, text: str = "") -> None:
        print(text, file=self.out)


def _now() -> datetime:
    return datetime.now(UTC)


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    path = Path(args.path)
    organisation = args.organisation or ctx.config.organisation_name
    read = read_plan(path, year=args.year, organisation=organisation)
    result = import_plan(ctx.engine, read.plan, source=str(path), now=_now())
    for note in read.notes:
        ctx.print(f"Obs: {note}")
    measures = result.added + result.changed + result.unchanged
    if not result.changed_anything:
        ctx.print(f"Planen {result.organisation} {result.year} är redan importerad; inget ändrades "
                  f"({measures} åtgärder).")  # fmt: skip
        return 0
    verb = "Importerade" if result.plan_created else "Uppdaterade"
    ctx.print(f"{verb} {result.organisation} {result.year}: {len(read.plan.areas)} områden, "
              f"{measures} åtgärder ({result.added} nya, {result.changed} ändrade, "
              f"{result.unchanged} oförändrade, {result.retired} borttagna).")  # fmt: skip
    return 0


def cmd_plan(args: argparse.Namespace, ctx: Context) -> int:
    stored = ctx.plan(args.year)
    read = responsibilities(stored.measures, lexicon_for(ctx.config))
    if args.json:
        ctx.print(json.dumps(plan_as_json(stored, read), ensure_ascii=False, indent=2))
    else:
        ctx.print(plan_as_text(stored, read))
    return 0


def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    stored = ctx.plan(args.year)
    findings = check_plan(stored.measures, ctx.config)
    if not findings:
        ctx.print(f"Inget att åtgärda i planen {stored.plan.organisation} {stored.plan.year}.")
        return 0
    ctx.print(f"{len(findings)} saker att se över i planen {stored.plan.year}:")
    for finding in findings:
        where = f"{finding.area} › {finding.measure}: " if finding.measure else ""
        ctx.print(f"  - {where}{finding.message}")
    return 1


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    stored = ctx.plan(args.year)
    path = Path(args.path)
    write_plan(stored.plan, path)
    ctx.print(f"Skrev planen {stored.plan.year} till {path}.")
    return 0


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt år: {text!r}") from None
    if not 2000 <= year <= 2100:
        raise argparse.ArgumentTypeError(f"ogiltigt år: {text!r}")
    return year


class _SwedishParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        raise UsageError(f"{self.prog}: {message} (se «{self.prog} --help»)")


def build_parser() -> argparse.ArgumentParser:
    parser = _SwedishParser(
        prog="scheduler",
        description="Åtgärdsplanens schemaläggare: möten, kalendrar, påminnelser och uppföljning.",
    )
    parser.add_argument(
        "--config", help="konfigurationsfil (annars $SCHEDULER_CONFIG eller ./config.toml)"
    )
    parser.add_argument("--version", action="version", version=f"scheduler {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="KOMMANDO", parser_class=_SwedishParser
    )

    sub = commands.add_parser("import", help="läs in en plan (.xlsx eller .toml)")
    sub.add_argument("path", metavar="FIL")
    sub.add_argument("--year", type=_year, help="planens år, om filen inte anger det")
    sub.add_argument("--organisation", help="organisationens namn, om filen inte anger det")
    sub.set_defaults(run=cmd_import)

    sub = commands.add_parser("plan", help="visa planens områden och åtgärder")
    sub.add_argument("--json", action="store_true", help="maskinläsbar JSON")
    sub.add_argument("--year", type=_year, help="vilket års plan (annars den senaste)")
    sub.set_defaults(run=cmd_plan)

    sub = commands.add_parser("check", help="visa det samordnaren bör se över")
    sub.add_argument("--year", type=_year)
    sub.set_defaults(run=cmd_check)

    sub = commands.add_parser("export", help="skriv planen till .xlsx eller .toml")
    sub.add_argument("path", metavar="FIL")
    sub.add_argument("--year", type=_year)
    sub.set_defaults(run=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "run", None):
            parser.print_help()
            return 2
        run: Command = args.run
        return run(args, Context(args.config))
    except SchedulerError as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("Avbrutet.", file=sys.stderr)
        return 130
