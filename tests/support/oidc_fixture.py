"""Two districts that sign in through identity providers of their own, for the sign-in tests:
Kungsholmen through one real OpenID provider (tests/support/oidc_provider.py), Norrmalm through another,
the seed plan, rolled over to next year, imported for Kungsholmen, and the web app on a clock at the real time (the
providers sign their tokens by the real clock).

`sign_in_at_provider` goes through a provider's own login and consent pages over HTTP, as a
browser would, and returns the URL the provider sends the browser back to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from scheduler.store.engine import open_store
from scheduler.web.app import create_app
from tests.support.cli import Cli, upgraded_cli
from tests.support.helpers import Clock, free_port
from tests.support.oidc_provider import (
    COORDINATORS_GROUP,
    READERS_GROUP,
    Client,
    Provider,
    start_provider,
)
from tests.support.seed import upcoming_seed

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"
NORRMALM = "Norrmalms stadsdelsförvaltning"
SECRETS = {"KUNGSHOLMEN_OIDC_SECRET": "k-" + "s" * 40, "NORRMALM_OIDC_SECRET": "n-" + "t" * 40}
KUNGSHOLMEN_CLIENT = Client("kungsholmen-arbetsyta", SECRETS["KUNGSHOLMEN_OIDC_SECRET"])
# A second client of Kungsholmen's provider: another application of the same municipality.
OTHER_CLIENT = Client("en-annan-tjanst", "o-" + "u" * 40)
NORRMALM_CLIENT = Client("norrmalm-arbetsyta", SECRETS["NORRMALM_OIDC_SECRET"])
PROVIDER_NAME = "Stockholms stads inloggning"


@dataclass
class OidcSite:
    base: str  # the app's base_url (the live server's, in the browser tests)
    kungsholmen: Provider
    norrmalm: Provider
    config: Settings
    engine: Engine
    clock: Clock
    cli: Cli

    @property
    def callback(self) -> str:
        return f"{self.base}/logga-in/oidc/svar"

    def client(self) -> TestClient:
        app = create_app(self.engine, self.config, clock=self.clock)
        return TestClient(app, base_url=self.base, follow_redirects=False)


def config_text(base: str, database_url: str, kungsholmen: Provider, norrmalm: Provider,
                extra: str = "") -> str:  # fmt: skip
    return f"""
[organisation]
base_url = "{base}"

[database]
url = "{database_url}"

[organisations.kungsholmen]
name = "{KUNGSHOLMEN}"
coordinator_role = "Trygghetssamordnare"

[organisations.kungsholmen.oidc]
issuer = "{kungsholmen.issuer}"
client_id = "{KUNGSHOLMEN_CLIENT.client_id}"
client_secret_env = "KUNGSHOLMEN_OIDC_SECRET"
role_claim = "groups"
coordinator_values = ["{COORDINATORS_GROUP}"]
reader_values = ["{READERS_GROUP}"]
display_name = "{PROVIDER_NAME}"
{extra}

[organisations.norrmalm]
name = "{NORRMALM}"

[organisations.norrmalm.oidc]
issuer = "{norrmalm.issuer}"
client_id = "{NORRMALM_CLIENT.client_id}"
client_secret_env = "NORRMALM_OIDC_SECRET"
coordinator_values = ["{COORDINATORS_GROUP}"]
reader_values = ["{READERS_GROUP}"]
"""


@contextmanager
def oidc_site(tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch, *,
              port: int | None = None, extra: str = "") -> Iterator[OidcSite]:  # fmt: skip
    base = f"http://127.0.0.1:{port or free_port()}"
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    callback = [f"{base}/logga-in/oidc/svar"]
    with ExitStack() as stack:
        kungsholmen = stack.enter_context(
            start_provider(tmp_path, [KUNGSHOLMEN_CLIENT, OTHER_CLIENT], callback)
        )
        norrmalm = stack.enter_context(start_provider(tmp_path, [NORRMALM_CLIENT], callback))
        path = tmp_path / "config.toml"
        path.write_text(config_text(base, store_url, kungsholmen, norrmalm, extra), "utf-8")
        cli = upgraded_cli(path)
        plan_file, _year = upcoming_seed(tmp_path)  # meetings ahead of the real now
        imported = cli("import", str(plan_file))
        assert imported.code == 0, imported.err
        config = load_settings(str(path), environ=SECRETS)
        engine = open_store(config.database_url)
        stack.callback(engine.dispose)
        yield OidcSite(base, kungsholmen, norrmalm, config, engine,
                       Clock(datetime.now(UTC)), cli)  # fmt: skip


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.I)
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', re.I)


def sign_in_at_provider(authorize_url: str, login: str, *, back_to: str) -> str:
    """Through the provider's login and consent pages as `login`; the URL it then sends the
    browser to (starting with `back_to`: the code and state, or an error)."""
    with httpx.Client(follow_redirects=False, timeout=20) as browser:
        response = browser.get(authorize_url)
        for _ in range(12):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(back_to):
                    return location
                response = browser.get(location)
                continue
            assert response.status_code == 200, response.text[:500]
            form = _FORM.search(response.text)
            assert form, response.text[:500]
            fields = {name: unescape(value) for name, value in _HIDDEN.findall(response.text)}
            if fields.get("prompt") == "login":
                fields.update(login=login, password="vilket-som-helst")
            response = browser.post(urljoin(str(response.url), unescape(form[1])), data=fields)
    raise AssertionError("the provider never sent the browser back")
