"""Preview and confirm: an action that emails people or changes many dates happens in two POSTs.

The first POST (without `bekraftat=ja`) only computes what would happen and shows it on a
preview page: nothing is stored and nothing is sent. The preview's form posts the same fields
again with `bekraftat=ja`, and only that second POST does it. A route uses it so:

    if not confirmed(form):
        return preview_page(request, coordinator, Preview(title=…, action=request.url.path, …))
    … do it …

The page is templates/web/confirm.html; a page of its own that wants the box inside it includes
templates/web/_confirm.html and calls its `confirm_box(preview, csrf)` macro."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from scheduler.web.layout import workspace_page
from scheduler.web.pages import PostedForm
from scheduler.web.session import Coordinator, nothing_changed

CONFIRM_FIELD = "bekraftat"
CONFIRMED = "ja"
# Fields a preview never carries forward: the confirmation itself and the form's token, which
# the preview's form writes afresh.
_NOT_CARRIED = frozenset({CONFIRM_FIELD, "csrf"})


def confirmed(form: PostedForm) -> bool:
    """True only for the second POST, the one the preview's button sends."""
    return form.text(CONFIRM_FIELD) == CONFIRMED


def carried(form: PostedForm, *, leave_out: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The posted text fields, repeated names kept (checkboxes), to post again on confirming."""
    if form.fields is None:
        return []
    skip = _NOT_CARRIED | set(leave_out)
    return [(name, value) for name, value in form.fields.multi_items()
            if name not in skip and not isinstance(value, UploadFile)]  # fmt: skip


@dataclass(frozen=True)
class Listing:
    """A headed list on the preview: the recipients, the meetings that move, …"""

    heading: str
    items: list[str]
    empty: str = "Inga."


@dataclass(frozen=True)
class Preview:
    """What the first POST shows. `action` is where the confirming form posts (with `fields`
    and `bekraftat=ja`); `back` where "Avbryt" leads, changing nothing."""

    title: str
    action: str
    button: str
    back: str
    lines: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)
    fields: list[tuple[str, str]] = field(default_factory=list)


def here(request: Request) -> str:
    """The address the preview was asked at, query and all: where its confirming POST goes."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def preview_page(request: Request, coordinator: Coordinator, preview: Preview, *, current: str) -> HTMLResponse:  # fmt: skip
    """The preview as a page of its own (200: nothing went wrong, nothing was done, so nothing
    goes into the audit record either)."""
    nothing_changed(request)
    return workspace_page("confirm.html", coordinator, current=current, preview=preview)
