"""Signing in through the organisation's identity provider, driven over HTTP against real OpenID
providers (npm oidc-provider, tests/support/oidc_provider.py): the roles the claims give, the tokens that
are refused (another organisation's provider, another audience, expired, a bad nonce, a replayed
answer), key rotation, sessions that end within the hour, switched-off passwords, and what the
audit record keeps. The browser drives the same flow in tests/test_oidc_browser.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from scheduler.services.accounts import all_accounts, create_account
from scheduler.services.audit import recent_events
from tests.support.oidc_fixture import (
    KUNGSHOLMEN,
    NORRMALM,
    NORRMALM_CLIENT,
    OTHER_CLIENT,
    PROVIDER_NAME,
    OidcSite,
    oidc_site,
    sign_in_at_provider,
)
from tests.support.workspace_fixture import PASSWORD, log_in, page_token


@pytest.fixture
def site(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[OidcSite]:
    with oidc_site(tmp_path, store_url, monkeypatch) as found:
        yield found


def begin(http: TestClient, organisation: str = "kungsholmen") -> str:
    """The "Logga in med …" button of /logga-in (POST /logga-in/oidc): the provider's
    authorization URL the app sends the browser to."""
    csrf = page_token(http.get("/logga-in"))
    started = http.post("/logga-in/oidc", data={"csrf": csrf, "organisation": organisation})
    assert started.status_code == 303, started.text
    return str(started.headers["location"])


def answer(http: TestClient, callback: str) -> httpx.Response:
    split = urlsplit(callback)
    response: httpx.Response = http.get(f"{split.path}?{split.query}")
    return response


def signed_in(http: TestClient, site: OidcSite, login: str, organisation: str = "kungsholmen") -> httpx.Response:  # fmt: skip
    return answer(
        http, sign_in_at_provider(begin(http, organisation), login, back_to=site.callback)
    )


def accounts(site: OidcSite) -> list[tuple[str, str, str]]:
    return [(a.username, a.organisation, a.role) for a in all_accounts(site.engine)]


def sessions(site: OidcSite) -> int:
    with site.engine.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM login_session")).scalar_one())


def assert_refused(response: httpx.Response, site: OidcSite, status: int, title: str) -> None:
    assert response.status_code == status, response.text
    assert title in response.text
    assert "arbetsyta" not in response.headers.get("set-cookie", "").split("=")[0]
    assert sessions(site) == 0
    for internal in ("Traceback", "Error", "id_token", "jwt"):
        assert internal not in response.text


def test_the_authorization_request_uses_pkce_state_and_nonce(site: OidcSite) -> None:
    with site.client() as http:
        url = urlsplit(begin(http))
    asked = parse_qs(url.query)
    assert f"{url.scheme}://{url.netloc}" == site.kungsholmen.issuer
    assert asked["client_id"] == ["kungsholmen-arbetsyta"]
    assert asked["redirect_uri"] == [site.callback]
    assert asked["response_type"] == ["code"]
    assert asked["scope"] == ["openid profile email"]
    assert asked["code_challenge_method"] == ["S256"]
    assert len(asked["code_challenge"][0]) == 43
    assert len(asked["state"][0]) >= 32 and len(asked["nonce"][0]) >= 32


def test_the_sign_in_page_offers_each_provider(site: OidcSite) -> None:
    with site.client() as http:
        page = http.get("/logga-in")
    assert f"Logga in med {PROVIDER_NAME} ({KUNGSHOLMEN})" in page.text
    # Norrmalm gave no display_name: the issuer's host.
    assert f"Logga in med 127.0.0.1 ({NORRMALM})" in page.text
    assert 'name="password"' in page.text  # neither switched passwords off


def test_a_coordinator_signs_in_and_the_account_is_made(site: OidcSite) -> None:
    with site.client() as http:
        response = signed_in(http, site, "karin")
        assert response.status_code == 303 and response.headers["location"] == "/plan"
        plan = http.get("/plan")
    assert plan.status_code == 200
    assert (
        KUNGSHOLMEN in plan.text and 'method="post" action="/plan"' in plan.text
    )  # the coordinator's form
    assert accounts(site) == [("karin@kungsholmen.example.se", KUNGSHOLMEN, "coordinator")]
    found = recent_events(site.engine, KUNGSHOLMEN)
    assert [(e.action, e.actor) for e in found] == [("Inloggning", "karin@kungsholmen.example.se")]
    assert "Karin Samordnare via Stockholms stads inloggning som samordnare" in found[0].detail


def test_a_reader_sees_the_pages_and_changes_nothing(site: OidcSite) -> None:
    with site.client() as http:
        assert signed_in(http, site, "polis").status_code == 303
        agenda = http.get("/agenda")
        assert agenda.status_code == 200
        assert agenda.text.count('<tr class="entry') > 10  # the meetings, without their actions
        assert 'action="/agenda/flytta"' not in agenda.text
        assert ">Ändra</th>" not in agenda.text  # nor a column for them
        for page in ("/plan", "/arshjul", "/uppfoljning"):
            shown = http.get(page)
            assert shown.status_code == 200, page
            assert 'method="post" action="/' not in shown.text.replace(
                'method="post" action="/logga-ut"', ""
            ), page
        nav = http.get("/plan").text
        assert 'href="/lankar"' not in nav and 'href="/logg"' not in nav
        for page in ("/lankar", "/paminnelser", "/logg", "/plan/omraden", "/plan/atgard/ny",
                     "/paminnelser/1", "/paminnelser/1/meddelande.eml"):  # fmt: skip
            assert http.get(page).status_code == 403, page
        history = http.get("/plan/historik")
        assert history.status_code == 200 and "aterstall" not in history.text
        token = page_token(agenda)
        with site.engine.connect() as connection:
            before = connection.execute(text("SELECT * FROM occurrence ORDER BY id")).all()
            uid = before[0].uid
        moved = http.post("/agenda/flytta", data={"csrf": token, "uid": uid, "datum": "2099-12-30"})
        assert moved.status_code == 403
        assert "Du kan läsa men inte ändra" in moved.text and "Inget ändrades" in moved.text
        for path in ("/agenda/stall-in", "/lankar", "/plan", "/uppfoljning", "/plan/omraden",
                     "/plan/atgard/ny", "/plan/historik/1/aterstall"):  # fmt: skip
            assert http.post(path, data={"csrf": token, "uid": uid}).status_code == 403, path
        with site.engine.connect() as connection:
            assert connection.execute(text("SELECT * FROM occurrence ORDER BY id")).all() == before
        # Logging out is a reader's post too.
        assert http.post("/logga-ut", data={"csrf": token}).status_code == 303
    assert accounts(site) == [("per.kommunpolis@polisen.example.se", KUNGSHOLMEN, "reader")]
    assert [e.action for e in recent_events(site.engine, KUNGSHOLMEN)] == ["Inloggning"]


def test_someone_in_neither_group_is_refused_with_a_clear_page(site: OidcSite) -> None:
    with site.client() as http:
        response = signed_in(http, site, "utomstaende")
    assert_refused(response, site, 403, "Du har inte behörighet")
    assert f"Du loggade in hos {PROVIDER_NAME}" in response.text
    assert accounts(site) == []
    failed = recent_events(site.engine, KUNGSHOLMEN)
    assert [e.action for e in failed] == ["Misslyckad inloggning"]


def test_the_claims_are_read_again_at_every_sign_in(site: OidcSite) -> None:
    with site.client() as http:
        assert signed_in(http, site, "karin").status_code == 303
    # Karin leaves the coordinators' group for the readers': her next sign-in makes her a reader.
    site.kungsholmen.next_id_token(groups=["3f2b8c1e-0000-4000-8000-0000000read"])
    with site.client() as http:
        assert signed_in(http, site, "karin").status_code == 303
        assert 'method="post" action="/plan"' not in http.get("/plan").text
    assert accounts(site) == [("karin@kungsholmen.example.se", KUNGSHOLMEN, "reader")]
    # And out of every group: refused, though the account is there.
    site.kungsholmen.next_id_token(groups=[])
    with site.client() as http:
        assert signed_in(http, site, "karin").status_code == 403


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"aud": OTHER_CLIENT.client_id}, "another audience"),
        ({"aud": [OTHER_CLIENT.client_id, "x"]}, "an audience without this client"),
        ({"nonce": "inte-den-som-skickades"}, "a bad nonce"),
        ({"iss": "https://login.annan-kommun.example.se"}, "another issuer"),
        ({"sub": "karin", "iat": 1_600_000_000, "exp": 1_600_003_600}, "expired"),
    ],
)
def test_a_token_that_fails_validation_is_refused(site: OidcSite, claims: dict[str, object], why: str) -> None:  # fmt: skip
    site.kungsholmen.next_id_token(**claims)
    with site.client() as http:
        response = signed_in(http, site, "karin")
    assert_refused(response, site, 400, "Inloggningen kunde inte godkännas")
    assert accounts(site) == [], why
    failed = recent_events(site.engine, KUNGSHOLMEN)
    assert [e.action for e in failed] == ["Misslyckad inloggning"] and "ogiltig" in failed[0].detail


def test_an_expired_token_by_the_apps_clock_is_refused(site: OidcSite) -> None:
    site.clock.now += timedelta(hours=2)  # the provider's token lasts an hour
    with site.client() as http:
        response = signed_in(http, site, "karin")
    assert_refused(response, site, 400, "Inloggningen kunde inte godkännas")


def test_a_code_from_another_organisations_provider_is_refused(site: OidcSite) -> None:
    """The sign-in begun for Kungsholmen, answered with a code Norrmalm's provider issued (for
    Norrmalm's client, as an attacker signed in there would get): it is exchanged at Kungsholmen's
    provider only, which refuses it; nothing signs in, in either organisation."""
    with site.client() as http:
        kungsholmen_url = urlsplit(begin(http, "kungsholmen"))
        asked = parse_qs(kungsholmen_url.query)
        norrmalm_query = {**{k: v[0] for k, v in asked.items()},
                          "client_id": NORRMALM_CLIENT.client_id}  # fmt: skip
        forged = str(httpx.URL(f"{site.norrmalm.issuer}/auth", params=norrmalm_query))
        callback = sign_in_at_provider(forged, "karin", back_to=site.callback)
        assert parse_qs(urlsplit(callback).query)["state"] == asked["state"]
        response = answer(http, callback)
    assert_refused(response, site, 502, "Inloggningstjänsten svarar inte")
    assert accounts(site) == []


def test_norrmalms_sign_in_ends_in_norrmalm(site: OidcSite) -> None:
    with site.client() as http:
        assert signed_in(http, site, "karin", "norrmalm").status_code == 303
        assert NORRMALM in http.get("/plan").text
    assert accounts(site) == [("karin@kungsholmen.example.se", NORRMALM, "coordinator")]
    assert recent_events(site.engine, KUNGSHOLMEN) == []


def test_a_replayed_answer_is_refused(site: OidcSite) -> None:
    with site.client() as http:
        callback = sign_in_at_provider(begin(http), "karin", back_to=site.callback)
        assert answer(http, callback).status_code == 303
        http.cookies.clear()
        assert sessions(site) == 1
        # The same answer again, with the state cookie the first one had: used up.
        state = parse_qs(urlsplit(callback).query)["state"][0]
        http.cookies.set("inloggning-oidc", state)
        again = answer(http, callback)
    assert again.status_code == 400 and "Inloggningen kunde inte slutföras" in again.text
    assert sessions(site) == 1


def test_an_answer_in_another_browser_is_refused(site: OidcSite) -> None:
    with site.client() as http:
        callback = sign_in_at_provider(begin(http), "karin", back_to=site.callback)
    with site.client() as other:
        response = answer(other, callback)
    assert_refused(response, site, 400, "Inloggningen kunde inte slutföras")


def test_sign_in_still_works_after_the_provider_rotates_its_key(site: OidcSite) -> None:
    with site.client() as http:  # one app, which keeps the provider's JWKS once fetched
        assert signed_in(http, site, "karin").status_code == 303
        old = site.kungsholmen.kid
        site.kungsholmen.rotate_key()
        assert site.kungsholmen.kid != old
        http.cookies.clear()
        # The token names the new key, which the kept JWKS lacks: the app fetches it again.
        response = signed_in(http, site, "karin")
        assert response.status_code == 303, response.text
        assert http.get("/plan").status_code == 200


def test_an_oidc_session_ends_within_the_hour(site: OidcSite) -> None:
    with site.client() as http:
        assert signed_in(http, site, "karin").status_code == 303
        site.clock.now += timedelta(minutes=25)
        assert http.get("/plan").status_code == 200
        site.clock.now += timedelta(minutes=25)
        assert http.get("/plan").status_code == 200
        site.clock.now += timedelta(minutes=11)
        ended = http.get("/plan")
    assert ended.status_code == 303 and "utgangen" in ended.headers["location"]


def test_the_provider_saying_no_is_a_page_not_an_error(site: OidcSite) -> None:
    with site.client() as http:
        state = parse_qs(urlsplit(begin(http)).query)["state"][0]
        response = http.get("/logga-in/oidc/svar",
                            params={"error": "access_denied", "state": state})  # fmt: skip
    assert_refused(response, site, 400, "Inloggningen avbröts")


def test_an_unknown_organisation_goes_back_to_the_choice(site: OidcSite) -> None:
    with site.client() as http:
        page = http.get("/logga-in/oidc")  # a GET begins nothing: the sign-in page
        assert page.status_code == 200 and "Logga in med" in page.text
        csrf = page_token(page)
        unknown = http.post("/logga-in/oidc", data={"csrf": csrf, "organisation": "okänd"})
        bare = http.post("/logga-in/oidc", data={"csrf": csrf})  # two providers: choose
        forged = http.post("/logga-in/oidc", data={"organisation": "kungsholmen"})  # no token
    for response in (unknown, bare, forged):
        assert response.status_code == 303 and response.headers["location"] == "/logga-in"
    with site.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM oidc_sign_in")).scalar_one() == 0


@pytest.fixture
def passwords_off(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[OidcSite]:  # fmt: skip
    with oidc_site(tmp_path, store_url, monkeypatch, extra="local_passwords = false") as found:
        yield found


def test_switched_off_passwords_are_refused_for_that_organisation(passwords_off: OidcSite) -> None:
    site = passwords_off
    create_account(site.engine, site.config, username="anna", organisation="kungsholmen",
                   password=PASSWORD, now=site.clock())  # fmt: skip
    create_account(site.engine, site.config, username="nils", organisation="norrmalm",
                   password=PASSWORD, now=site.clock())  # fmt: skip
    with site.client() as http:
        refused = log_in(http, "anna")
        assert refused.status_code == 403
        assert (
            f"Lösenord används inte för {KUNGSHOLMEN}: logga in med {PROVIDER_NAME}" in refused.text
        )
        assert sessions(site) == 0
        # Norrmalm keeps its passwords, so the form is still there.
        assert log_in(http, "nils").status_code == 303


def test_begun_sign_ins_are_bounded(site: OidcSite) -> None:
    from scheduler.store.oidc_sign_ins import PendingSignIn, add_sign_in, take_sign_in

    now = site.clock()
    for n in range(5):
        add_sign_in(site.engine, state_hash=f"s{n}",
                    pending=PendingSignIn(KUNGSHOLMEN, "nonce", "verifier", now + timedelta(seconds=n)),
                    forget_before=now - timedelta(minutes=15), keep_at_most=3)  # fmt: skip
    assert [take_sign_in(site.engine, f"s{n}") is not None for n in range(5)] == [
        False, False, True, True, True,
    ]  # fmt: skip
    assert take_sign_in(site.engine, "s4") is None  # taken once


def test_an_answer_nobody_began_is_not_kept(site: OidcSite) -> None:
    with site.client() as http:
        for n in range(3):
            http.cookies.set("inloggning-oidc", f"gissat-{n}")
            refused = http.get("/logga-in/oidc/svar", params={"state": f"gissat-{n}", "code": "x"})
            assert refused.status_code == 400
    with site.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 0


def test_one_district_without_passwords_shows_only_its_provider(
    tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.settings.config import load_settings
    from scheduler.store.engine import open_store
    from scheduler.web.app import create_app
    from tests.support.cli import upgraded_cli, write_config
    from tests.support.helpers import Clock
    from tests.support.workspace_fixture import START

    monkeypatch.setenv("SSO_SECRET", "hemligt")
    path = write_config(tmp_path / "config.toml", store_url, extra=(
        '[oidc]\nissuer = "https://sso.kommunen.example.se/realms/kommunen"\n'
        'client_id = "atgardsplan"\nclient_secret_env = "SSO_SECRET"\nlocal_passwords = false\n'
    ))  # fmt: skip
    upgraded_cli(path)
    config = load_settings(str(path), environ={"SSO_SECRET": "hemligt"})
    engine = open_store(config.database_url)
    create_account(engine, config, username="anna", organisation=KUNGSHOLMEN, password=PASSWORD,
                   now=START)  # fmt: skip
    try:
        with TestClient(create_app(engine, config, clock=Clock(START)), follow_redirects=False) as http:  # fmt: skip
            page = http.get("/logga-in")
            assert "Logga in med sso.kommunen.example.se" in page.text
            assert 'name="password"' not in page.text
            # The form posted though the page no longer shows it (a bookmark, a script): refused.
            refused = http.post("/logga-in", data={"username": "anna", "password": PASSWORD})
            assert refused.status_code == 403 and "arbetsyta" not in http.cookies
    finally:
        engine.dispose()
