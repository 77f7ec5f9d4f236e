"""Calendar links from before there could be several districts (organisation ""): migration 0011
binds each to the one district the stored plans name, or leaves it unbound; an unbound link is
refused (410, a Swedish page and text), and no link ever follows config.toml's order of districts.

The old links are made as they were: links of the real installation (two districts, both plans
imported through the CLI) set back to organisation "" and to the time they were made, the
migration undone (`alembic downgrade -1`) and then run again by `scheduler db upgrade`. The feeds
are fetched from the real server over HTTP, first with Kungsholmen listed first in config.toml,
then with Norrmalm first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from scheduler.settings.config import load_settings
from scheduler.store.engine import _alembic_config, create_store_engine, open_store
from scheduler.store.feed_tokens import create_token, list_tokens
from scheduler.store.occurrences import list_occurrences
from scheduler.store.plans import find_plan_id
from scheduler.web.app import create_app, serving_app
from tests.support.cli import Cli, upgraded_cli
from tests.support.districts import KUNGSHOLMEN, NORRMALM, write_two_district_config
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.workspace_fixture import Workspace, seeded_workspace, two_district_workspace

NOW = datetime(2024, 3, 13, 8, 0, tzinfo=UTC)


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T08:00:00+00:00")


def set_plan_made(engine: Engine, organisation: str, day: str) -> None:
    with engine.begin() as connection:
        connection.execute(text("update plan set created_at = :at where organisation = :org"),
                           {"at": at(day), "org": organisation})  # fmt: skip


def old_link(engine: Engine, audience: str, made: str) -> tuple[int, str]:
    """A link as one made on `made` before there could be several districts: no organisation."""
    row, token = create_token(engine, audience=audience, organisation=KUNGSHOLMEN, now=at(made))
    with engine.begin() as connection:
        connection.execute(text("update feed_token set organisation = '' where id = :id"), {"id": row.id})  # fmt: skip
    assert row.id is not None
    return row.id, token


def migrate_again(url: str, cli: Cli) -> None:
    """Migration 0011 undone and run again, as on an installation upgraded to it."""
    from alembic import command

    engine = create_store_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0010")  # every later migration too
    engine.dispose()
    upgraded = cli("db", "upgrade")
    assert upgraded.code == 0, upgraded.err


def organisations(engine: Engine) -> dict[str, str]:
    return {row.audience: row.organisation for row in list_tokens(engine)}


def reordered_config(folder: Path, url: str) -> Path:
    """The same two districts with Norrmalm's table first."""
    folder.mkdir()
    path = write_two_district_config(folder, url)
    config = path.read_text(encoding="utf-8")
    head, _, rest = config.partition("[organisations.kungsholmen]")
    kungsholmen, _, norrmalm = rest.partition("[organisations.norrmalm]")
    path.write_text(f"{head}[organisations.norrmalm]{norrmalm}\n[organisations.kungsholmen]{kungsholmen}",
                    encoding="utf-8")  # fmt: skip
    names = load_settings(str(path), environ={}).organisation_names
    assert names[0] == NORRMALM, names
    return path


@contextmanager
def server(config_path: Path) -> Iterator[str]:
    """The real server, as `scheduler serve` runs the application (uvicorn in a thread)."""
    config = load_settings(str(config_path), environ={})
    engine = open_store(config.database_url)
    try:
        with serving(serving_app(create_app(engine, config, clock=lambda: NOW)), free_port()) as base:  # fmt: skip
            yield base
    finally:
        engine.dispose()


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return two_district_workspace(tmp_path, store_url)


def test_old_links_are_bound_where_the_plans_say_which_else_refused_in_any_config_order(
    workspace: Workspace, tmp_path: Path, store_url: str
) -> None:
    engine = workspace.engine
    set_plan_made(engine, KUNGSHOLMEN, "2023-12-01")
    set_plan_made(engine, NORRMALM, "2024-02-01")
    # Made when only Kungsholmen's plan was there: Kungsholmen's. Made when both were, or before
    # either with both there now: the database cannot say whose.
    old_link(engine, "SSP-gruppen", made="2024-01-10")
    old_link(engine, "Rådet", made="2024-02-20")
    old_link(engine, "Tidigt", made="2023-11-01")
    _, bound_token = old_link(engine, "Polisen", made="2024-01-11")
    _, unbound_token = old_link(engine, "Okänd", made="2024-03-01")
    migrate_again(store_url, workspace.cli)
    assert organisations(engine) == {
        "SSP-gruppen": KUNGSHOLMEN, "Polisen": KUNGSHOLMEN,
        "Rådet": "", "Tidigt": "", "Okänd": "",
    }  # fmt: skip

    kungsholmen_uids = {o.uid for o in list_occurrences(
        engine, plan_id=find_plan_id(engine, year=2024, organisation=KUNGSHOLMEN))}  # fmt: skip
    for config_path in (workspace.cli.config, reordered_config(tmp_path / "omvand", store_url)):
        with server(config_path) as base:
            feed = httpx.get(f"{base}/feeds/{bound_token}/plan.ics")
            assert feed.status_code == 200
            shown = set(re.findall(r"UID:(\S+)", feed.text))
            assert shown and shown <= kungsholmen_uids  # Kungsholmen's, whichever comes first
            assert "SSP Norrmalm" not in feed.text
            for method in ("GET", "HEAD"):
                refused = httpx.request(method, f"{base}/feeds/{unbound_token}/plan.ics")
                assert refused.status_code == 410
            refused = httpx.get(f"{base}/feeds/{unbound_token}/plan.ics")
            assert "från tiden innan det fanns flera stadsdelar" in refused.text
            assert "BEGIN:VCALENDAR" not in refused.text
            page = httpx.get(f"{base}/feeds/{unbound_token}/")
            assert page.status_code == 410 and "be den som gav dig länken" in page.text.lower()
            assert KUNGSHOLMEN not in page.text and NORRMALM not in page.text
            subscribe = httpx.get(f"{base}/feeds/{bound_token}/")
            assert subscribe.status_code == 200 and KUNGSHOLMEN in subscribe.text


def test_in_one_districts_installation_an_old_link_is_that_districts(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    workspace = seeded_workspace(tmp_path, store_url)  # only Kungsholmen's plan, stored after it
    set_plan_made(workspace.engine, KUNGSHOLMEN, "2024-01-05")
    old_link(workspace.engine, "Före planen", made="2023-12-01")
    migrate_again(store_url, workspace.cli)
    assert organisations(workspace.engine) == {"Före planen": KUNGSHOLMEN}


def test_feeds_list_shows_an_unbound_link_in_every_district_as_unbound(workspace: Workspace) -> None:  # fmt: skip
    link_id, _ = old_link(workspace.engine, "Från förr", made="2024-03-01")
    for district in ("kungsholmen", "norrmalm"):
        listed = workspace.cli("feeds", "list", "--organisation", district)
        assert listed.code == 0, listed.err
        line = next(line for line in listed.out.splitlines() if "Från förr" in line)
        assert "ingen stadsdel" in line and "obunden" in line and "aktiv" not in line
    revoked = workspace.cli("feeds", "revoke", str(link_id), "--organisation", "norrmalm")
    assert revoked.code == 0, revoked.err
    assert "återkallad" in workspace.cli("feeds", "list", "--organisation", "kungsholmen").out


def test_a_link_is_never_made_without_an_organisation(workspace: Workspace) -> None:
    with pytest.raises(ValueError):
        create_token(workspace.engine, audience="x", organisation="", now=NOW)
    made = workspace.cli("--organisation", "norrmalm", "feeds", "create", "Nya")
    assert made.code == 0, made.err
    assert organisations(workspace.engine) == {"Nya": NORRMALM}


def test_the_migration_leaves_a_link_of_an_empty_installation_unbound(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    cli = upgraded_cli(write_two_district_config(tmp_path, store_url))
    engine = open_store(load_settings(str(cli.config), environ={}).database_url)
    old_link(engine, "Ingen plan", made="2024-01-01")
    migrate_again(store_url, cli)
    assert organisations(engine) == {"Ingen plan": ""}
    engine.dispose()
