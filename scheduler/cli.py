"""The `scheduler` command: builds the parser from the command modules and runs one command.

Every error a user can cause is a `SchedulerError`, turned into one Swedish line and an exit code
here; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from scheduler import __version__
from scheduler.base.errors import SchedulerError, UsageError
from scheduler.commands import cadence, db, feeds, followup, plan, remind
from scheduler.commands.context import Command, Context


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
    for module in (plan, cadence, feeds, remind, followup, db):
        module.register(commands)
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
    except BrokenPipeError:  # `scheduler agenda | head`: the reader has all it wanted
        sys.stderr.close()
        return 0
