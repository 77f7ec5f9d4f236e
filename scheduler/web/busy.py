"""A busy database answered as one: 503 with Retry-After and a Swedish page, never a 500.

Several districts share one database. While one's import holds the write lock, another's request
waits for it up to `database.busy_timeout_seconds` (scheduler.store.engine); past that the store
says busy (`scheduler.services.database.is_busy`), and the request is told to try again, with
nothing changed.
"""

from __future__ import annotations

import math

from fastapi import Request
from fastapi.responses import PlainTextResponse, Response

from scheduler.services.database import is_busy
from scheduler.settings.model import Settings
from scheduler.web.pages import error_page


def retry_after(config: Settings) -> str:
    """Seconds to wait before trying again: the time a request waits for a lock, whole."""
    return str(max(1, math.ceil(config.database.busy_timeout_seconds)))


def busy_response(request: Request, exc: Exception, *, config: Settings) -> Response:
    """The answer to a request that met a busy database; any other error is raised again, for
    the server's own 500 page and log."""
    if not is_busy(exc):
        raise exc
    headers = {"Retry-After": retry_after(config)}
    if request.url.path.endswith(".ics"):  # a calendar client: plain text, as its other errors
        return PlainTextResponse("Databasen är upptagen; försök igen om en stund.",
                                 status_code=503, headers=headers)  # fmt: skip
    return error_page(503, headers=headers)
