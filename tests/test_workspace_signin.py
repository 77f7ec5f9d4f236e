"""Signing in to the workspace: the right password opens the pages; a wrong one, a missing form
token, an expired session and too many attempts are each refused with a clear Swedish page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from scheduler.web.session import SESSION_COOKIE
from tests.support.workspace_fixture import (
    PASSWORD,
    USERNAME,
    Workspace,
    log_in,
    login_token,
    page_token,
    seeded_workspace,
)

WRONG = "Fel användarnamn eller lösenord."


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return seeded_workspace(tmp_path, store_url)


def test_the_right_password_opens_the_workspace(workspace: Workspace) -> None:
    http = workspace.client()
    assert http.get("/arshjul").headers["location"] == "/logga-in?orsak=inloggning"
    signed_in = log_in(http)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/plan"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # the site is http://127.0.0.1 here
    page = http.get("/arshjul")
    assert page.status_code == 200
    assert "Kungsholmens stadsdelsförvaltning" in page.text
    assert "Logga ut (anna)" in page.text
    assert 'href="/arshjul" aria-current="page"' in page.text
    assert 'href="/plan">Plan</a>' in page.text


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(workspace: Workspace) -> None:
    http = workspace.client()
    wrong = log_in(http, password="fel-lösenord-123")
    unknown = log_in(http, username="ingen-sådan")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert WRONG in response.text
        assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    assert 'value="ingen-sådan"' in unknown.text  # the username stays typed; never the password
    assert "fel-lösenord-123" not in wrong.text
    assert http.get("/arshjul").status_code == 303


def test_a_form_without_its_token_is_refused(workspace: Workspace) -> None:
    http = workspace.client()
    login_token(http)
    refused = http.post("/logga-in", data={"username": USERNAME, "password": PASSWORD})
    assert refused.status_code == 403
    assert "sidan var för gammal eller öppnades på annat sätt" in refused.text
    forged = http.post("/logga-in", data={"csrf": "x" * 64, "username": USERNAME,
                                          "password": PASSWORD})  # fmt: skip
    assert forged.status_code == 403
    assert http.get("/arshjul").status_code == 303

    assert log_in(http).status_code == 303
    page = http.get("/arshjul")
    no_token = http.post("/logga-ut")
    assert no_token.status_code == 403
    assert "Formuläret kunde inte skickas" in no_token.text
    assert http.get("/arshjul").status_code == 200  # still signed in
    out = http.post("/logga-ut", data={"csrf": page_token(page)})
    assert out.headers["location"] == "/logga-in?orsak=utloggad"
    assert "Du är utloggad." in http.get(out.headers["location"]).text
    assert http.get("/arshjul").status_code == 303


def test_a_session_expires(workspace: Workspace) -> None:
    http = workspace.client()
    assert log_in(http).status_code == 303
    for _ in range(23):  # in use every 20 minutes (the idle timeout is 30): 7 h 40 min
        workspace.clock.now += timedelta(minutes=20)
        assert http.get("/arshjul").status_code == 200
    workspace.clock.now += timedelta(minutes=19)
    assert http.get("/arshjul").status_code == 200  # 7 h 59 min after signing in
    workspace.clock.now += timedelta(minutes=1)  # 8 hours (server.session_hours), however used
    expired = http.get("/arshjul")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/logga-in?orsak=utgangen"
    assert "Din inloggning har gått ut. Logga in igen" in http.get(expired.headers["location"]).text
    # The expired cookie was cleared: the next page asks to sign in, and the download too.
    assert http.get("/arshjul.svg").headers["location"] == "/logga-in?orsak=inloggning"


def test_a_removed_account_or_a_forged_cookie_opens_nothing(workspace: Workspace) -> None:
    http = workspace.client()
    assert log_in(http).status_code == 303
    session = http.cookies[SESSION_COOKIE]
    http.cookies.set(SESSION_COOKIE, session[:-2] + ("AA" if session[-2:] != "AA" else "BB"))
    assert http.get("/arshjul").headers["location"] == "/logga-in?orsak=inloggning"
    http.cookies.set(SESSION_COOKIE, session)
    assert http.get("/arshjul").status_code == 200
    assert workspace.cli("user", "remove", USERNAME).code == 0
    assert http.get("/arshjul").headers["location"] == "/logga-in?orsak=inloggning"


def test_wrong_passwords_are_throttled(workspace: Workspace) -> None:
    http = workspace.client()
    for _ in range(5):
        assert log_in(http, password="fel-lösenord-123").status_code == 401
    throttled = log_in(http)  # the right password, but too soon
    assert throttled.status_code == 429
    assert "För många felaktiga försök med det här användarnamnet. Vänta 30 sekunder" in (
        throttled.text
    )
    assert throttled.headers["retry-after"] == "30"
    assert SESSION_COOKIE not in throttled.headers.get("set-cookie", "")

    workspace.clock.now += timedelta(seconds=31)
    assert log_in(http, password="fel-lösenord-123").status_code == 401  # the sixth wrong one
    workspace.clock.now += timedelta(seconds=59)
    assert log_in(http).status_code == 429  # the delay doubled
    workspace.clock.now += timedelta(seconds=2)
    assert log_in(http).status_code == 303
    # A right password clears the count: one wrong one later is not throttled.
    assert log_in(workspace.client(), password="fel-lösenord-123").status_code == 401
    assert log_in(workspace.client()).status_code == 303
    # Another process sees the same count: it is in the store.
    for _ in range(5):
        assert log_in(workspace.client(), password="fel-lösenord-123").status_code == 401
    assert log_in(workspace.client()).status_code == 429
