"""A workspace to test: the seed plan imported, a coordinator account, the web app on a clock the
test moves, and signing in as a browser would (the form's token, then the cookie)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from scheduler.services.accounts import create_account
from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from scheduler.store.engine import open_store
from scheduler.web.app import create_app
from tests.support.cli import Cli, upgraded_cli, write_config
from tests.support.helpers import Clock
from tests.support.seed import IMPORT_NOW, SEED_PLAN

USERNAME = "anna"
PASSWORD = "Korrekt-häst-batteri-9"
START = datetime(2024, 3, 13, 8, 0, tzinfo=UTC)


@dataclass
class Workspace:
    cli: Cli
    config: Settings
    engine: Engine
    clock: Clock

    def client(self) -> TestClient:
        app = create_app(self.engine, self.config, clock=self.clock)
        return TestClient(app, follow_redirects=False)

    def add_account(self, username: str, organisation: str, password: str = PASSWORD) -> None:
        create_account(self.engine, self.config, username=username, organisation=organisation,
                       password=password, now=self.clock())  # fmt: skip


def login_token(http: httpx.Client) -> str:
    page = http.get("/logga-in")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found[1]


def log_in(
    http: httpx.Client, username: str = USERNAME, password: str = PASSWORD
) -> httpx.Response:
    response: httpx.Response = http.post(
        "/logga-in", data={"csrf": login_token(http), "username": username, "password": password}
    )
    return response


def page_token(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found
    return found[1]


def workspace_of(config_path: Path) -> Workspace:
    cli = upgraded_cli(config_path)
    config = load_settings(str(config_path), environ={})
    return Workspace(cli, config, open_store(config.database_url), Clock(START))


def seeded_workspace(tmp_path: Path, store_url: str, *, extra: str = "") -> Workspace:
    workspace = workspace_of(write_config(tmp_path / "config.toml", store_url, extra))
    imported = workspace.cli("import", str(SEED_PLAN))
    assert imported.code == 0, imported.err
    workspace.add_account(USERNAME, "Kungsholmens stadsdelsförvaltning")
    return workspace


def two_district_workspace(tmp_path: Path, store_url: str, *, extra: str = "") -> Workspace:
    """Kungsholmen and Norrmalm in one installation (tests/test_organisations.py), both plans
    imported, and the account "anna" of Kungsholmen."""
    from scheduler.plan.files import write_plan
    from tests.support.districts import norrmalm_plan, write_two_district_config

    workspace = workspace_of(write_two_district_config(tmp_path, store_url, extra=extra))
    write_plan(norrmalm_plan(), tmp_path / "norrmalm-2024.toml")
    for plan_file in (SEED_PLAN, tmp_path / "norrmalm-2024.toml"):
        imported = workspace.cli("import", str(plan_file), "--now", IMPORT_NOW)
        assert imported.code == 0, imported.err
    workspace.add_account("anna", "kungsholmen")
    return workspace


def messy_workbook(path: Path, organisation: str = "Kungsholmens stadsdelsförvaltning") -> Path:
    """A workbook as a person might fill one in, built cell by cell: a När that cannot be read,
    a Vem that names no convener, stray spaces."""
    from openpyxl import Workbook

    book = Workbook()
    intro = book.active
    assert intro is not None
    intro.title = "Instruktion"
    intro.append(["Åtgärdsplan 2024"])
    intro.append([f"Organisation: {organisation}"])
    area = book.create_sheet("Trygghet i centrum")
    area.append(["Prioriterat samverkansområde", "Orsak", "Åtgärd", "När", "Vem", "Uppföljning"])
    area.append(["Trygghet i centrum"])
    area.append(["Trygghetsvandring", "Otrygghet kvällstid", "Vandring med boende",
                 "när månen står rätt", "Kommunpolis är sammankallande", None])  # fmt: skip
    area.append(
        ["  Lägesbild  ", "Behov av lägesbild", "Möten", " 4 ggr/år ", "Alla berörda", None]
    )
    book.save(path)
    return path
