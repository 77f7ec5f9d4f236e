"""Server-side sessions, against the real server over HTTP (uvicorn in a thread) on SQLite and
PostgreSQL: a copied cookie with its CSRF token stops working at logout, a new password or the
account's removal (for every client at once), a session unused for the idle timeout ends, the
store keeps only the id's hash, and every sign-in gets a new id."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from scheduler.store.tables import FeedTokenRow, SessionRow
from scheduler.web.app import create_app
from scheduler.web.session import SESSION_COOKIE
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.workspace_fixture import (
    PASSWORD,
    USERNAME,
    Workspace,
    log_in,
    page_token,
    seeded_workspace,
)

NEW_PASSWORD = "Blåbärssoppa-vid-Vasaloppet-7"
SIGN_IN = "/logga-in?orsak=inloggning"
EXPIRED = "/logga-in?orsak=utgangen"


@dataclass
class Site:
    workspace: Workspace
    base: str

    def browser(self, cookie: str | None = None) -> httpx.Client:
        """A client of its own (another browser), with a copied session cookie if given."""
        http = httpx.Client(base_url=self.base, follow_redirects=False, timeout=60)
        if cookie:  # as the server's own would be kept: replaced by the next one it sets
            http.cookies.set(SESSION_COOKIE, cookie, domain="127.0.0.1", path="/")
        return http

    def signed_in(self, password: str = PASSWORD) -> tuple[httpx.Client, str, str]:
        """A browser signed in: the client, its session cookie and a page's CSRF token."""
        http = self.browser()
        answer = log_in(http, password=password)
        assert answer.status_code == 303, answer.text
        page = http.get("/lankar")
        assert page.status_code == 200
        return http, http.cookies[SESSION_COOKIE], page_token(page)

    def sessions(self) -> list[SessionRow]:
        with Session(self.workspace.engine) as session:
            return list(session.exec(select(SessionRow)))

    def audiences(self) -> list[str]:
        """Whom the organisation's calendar links were made for, as stored."""
        with Session(self.workspace.engine) as session:
            return list(session.exec(select(FeedTokenRow.audience)))


@pytest.fixture
def site(tmp_path: Path, store_url: str) -> Iterator[Site]:
    workspace = seeded_workspace(tmp_path, store_url)
    app = create_app(workspace.engine, workspace.config, clock=workspace.clock)
    with serving(app, free_port()) as base:
        yield Site(workspace, base)
    workspace.engine.dispose()


def opens_nothing(site: Site, cookie: str, csrf: str) -> None:
    """A copy of the cookie and its token, in another browser: no page, no post."""
    with site.browser(cookie) as thief:
        page = thief.get("/plan")
        assert page.status_code == 303 and page.headers["location"].startswith("/logga-in")
        posted = thief.post("/lankar", data={"csrf": csrf, "mottagare": "Tjuven", "kalender": ""})
        assert posted.status_code == 303 and posted.headers["location"].startswith("/logga-in")
    assert "Tjuven" not in site.audiences()


def test_logout_ends_the_session_for_a_copied_cookie_too(site: Site) -> None:
    http, cookie, csrf = site.signed_in()
    with site.browser(cookie) as copy:  # the copy works while the session lasts
        assert copy.get("/plan").status_code == 200
    out = http.post("/logga-ut", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/logga-in?orsak=utloggad"
    assert http.get("/plan").headers["location"] == SIGN_IN
    opens_nothing(site, cookie, csrf)


def test_the_store_keeps_only_the_ids_hash_and_every_sign_in_gets_a_new_id(site: Site) -> None:
    planted = "planterat-id-" + "x" * 30
    with site.browser(planted) as http:
        assert log_in(http).status_code == 303
        first = http.cookies[SESSION_COOKIE]
        assert first != planted  # no fixation: the id is the server's, and new
        assert log_in(http).status_code == 303
        second = http.cookies[SESSION_COOKIE]
    assert second != first
    assert len(first) >= 43  # 256 random bits
    hashes = {row.id_hash for row in site.sessions()}
    assert hashes == {hashlib.sha256(c.encode()).hexdigest() for c in (first, second)}
    for row in site.sessions():
        assert row.client_address == "127.0.0.1"
        assert row.expires_at == site.workspace.clock.now + timedelta(hours=8)
    stored = " ".join(str(value) for row in site.sessions() for value in row.model_dump().values())
    assert first not in stored and second not in stored


def test_a_new_password_ends_every_session_of_the_account(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk, desk_cookie, desk_csrf = site.signed_in()
    phone, phone_cookie, phone_csrf = site.signed_in()
    monkeypatch.setattr("sys.stdin", io.StringIO(NEW_PASSWORD + "\n"))
    changed = site.workspace.cli("user", "password", USERNAME, "--password-stdin")
    assert changed.code == 0, changed.err
    assert changed.out.strip() == "Nytt lösenord för «anna»; 2 inloggningar avslutades."
    for http, cookie, csrf in ((desk, desk_cookie, desk_csrf), (phone, phone_cookie, phone_csrf)):
        assert http.get("/plan").headers["location"] == SIGN_IN
        opens_nothing(site, cookie, csrf)
    with site.browser() as http:
        assert log_in(http).status_code == 401  # the old password no longer opens anything
        assert log_in(http, password=NEW_PASSWORD).status_code == 303


def test_removing_the_account_ends_its_sessions(site: Site) -> None:
    http, cookie, csrf = site.signed_in()
    assert site.workspace.cli("user", "remove", USERNAME).code == 0
    assert site.sessions() == []
    assert http.get("/plan").headers["location"] == SIGN_IN
    with site.browser(cookie) as thief:
        posted = thief.post("/lankar", data={"csrf": csrf, "mottagare": "Tjuven", "kalender": ""})
        assert posted.status_code == 303 and posted.headers["location"] == SIGN_IN
    assert "Tjuven" not in site.audiences()


def test_an_unused_session_ends_after_the_idle_timeout(site: Site) -> None:
    clock = site.workspace.clock
    http, _cookie, _csrf = site.signed_in()
    signed_in_at = clock.now
    clock.now += timedelta(seconds=50)
    assert http.get("/plan").status_code == 200
    (row,) = site.sessions()
    assert row.last_seen_at == signed_in_at  # used within the minute: not written again
    clock.now += timedelta(minutes=29, seconds=9)  # 29:59 after the sign-in, the last use noted
    assert http.get("/plan").status_code == 200
    (row,) = site.sessions()
    assert row.last_seen_at == clock.now
    clock.now += timedelta(minutes=29, seconds=59)
    assert http.get("/plan").status_code == 200  # in use: the idle time starts over
    clock.now += timedelta(minutes=30, seconds=1)
    ended = http.get("/plan")
    assert ended.status_code == 303 and ended.headers["location"] == EXPIRED
    assert "Din inloggning har gått ut" in http.get(EXPIRED).text
    assert site.sessions() == []  # the ended session's row is gone


def test_ended_sessions_are_purged_when_someone_signs_in(site: Site) -> None:
    clock = site.workspace.clock
    for _ in range(3):  # three browsers that were closed without logging out
        site.signed_in()[0].close()
    assert len(site.sessions()) == 3
    clock.now += timedelta(minutes=31)
    site.signed_in()
    assert len(site.sessions()) == 1
