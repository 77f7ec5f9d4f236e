"""Signing in to the coordinator's workspace (/logga-in) and out (/logga-ut).

A wrong password and an unknown username get the same answer. After too many wrong passwords for
a username, no attempt for it is checked until the delay has passed (scheduler.services.accounts).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scheduler.services.accounts import sign_in
from scheduler.web.layout import HOME
from scheduler.web.pages import PAGE_METHODS, PostedForm, posted_form, render
from scheduler.web.session import (
    Coordinator,
    checked_form,
    current_coordinator,
    end_session,
    keep_login_nonce,
    login_csrf,
    login_csrf_matches,
    login_nonce,
    start_session,
)

router = APIRouter()

REASONS = {
    "inloggning": ("info", "Logga in för att se sidan."),
    "utgangen": ("info", "Din inloggning har gått ut. Logga in igen för att fortsätta."),
    "utloggad": ("ok", "Du är utloggad."),
}
WRONG = "Fel användarnamn eller lösenord. Kontrollera stavningen och försök igen."
STALE_FORM = ("Inloggningen kunde inte göras eftersom sidan var för gammal eller öppnades på "
              "annat sätt. Sidan är laddad på nytt: fyll i användarnamn och lösenord igen.")  # fmt: skip
EMPTY = "Fyll i både användarnamn och lösenord."


def _wait_text(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return f"{seconds} sekunder"
    return f"{math.ceil(seconds / 60)} minuter"


def login_page(request: Request, *, status: int = 200, error: str | None = None,
               username: str = "", headers: dict[str, str] | None = None) -> Response:  # fmt: skip
    reason = REASONS.get(request.query_params.get("orsak", ""))
    nonce = login_nonce(request)
    response = render("login.html", status, error=error, notice=None if error else reason,
                      username=username, csrf=login_csrf(request, nonce))  # fmt: skip
    response.headers.update(headers or {})
    keep_login_nonce(request, response, nonce)
    return response


@router.api_route("/logga-in", methods=PAGE_METHODS, response_class=HTMLResponse)
def login_form(request: Request) -> Response:
    return login_page(request)


@router.post("/logga-in", response_class=HTMLResponse)
def login(request: Request, form: Annotated[PostedForm, Depends(posted_form)]) -> Response:
    username = form.text("username").strip()
    if form.fields is None or not login_csrf_matches(request, form.fields.get("csrf")):
        return login_page(request, status=403, error=STALE_FORM, username=username)
    password = form.text("password")
    if not username or not password:
        return login_page(request, status=400, error=EMPTY, username=username)
    app = request.app
    result = sign_in(app.state.engine, username=username, password=password, now=app.state.clock())
    if result.wait is not None:
        text = (f"För många felaktiga försök med det här användarnamnet. Vänta "
                f"{_wait_text(result.wait)} och försök sedan igen.")  # fmt: skip
        retry = str(max(1, math.ceil(result.wait.total_seconds())))
        return login_page(request, status=429, error=text, username=username,
                          headers={"Retry-After": retry})  # fmt: skip
    if result.account is None:
        return login_page(request, status=401, error=WRONG, username=username)
    response = RedirectResponse(HOME, status_code=303)
    start_session(request, response, result.account)
    return response


@router.post("/logga-ut", response_class=HTMLResponse)
def logout(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(current_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
) -> Response:
    response = RedirectResponse("/logga-in?orsak=utloggad", status_code=303)
    end_session(response)
    return response
