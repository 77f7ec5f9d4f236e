"""Logging, configured once per run by `cli.main`; every other module only calls
`logging.getLogger(__name__)`.

Two destinations:
- stderr: one line per record at the chosen level (`--log-level`; default `warning` for commands,
  `info` for `serve`, so the dispatcher's pass line and uvicorn's access log show). Tracebacks go
  to stderr only when serving (stderr is then the operator's log) or at `debug`: a coordinator
  running a command sees one `Fel:` line, not a traceback.
- the error log file: every record at `error` or above, with its traceback
  (`--log-file`, else `$SCHEDULER_LOG_FILE`, else `$XDG_STATE_HOME/scheduler/scheduler.log`, i.e.
  `~/.local/state/scheduler/scheduler.log`). It is opened only when something is written, so a run
  without errors leaves no file.

Secret links (feed tokens, signed answer and follow-up links) are cut out of access-log lines.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ENV_LOG_FILE = "SCHEDULER_LOG_FILE"
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING,
          "error": logging.ERROR}  # fmt: skip
LEVELS_SV = {"debug": "felsökning", "info": "information", "warning": "varning", "error": "fel"}

# Set on a record already told to the user as a `Fel:` line, so stderr does not repeat it.
TOLD_USER = "scheduler_told_user"

# Libraries that say at info what only a developer wants to know (each migration step, each
# scheduler job run); they speak at warning unless the level is debug.
_CHATTY = ("alembic", "apscheduler")
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_SECRET_PATH = re.compile(r"(/(?:feeds|svar|uppfoljning(?:/samordnare)?)/)[^/?#\s]+")


@dataclass(frozen=True)
class LogSetup:
    level: int
    error_handler: ErrorLogHandler
    tracebacks_on_stderr: bool

    @property
    def error_log(self) -> Path:
        return Path(self.error_handler.baseFilename)

    def error_log_written(self) -> bool:
        """Whether the error log holds what was just logged (it may be unwritable)."""
        self.error_handler.flush()
        return self.error_handler.stream is not None and not self.error_handler.failed


def default_log_file(environ: Mapping[str, str]) -> Path:
    if environ.get(ENV_LOG_FILE):
        return Path(environ[ENV_LOG_FILE])
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "scheduler" / "scheduler.log"


def redact(path: str) -> str:
    """A request path without the secret part of a feed, answer or follow-up link."""
    return _SECRET_PATH.sub(r"\1…", path)


class _RedactAccessLog(logging.Filter):
    """uvicorn.access records carry (client, method, path, http version, status) as args."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) >= 3:
            args = list(record.args)
            args[2] = redact(str(args[2]))
            record.args = tuple(args)
        return True


class _OneLineFormatter(logging.Formatter):
    """The record without its traceback: stderr of a command stays readable."""

    def format(self, record: logging.LogRecord) -> str:
        plain = logging.makeLogRecord(record.__dict__)
        plain.exc_info, plain.exc_text, plain.stack_info = None, None, None
        return super().format(plain)


class _NotToldUser(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, TOLD_USER, False)


class ErrorLogHandler(logging.FileHandler):
    """The error log: made (with its folder) on the first record. A log that cannot be written
    is remembered, not reported with a traceback of its own."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.failed = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is None:
                Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
            super().emit(record)
        except OSError:
            self.failed = True

    def handleError(self, record: logging.LogRecord) -> None:
        self.failed = True


def _stderr_handler(level: int, *, tracebacks: bool) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter(_FORMAT) if tracebacks else _OneLineFormatter(_FORMAT))
    if not tracebacks:
        handler.addFilter(_NotToldUser())
    return handler


@contextmanager
def configured(
    level_name: str | None,
    *,
    serving: bool,
    log_file: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Iterator[LogSetup]:
    """Install the handlers for one run and take them away after, so running `main` in-process
    (the tests) leaves the root logger as it found it."""
    env = os.environ if environ is None else environ
    level = LEVELS[level_name or ("info" if serving else "warning")]
    tracebacks = serving or level <= logging.DEBUG
    file_handler = ErrorLogHandler(Path(log_file) if log_file else default_log_file(env))
    file_handler.setLevel(logging.ERROR)
    file_handler.setFormatter(logging.Formatter(_FORMAT))
    handlers = [_stderr_handler(level, tracebacks=tracebacks), file_handler]
    root = logging.getLogger()
    old_level = root.level
    access = logging.getLogger("uvicorn.access")
    access_filter = _RedactAccessLog()
    chatty = {name: logging.getLogger(name).level for name in _CHATTY}
    root.setLevel(level)
    for handler in handlers:
        root.addHandler(handler)
    access.addFilter(access_filter)
    for name in chatty:
        logging.getLogger(name).setLevel(
            max(level, logging.WARNING) if level > logging.DEBUG else level
        )
    try:
        yield LogSetup(level=level, error_handler=file_handler, tracebacks_on_stderr=tracebacks)
    finally:
        for name, old in chatty.items():
            logging.getLogger(name).setLevel(old)
        access.removeFilter(access_filter)
        for handler in handlers:
            root.removeHandler(handler)
            handler.close()
        root.setLevel(old_level)
