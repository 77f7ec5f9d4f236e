"""The `scheduler` command: builds the parser from the command modules and runs one command.

Every error a user can cause is a `SchedulerError`, turned into one Swedish line and an exit code
here. Anything else is a fault of ours: the last-resort handler prints one line with a reference
and writes the traceback, tagged with it, to the error log (`scheduler.commands.logs`). No traceback reaches
the user.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import traceback
from collections.abc import Sequence

from scheduler import __version__
from scheduler.base.errors import ResourceError, SchedulerError
from scheduler.commands import accounts, arshjul, cadence, db, feeds, followup, logs, plan, remind
from scheduler.commands.context import Choice, Command, Context
from scheduler.commands.parser import SwedishParser

log = logging.getLogger(__name__)

LOG_LEVEL = Choice(logs.LEVELS_SV)
UNEXPECTED = 1
# Letters and digits that cannot be mistaken for each other when read out over the phone.
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def build_parser() -> SwedishParser:
    parser = SwedishParser(
        prog="scheduler",
        description="Åtgärdsplanens schemaläggare: möten, kalendrar, påminnelser och uppföljning.",
    )
    parser.add_argument(
        "--config", help="konfigurationsfil (annars $SCHEDULER_CONFIG eller ./config.toml)"
    )
    parser.add_argument("--log-level", type=LOG_LEVEL, metavar="NIVÅ",
                        help=f"vad som loggas på stderr: {LOG_LEVEL.listing()} "
                             "(annars varning, för serve information)")  # fmt: skip
    parser.add_argument("--log-file", metavar="FIL",
                        help=f"fellogg med detaljer (annars ${logs.ENV_LOG_FILE} eller "
                             "~/.local/state/scheduler/scheduler.log)")  # fmt: skip
    parser.add_argument("--version", action="version", version=f"scheduler {__version__}",
                        help="visa versionen och avsluta")  # fmt: skip
    _organisation_option(parser, default=None)
    commands = parser.add_subparsers(dest="command", metavar="KOMMANDO")
    for module in (plan, cadence, arshjul, feeds, remind, followup, accounts, db):
        module.register(commands)
    for command in _subparsers(parser):
        # After the command too (`scheduler agenda --organisation norrmalm`); SUPPRESS keeps the
        # value given before the command when it is not repeated after it.
        _organisation_option(command, default=argparse.SUPPRESS)
    return parser


ORGANISATION_HELP = (
    "vilken organisation (kort eller fullt namn i config.toml); behövs när flera är konfigurerade"
)


def _organisation_option(parser: argparse.ArgumentParser, *, default: object) -> None:
    parser.add_argument("--organisation", metavar="NAMN", default=default, help=ORGANISATION_HELP)


def _subparsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """Every command and subcommand parser under `parser`."""
    found: list[argparse.ArgumentParser] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found += [sub, *_subparsers(sub)]
    return found


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except SchedulerError as exc:
        return _told(exc)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    serving = args.command == "serve"
    with logs.configured(args.log_level, serving=serving, log_file=args.log_file) as setup:
        return _run(args.run, args, setup)


def _run(run: Command, args: argparse.Namespace, setup: logs.LogSetup) -> int:
    try:
        code = run(args, Context(args.config, organisation=args.organisation))
        sys.stdout.flush()  # output that cannot be written is this run's failure, not the exit's
        return code
    except SchedulerError as exc:
        return _told(exc)
    except KeyboardInterrupt:
        print("Avbrutet.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `scheduler agenda | head`: the reader has all it wanted
        sys.stderr.close()
        return 0
    except OSError as exc:
        if exc.filename is None:
            return _unexpected(exc, setup)
        # A file or folder the system refused that no command foresaw: still the user's to fix.
        return _told(ResourceError.from_os_error(exc))
    except Exception as exc:
        busy = _busy(exc)
        return _told(busy) if busy is not None else _unexpected(exc, setup)


def _busy(exc: Exception) -> SchedulerError | None:
    """A database busy with another process's work (its own exit code, to try again), as the
    store tells it; None for any other error."""
    # Imported here: a command that never opened the store does not load SQLAlchemy for this.
    from scheduler.services.database import busy_error

    return busy_error(exc)


def _told(exc: SchedulerError) -> int:
    print(f"Fel: {exc}", file=sys.stderr)
    return exc.exit_code


def _unexpected(exc: Exception, setup: logs.LogSetup) -> int:
    """A fault of ours: one line for the user, the traceback in the error log under a reference."""
    reference = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    log.error(
        "unexpected error, reference %s", reference, exc_info=exc, extra={logs.TOLD_USER: True}
    )
    if setup.error_log_written():
        where = f"Detaljer i loggen {setup.error_log}, referens {reference}."
    else:  # the log cannot be written either: the traceback must not be lost
        traceback.print_exception(exc, file=sys.stderr)
        where = f"Loggen {setup.error_log} går inte att skriva; detaljerna står ovan, referens {reference}."
    print(f"Fel: oväntat fel ({exc.__class__.__name__}). {where}", file=sys.stderr)
    _drop_unwritten_output()
    return UNEXPECTED


def _drop_unwritten_output() -> None:
    """Python flushes stdout once more at exit; when writing it is what failed, that flush would
    fail again and print an English "Exception ignored" after our line. Send the rest nowhere."""
    try:
        sys.stdout.flush()
        return  # output is fine: what the command printed before it failed stays
    except (OSError, ValueError):
        pass
    try:
        fileno = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (tests capture into a StringIO)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fileno)
    finally:
        os.close(devnull)
