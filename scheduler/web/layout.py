"""The workspace's pages share a layout (templates/web/workspace.html): the organisation's name on
top, the navigation between the pages that exist (a reader's without the coordinators' pages),
and the logout button."""

from __future__ import annotations

from typing import Any

from fastapi.responses import HTMLResponse

from scheduler.web.pages import render
from scheduler.web.session import Coordinator

# The workspace's pages, in the navigation's order; only pages that exist.
NAV = (
    ("/plan", "Plan"),
    ("/agenda", "Agenda"),
    ("/lankar", "Länkar"),
    ("/paminnelser", "Påminnelser"),
    ("/uppfoljning", "Uppföljning"),
    ("/arshjul", "Årshjul"),
    ("/logg", "Logg"),
)
# The pages only coordinators see: a reader's navigation leaves them out.
COORDINATORS_ONLY = frozenset({"/lankar", "/paminnelser", "/logg"})
# Where a signed-in coordinator starts: the first page of the navigation.
HOME = NAV[0][0]


def nav_of(coordinator: Coordinator) -> tuple[tuple[str, str], ...]:
    if not coordinator.reader:
        return NAV
    return tuple((href, label) for href, label in NAV if href not in COORDINATORS_ONLY)


def workspace_page(template: str, coordinator: Coordinator, *, current: str, status: int = 200,
                   **context: Any) -> HTMLResponse:  # fmt: skip
    return render(template, status, coordinator=coordinator, nav=nav_of(coordinator),
                  current=current, **context)  # fmt: skip


def workspace_message(coordinator: Coordinator, *, title: str, text: str, status: int) -> HTMLResponse:  # fmt: skip
    return workspace_page("workspace_message.html", coordinator, current="", status=status,
                          title=title, text=text)  # fmt: skip


def stale_form(coordinator: Coordinator) -> HTMLResponse:
    """A workspace form posted without its token (another site, or a page from an old session)."""
    return workspace_message(coordinator, title="Formuläret kunde inte skickas", status=403,
                             text="Formuläret kunde inte skickas eftersom sidan var för gammal "
                             "eller öppnades på annat sätt. Inget ändrades. Ladda om sidan och "
                             "försök igen.")  # fmt: skip


def read_only(coordinator: Coordinator) -> HTMLResponse:
    """A reader's post, or a reader at a coordinator's page."""
    return workspace_message(coordinator, title="Du kan läsa men inte ändra", status=403,
                             text="Ditt konto är ett läsarkonto: du ser planen, agendan, årshjulet "
                             "och uppföljningen, men kan inte ändra något. Inget ändrades. Behöver "
                             "du ändra, be organisationens samordnare.")  # fmt: skip
