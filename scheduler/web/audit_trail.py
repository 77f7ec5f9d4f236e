"""Every change a person makes in the workspace goes into the audit record: who, when, what (the
page's action and the fields posted) and from which address.

Every workspace form that changes something passes `scheduler.web.session.checked_form`, which
notes the coordinator and the form on the request. This middleware writes the event once the
route has answered, and only when it answered with success (a redirect or a page below 400): a
refused or failed post changed nothing, so there is nothing to record.
"""

from __future__ import annotations

from typing import Final

import anyio.to_thread
from sqlalchemy import Engine
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.services.audit import CHANGE, VALUE_CHARS, record
from scheduler.settings.model import Settings
from scheduler.web.deps import AppClock
from scheduler.web.pages import PostedForm
from scheduler.web.session import AUDIT_STATE, UNKNOWN_CLIENT, Coordinator

# What each action is, as /logg says it; a path not here is shown as it is.
ACTIONS: Final = {
    "/plan": "Läste in en plan",
    "/agenda/flytta": "Flyttade ett tillfälle",
    "/agenda/stall-in": "Ställde in ett tillfälle",
    "/lankar": "Skapade en kalenderlänk",
    "/lankar/aterkalla": "Återkallade en kalenderlänk",
    "/uppfoljning": "Startade uppföljningen",
    "/plan/uppfoljd": "Markerade planen som uppföljd",
    "/plan/omraden": "Lade till ett område",
    "/plan/atgard/ny": "Lade till en åtgärd",
    "/plan/lamna-in": "Lämnade in planen",
    "/plan/nytt-ar": "Skapade nästa års plan",
    "/agenda/aterstall": "Återställde ett tillfälle",
    "/roller": "Ändrade en roll",
    "/konton": "Bjöd in ett nytt konto",
    "/konton/behorighet": "Ändrade ett kontos behörighet",
    "/konton/ta-bort": "Tog bort ett konto",
}
# Fields that say nothing about the change (or must not be kept).
UNRECORDED: Final = frozenset({"csrf", "password"})


# Actions whose path carries an id, by the path's start and end.
PATTERNS: Final = (
    ("/plan/atgard/", "/text", "Ändrade en åtgärds texter"),
    ("/plan/atgard/", "/flytta", "Flyttade en åtgärd"),
    ("/plan/atgard/", "/ta-bort", "Tog bort en åtgärd"),
    ("/plan/omraden/", "", "Bytte namn på ett område"),
    ("/plan/historik/", "/aterstall", "Återställde en tidigare version av planen"),
)


def action_of(path: str) -> str:
    if path in ACTIONS:
        return ACTIONS[path]
    for start, end, action in PATTERNS:
        if path.startswith(start) and path.endswith(end):
            return action
    if path.startswith("/plan/atgard/"):
        return "Ändrade en åtgärds schema"
    if path.startswith("/paminnelser/"):
        return "Skickade en påminnelse igen"
    return path


def form_summary(form: PostedForm) -> str:
    """The posted fields as "name: value; …": values cut, files by their name."""
    if form.fields is None:
        return ""
    parts: list[str] = []
    for name, value in form.fields.multi_items():
        if name in UNRECORDED:
            continue
        shown = f"fil {value.filename}" if isinstance(value, UploadFile) else str(value)
        shown = " ".join(shown.split())
        if len(shown) > VALUE_CHARS:
            shown = shown[:VALUE_CHARS] + "…"
        parts.append(f"{name}: {shown}")
    return "; ".join(parts)


class AuditTrail:
    """ASGI middleware: after a successful workspace post, its event in the audit record."""

    def __init__(self, app: ASGIApp, *, engine: Engine, config: Settings, clock: AppClock) -> None:
        self.app = app
        self.engine = engine
        self.config = config
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return

        async def recording_first(message: Message) -> None:
            # The event is written before the response starts, so a client that has its answer
            # (and a test that looks at the tables next) finds the change already recorded.
            if message["type"] == "http.response.start" and int(message["status"]) < 400:
                noted = scope.get("state", {}).get(AUDIT_STATE)
                if noted is not None:
                    coordinator, form = noted
                    await anyio.to_thread.run_sync(self._record, scope, coordinator, form)
            await send(message)

        await self.app(scope, receive, recording_first)

    def _record(self, scope: Scope, coordinator: Coordinator, form: PostedForm) -> None:
        client = scope.get("client")
        address = client[0] if client else UNKNOWN_CLIENT
        path = str(scope.get("path", ""))
        detail = action_of(path)
        summary = form_summary(form)
        record(self.engine, self.config, organisation=coordinator.organisation,
               actor=coordinator.username, address=address, action=CHANGE,
               detail=f"{detail} ({summary})" if summary else detail, now=self.clock())  # fmt: skip
