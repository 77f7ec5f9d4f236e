"""One exception family for everything a user can cause.

Each subclass carries its exit code; the CLI and the web edge turn them into a Swedish message
in one place. Messages are written for the coordinator, so they say what is wrong and where.
"""

from __future__ import annotations

import errno


class SchedulerError(Exception):
    """Base for errors a user can cause and fix; never a programming error."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class PlanFileError(SchedulerError):
    """A plan file (.toml or .xlsx) that cannot be read. The message names file, sheet, row, column."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        path: str,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.path = path
        self.sheet = sheet
        self.row = row
        self.column = column
        where = [f"fil {path}"]
        if sheet is not None:
            where.append(f"flik «{sheet}»")
        if row is not None:
            where.append(f"rad {row}")
        if column is not None:
            where.append(f"kolumn {column}")
        super().__init__(f"{', '.join(where)}: {message}")


class PlanBudgetError(SchedulerError):
    """A plan larger than `[limits]` lets one plan be (too many measures, or meetings and tasks
    in its year). The message names the measure that would exceed it and the key to raise."""

    exit_code = 2


class ConfigError(SchedulerError):
    """A bad config.toml or environment variable. The message names the key."""

    exit_code = 2


class UsageError(SchedulerError):
    """A command used wrongly (unknown role, bad date, missing plan)."""

    exit_code = 2


class NotFoundError(SchedulerError):
    """Something asked for by name or token does not exist."""

    exit_code = 3


class UnboundLinkError(NotFoundError):
    """A calendar link made before there could be several organisations, which the database
    cannot tie to one: it is gone for good (the web answers 410), and a new link is needed."""


class ResourceError(SchedulerError):
    """The operating system refused: a file or folder that cannot be written, a port in use."""

    exit_code = 4

    @classmethod
    def from_os_error(cls, exc: OSError, path: object | None = None) -> ResourceError:
        """One line naming the path (the one asked for, not a temporary file) and the reason."""
        where = path if path is not None else exc.filename
        reason = os_reason(exc)
        return cls(f"«{where}» går inte att använda: {reason}." if where else f"{reason}.")


_OS_REASONS = {
    errno.EACCES: "åtkomst nekad",
    errno.EPERM: "åtgärden är inte tillåten här",
    errno.EROFS: "filsystemet är skrivskyddat",
    errno.ENOSPC: "disken är full",
    errno.EDQUOT: "diskkvoten är slut",
    errno.ENOTDIR: "en del av sökvägen är en fil, inte en mapp",
    errno.EISDIR: "det är en mapp, inte en fil",
    errno.EEXIST: "det finns redan något med det namnet",
    errno.ENOENT: "finns inte",
    errno.ENAMETOOLONG: "namnet är för långt",
    errno.EADDRINUSE: "adressen används redan",
    errno.EADDRNOTAVAIL: "adressen finns inte på den här datorn",
}


def os_reason(exc: OSError) -> str:
    """The operating system's reason in Swedish; unknown ones keep the system's own words."""
    if exc.errno in _OS_REASONS:
        return _OS_REASONS[exc.errno]
    return exc.strerror or exc.__class__.__name__


class StoreNotReadyError(SchedulerError):
    """The database's schema is not the one this code expects: `scheduler db upgrade` fixes it."""

    exit_code = 5


class StoreError(SchedulerError):
    """The database cannot be used as configured (unreachable, read-only, not a database), or
    refused what was asked of it. Nothing was changed."""

    exit_code = 2


class StoreBusyError(StoreError):
    """Another process holds the lock this one waited for, longer than
    `database.busy_timeout_seconds`: nothing was changed, and the same thing can be tried again
    in a moment. Its own exit code, 75 (EX_TEMPFAIL in sysexits.h, "try again later"), so a
    script or cron job can tell it from a real failure; the web answers 503 with Retry-After."""

    exit_code = 75
