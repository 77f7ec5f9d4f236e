"""A plan's size budget (`[limits]` max_measures_per_plan, max_occurrences_per_plan), on SQLite
and PostgreSQL: a plan over it is refused with exit code 2 (422 on the web), naming the measure
that would exceed it and the key to raise, before the rest is placed, and the database is left
exactly as it was; the seed and a plan just under the caps import; a many-file import refuses
the one file and imports the others; a stored plan over a budget lowered since is refused by
the commands and at `scheduler serve`'s start, which starts all the same.

How much was placed before a refusal is read from the placement's own cache ("cadence.naming"
in scheduler/base/caches.py, one entry per title placed): a plan refused at its 97th measure
must not have placed its 98th."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import MetaData, create_engine, select

from scheduler.base import caches
from scheduler.base.swedish import grouped
from scheduler.cadence import CalendarPolicy, parse_when, place_cadence
from scheduler.model.plan import Area, Measure, Plan
from scheduler.plan.files import read_plan, write_plan
from scheduler.services.import_ahead import place_read_plan
from scheduler.settings.config import load_settings
from scheduler.settings.model import Database, Limits
from scheduler.store.engine import normalise_url
from scheduler.web.app import create_app
from tests.support.cli import Cli, upgraded_cli, write_config
from tests.support.districts import KUNGSHOLMEN, NORRMALM, write_two_district_config
from tests.support.helpers import Clock, free_port
from tests.support.live_server import serving
from tests.support.processes import Install
from tests.support.processes import serving as serving_process
from tests.support.seed import IMPORT_NOW, SEED_PLAN
from tests.support.workspace_fixture import PASSWORD, START, USERNAME, page_token, workspace_of

AREA = "Trygghet i centrum"
WEEKDAYS = "måndag–fredag"  # the attack: every weekday of the year, for every measure
DEFAULTS = Limits()


def weekday_plan(path: Path, measures: int, *, organisation: str = KUNGSHOLMEN,
                 year: int = 2024, when: str = WEEKDAYS) -> Path:  # fmt: skip
    """A plan file of `measures` measures "Åtgärd 1" … in one area, each meeting on `when`."""
    plan = Plan(organisation, year, (Area(AREA, tuple(
        Measure(title=f"Åtgärd {n}", when_text=when,
                responsible_text="Trygghetssamordnare är sammankallande")
        for n in range(1, measures + 1)
    )),))  # fmt: skip
    write_plan(plan, path)
    return path


def contents(url: str) -> dict[str, list[str]]:
    """Every row of every table, in a stable order: what "the database is unchanged" compares."""
    engine = create_engine(normalise_url(url))
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                for table in metadata.sorted_tables
            }
    finally:
        engine.dispose()


def occurrences_of_one(config: Path, when: str = WEEKDAYS, year: int = 2024) -> int:
    """What one measure on `when` gives in `year` under the config's calendar."""
    policy = CalendarPolicy.from_section(load_settings(str(config), environ={}).calendar)
    return sum(
        len(s.occurrences) for s in place_cadence(parse_when(when), year=year, policy=policy).series
    )


def sign_in(http: httpx.Client, username: str = USERNAME) -> httpx.Response:
    """Signing in to the workspace over HTTP, as a browser does: the form's token, then the post."""
    token = page_token(http.get("/logga-in"))
    return http.post("/logga-in", data={"csrf": token, "username": username, "password": PASSWORD})


@pytest.fixture
def cli(tmp_path: Path, store_url: str) -> Cli:
    """The seed imported first: a refusal must leave a database with something in it as it was."""
    cli = upgraded_cli(write_config(tmp_path / "config.toml", store_url))
    assert cli("import", str(SEED_PLAN), "--now", IMPORT_NOW).code == 0
    return cli


def test_a_plan_of_2000_weekday_measures_is_refused_as_soon_as_it_is_read(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    attack = weekday_plan(tmp_path / "stor.toml", 2_000)
    before = contents(store_url)
    caches.clear("cadence.naming")
    refused = cli("import", str(attack), "--now", IMPORT_NOW)
    assert refused.code == 2, refused.err
    assert refused.err.startswith(f"Fel: fil {attack}: planen har fler än 1 500 åtgärder: ")
    assert (
        "åtgärd 1 501, «Åtgärd 1501» i området «Trygghet i centrum», får inte plats" in refused.err
    )
    assert "(limits.max_measures_per_plan i config.toml)" in refused.err
    assert refused.err.rstrip().endswith("Inget ändrades.")
    assert caches.entries("cadence.naming") == 0  # refused before a single measure was placed
    assert contents(store_url) == before


def test_a_plan_under_the_measure_cap_but_over_the_occurrence_cap_is_refused_where_it_crosses(
    cli: Cli, store_url: str, tmp_path: Path
) -> None:
    # Next year's plan, beside the seed (this year's would retire the seed's measures first).
    each = occurrences_of_one(cli.config, year=2025)
    assert 200 < each < 262  # every weekday but holidays, breaks and July
    crossing = DEFAULTS.max_occurrences_per_plan // each + 1
    measures = crossing + 40
    assert measures < DEFAULTS.max_measures_per_plan
    plan = weekday_plan(tmp_path / "vardagar.toml", measures, year=2025)
    before = contents(store_url)
    caches.clear("cadence.naming")
    refused = cli("import", str(plan), "--now", IMPORT_NOW)
    assert refused.code == 2, refused.err
    assert refused.err.startswith(
        f"Fel: fil {plan}: planen {KUNGSHOLMEN} 2025 får fler än 20 000 möten och uppgifter "
        f"under året: med åtgärd {crossing}, «Åtgärd {crossing}» i området «{AREA}», blir de "
        f"{grouped(crossing * each)} (limits.max_occurrences_per_plan i config.toml)."
    ), refused.err
    assert refused.err.rstrip().endswith("Inget ändrades.")
    # Each title is placed once: the count stopped at the crossing measure, the 40 after it
    # were never placed.
    assert caches.entries("cadence.naming") <= crossing
    assert contents(store_url) == before


def test_the_seed_and_a_plan_just_under_the_caps_import(tmp_path: Path, store_url: str) -> None:
    # The seed at exactly its own size: 23 measures, and as many occurrences as it places.
    config = write_config(tmp_path / "config.toml", store_url)
    seed = read_plan(SEED_PLAN)
    placed = place_read_plan(seed, load_settings(str(config), environ={}))
    assert placed is not None
    per_measure = [
        sum(len(s.occurrences) for s in schedule.series) for schedule in placed.schedules
    ]
    measures, total = len(seed.plan.measures()), sum(per_measure)
    assert (measures, total) == (23, 72)
    exact = f"[limits]\nmax_measures_per_plan = {measures}\nmax_occurrences_per_plan = {total}\n"
    cli = upgraded_cli(write_config(config, store_url, exact))
    imported = cli("import", str(SEED_PLAN), "--now", IMPORT_NOW)
    assert imported.code == 0, imported.err
    assert "23 åtgärder (23 nya" in imported.out
    before = contents(store_url)

    # One occurrence less: the stored plan is refused at the last measure that has any.
    write_config(config, store_url, exact.replace(f"= {total}\n", f"= {total - 1}\n"))
    last = max(i for i, n in enumerate(per_measure) if n)
    area, measure = seed.plan.measures()[last]
    refused = cli("import", str(SEED_PLAN), "--now", IMPORT_NOW)
    assert refused.code == 2, refused.err
    assert (f"med åtgärd {last + 1}, «{measure.title}» i området «{area.name}», blir de {total} "
            in refused.err), refused.err  # fmt: skip

    # One measure less than the seed has: refused naming the 23rd, as the file is read.
    write_config(config, store_url, exact.replace(f"= {measures}\n", f"= {measures - 1}\n"))
    area, measure = seed.plan.measures()[-1]
    refused = cli("import", str(SEED_PLAN), "--now", IMPORT_NOW)
    assert refused.code == 2, refused.err
    assert f"åtgärd 23, «{measure.title}» i området «{area.name}», får inte plats" in refused.err
    assert contents(store_url) == before


def test_a_many_file_import_refuses_the_plan_over_budget_and_imports_the_others(
    tmp_path: Path, store_url: str
) -> None:
    cli = upgraded_cli(write_config(tmp_path / "config.toml", store_url))
    too_many = weekday_plan(tmp_path / "stor.toml", 2_000, year=2025)
    too_often = weekday_plan(tmp_path / "vardagar.toml", 120, year=2026)
    files = [str(too_many), str(SEED_PLAN), str(too_often)]
    # With worker processes reading and placing ahead (they refuse too; this process says so).
    result = cli("import", *files, "--jobs", "2", "--now", IMPORT_NOW)
    assert result.code == 2
    assert f"{SEED_PLAN}: Importerade {KUNGSHOLMEN} 2024" in result.out
    assert result.out.rstrip().endswith("1 plan importerad, 2 fel")
    lines = result.err.splitlines()
    assert any(line.startswith(f"Fel: fil {too_many}: planen har fler än 1 500 åtgärder")
               for line in lines), result.err  # fmt: skip
    assert any(line.startswith(f"Fel: fil {too_often}: planen {KUNGSHOLMEN} 2026 får fler än "
                               "20 000 möten") for line in lines), result.err  # fmt: skip
    for year in (2025, 2026):
        assert cli("plan", "--year", str(year)).code == 3  # not there


def test_a_workspace_upload_over_budget_is_refused_with_422_and_changes_nothing(
    tmp_path: Path, store_url: str
) -> None:
    workspace = workspace_of(write_config(tmp_path / "config.toml", store_url))
    assert workspace.cli("import", str(SEED_PLAN), "--now", IMPORT_NOW).code == 0
    workspace.add_account(USERNAME, KUNGSHOLMEN)
    each = occurrences_of_one(workspace.cli.config, year=2025)
    crossing = DEFAULTS.max_occurrences_per_plan // each + 1
    too_often = weekday_plan(tmp_path / "vardagar.toml", crossing + 5, year=2025).read_bytes()
    too_many = weekday_plan(tmp_path / "stor.toml", 2_000, year=2025).read_bytes()
    port = free_port()
    app = create_app(workspace.engine, workspace.config, clock=Clock(START))
    with serving(app, port) as base, httpx.Client(base_url=base, timeout=120) as http:
        assert sign_in(http).status_code == 303
        before = contents(store_url)
        for name, data, said in (
            ("vardagar.toml", too_often,
             f"med åtgärd {crossing}, «Åtgärd {crossing}» i området «{AREA}», blir de"),
            ("stor.toml", too_many, "åtgärd 1 501, «Åtgärd 1501» i området «Trygghet i centrum»"),
        ):  # fmt: skip
            csrf = page_token(http.get("/plan"))
            refused = http.post("/plan", data={"csrf": csrf},
                                files={"fil": (name, data, "application/octet-stream")})  # fmt: skip
            assert refused.status_code == 422
            text = re.sub(r"\s+", " ", refused.text)
            assert said in text and "i config.toml" in text and "Inget ändrades." in text
        assert contents(store_url) == before


def _norrmalm_small(path: Path) -> Path:
    """Norrmalm's plan: three measures of four meetings, far under any budget here."""
    plan = Plan(NORRMALM, 2024, (Area("Trygghet", tuple(
        Measure(title=f"Forum {n}", when_text="4 ggr/år",
                responsible_text="Trygghetssamordnare är sammankallande") for n in (1, 2, 3)
    )),))  # fmt: skip
    write_plan(plan, path)
    return path


LOWERED = "[limits]\nmax_occurrences_per_plan = 40\n"


def _two_districts(tmp_path: Path, store_url: str) -> Cli:
    """Kungsholmen's seed (72 meetings and tasks) and Norrmalm's small plan, imported under the
    default budget; then the budget lowered under Kungsholmen's plan."""
    config = write_two_district_config(tmp_path, store_url)
    cli = upgraded_cli(config)
    for plan in (SEED_PLAN, _norrmalm_small(tmp_path / "norrmalm-2024.toml")):
        imported = cli("import", str(plan), "--now", IMPORT_NOW)
        assert imported.code == 0, imported.err
    write_two_district_config(tmp_path, store_url, extra=LOWERED)
    return cli


def test_a_stored_plan_over_a_lowered_budget_is_refused_and_the_others_go_on(
    tmp_path: Path, store_url: str
) -> None:
    cli = _two_districts(tmp_path, store_url)
    # The cron pass: Kungsholmen's plan is named, Norrmalm's reminders are still planned.
    run = cli("remind", "run-due", "--now", "2024-03-13T08:00")
    assert run.code == 2, run.err
    assert f"Fel: planen {KUNGSHOLMEN} 2024 får fler än 40 möten och uppgifter" in run.err
    assert "(limits.max_occurrences_per_plan i config.toml)" in run.err
    assert NORRMALM not in run.err
    assert "Skickade" in run.out  # the pass ran
    # Rolling it over is refused alike, and leaves no plan for the new year.
    rolled = cli("--organisation", "kungsholmen", "rollover", "2025")
    assert rolled.code == 2, rolled.err
    # (Named by the plan found over the budget first: the stored 2024 plan it is copied from.)
    assert re.search(f"planen {KUNGSHOLMEN} 202[45] får fler än 40 möten", rolled.err), rolled.err
    assert cli("--organisation", "kungsholmen", "plan", "--year", "2025").code == 3
    # Norrmalm's plan is another district's: its commands work as before.
    assert cli("--organisation", "norrmalm", "agenda", "--json").code == 0


def test_serve_starts_with_a_stored_plan_over_a_lowered_budget(
    tmp_path: Path, store_url: str, faketime: str
) -> None:
    cli = _two_districts(tmp_path, store_url)
    created = cli("--organisation", "norrmalm", "feeds", "create", "Polisen")
    assert created.code == 0, created.err
    link = next(word for word in created.out.split() if "/feeds/" in word and word.endswith(".ics"))
    install = Install(faketime, cli.config, tmp_path / "outbox", tmp_path / "scheduler.log")
    with serving_process(install, "2024-03-13 09:00:00", "budget") as server:
        assert httpx.get(server.base + "/healthz", timeout=30).status_code == 200
        assert server.get(link).status_code == 200  # Norrmalm's calendar is served
        said = server.log.read_text()
    assert f"Fel: planen {KUNGSHOLMEN} 2024 får fler än 40 möten och uppgifter" in said
    assert "Servern startar ändå." in said


def test_the_docs_document_the_budget_and_the_busy_timeout() -> None:
    """docs/security.md names the keys with their defaults (every key's reference is the
    generated docs/configuration.md)."""
    from tests.support.seed import ROOT

    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8").replace("\n", " ")
    assert "## Plans have a size budget" in text and "## A busy database" in text
    assert f"`limits.max_measures_per_plan` ({DEFAULTS.max_measures_per_plan:,})" in text
    assert f"`limits.max_occurrences_per_plan` ({DEFAULTS.max_occurrences_per_plan:,} " in text
    assert f"`database.busy_timeout_seconds` ({Database().busy_timeout_seconds:g} s;" in text
