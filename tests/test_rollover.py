"""Rollover is safe (issue 11): it never silently overwrites a year that exists, and it says
which När texts give no dates in the new year."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from scheduler.plan.files import read_plan, write_plan
from tests.support.cli import Cli
from tests.support.seed import SEED_PLAN


def _first_title(cli: Cli, year: int) -> str:
    plan = json.loads(cli("plan", "--json", "--year", str(year)).out)
    return str(plan["areas"][0]["measures"][0]["title"])


def test_a_rollover_onto_an_existing_year_is_refused_without_force(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("import", str(SEED_PLAN)).code == 0
    assert cli("rollover", "2025", "--from", "2024").code == 0
    # The coordinator edits 2025.
    plan = read_plan(SEED_PLAN).plan
    first = plan.areas[0]
    edited = replace(plan, year=2025, areas=(
        replace(first, measures=(replace(first.measures[0], title="SSP 2025"), *first.measures[1:])),
        *plan.areas[1:],
    ))  # fmt: skip
    path = tmp_path / "plan-2025.toml"
    write_plan(edited, path)
    assert cli("import", str(path)).code == 0
    assert _first_title(cli, 2025) == "SSP 2025"

    refused = cli("rollover", "2025", "--from", "2024")
    assert refused.code == 2
    assert refused.err.startswith("Fel: ") and "finns redan" in refused.err
    assert "--force" in refused.err
    assert _first_title(cli, 2025) == "SSP 2025"  # nothing of 2025 was lost

    forced = cli("rollover", "2025", "--from", "2024", "--force")
    assert forced.code == 0 and "Skrev över planen för 2025" in forced.out
    assert _first_title(cli, 2025) == "SSP"


def test_a_rollover_names_the_when_texts_that_give_no_dates_in_the_new_year(cli: Cli) -> None:
    assert cli("import", str(SEED_PLAN)).code == 0
    result = cli("rollover", "2025", "--from", "2024")
    assert result.code == 0
    notes = [line for line in result.out.splitlines() if line.startswith("Obs: ")]
    assert any("«Våren 2024»" in line and "«Nattvandring»" in line for line in notes), notes
    # Texts without a year ("Möten 4 ggr/år") give dates in any year: not named.
    assert not any("ggr/år" in line for line in notes), notes


def test_the_closing_years_follow_up_starts_after_a_november_rollover(tmp_path: Path) -> None:
    """Before, the follow-up looked only at the newest plan: after a rollover to next year in
    early November, the closing year's campaign (15 November) never started."""
    from datetime import UTC, datetime

    from scheduler.services import followup
    from scheduler.services.refresh import import_and_schedule, rolled_over
    from scheduler.settings.config import load_settings
    from scheduler.store.engine import upgrade_store
    from scheduler.store.outbox import list_outbox
    from tests.support.cli import write_config

    url = f"sqlite:///{tmp_path / 'years.sqlite3'}"
    config = load_settings(str(write_config(tmp_path / "config.toml", url)), environ={})
    engine = upgrade_store(url)[0]
    try:
        plan = read_plan(SEED_PLAN).plan
        january = datetime(2024, 1, 10, 9, tzinfo=UTC)
        closing, _ = import_and_schedule(engine, config, plan, source="test", now=january)
        november = datetime(2024, 11, 5, 9, tzinfo=UTC)
        import_and_schedule(engine, config, rolled_over(plan, 2025), source="rollover",
                            now=november)  # fmt: skip
        started = followup.tick(engine, config, now=datetime(2024, 11, 20, 9, tzinfo=UTC))
        assert started > 0
        starts = [r for r in list_outbox(engine) if r.kind == "followup-start"]
        assert starts and {r.plan_id for r in starts} == {closing.plan_id}
    finally:
        engine.dispose()


def test_without_year_a_command_takes_this_years_plan_before_a_newer_one(
    cli: Cli, tmp_path: Path
) -> None:
    """After a rollover in November, `followup status` and `plan` are about the year still
    running, not the one planned ahead; with no plan for this year, the newest one."""
    from datetime import UTC, datetime

    this_year = datetime.now(UTC).year  # the CLI reads the real clock; so does this test
    plan = read_plan(SEED_PLAN).plan
    for year in (this_year - 1, this_year + 1):
        write_plan(replace(plan, year=year), tmp_path / f"plan-{year}.toml")
        assert cli("import", str(tmp_path / f"plan-{year}.toml")).code == 0
    assert json.loads(cli("plan", "--json").out)["year"] == this_year + 1  # none for this year
    write_plan(replace(plan, year=this_year), tmp_path / "plan-now.toml")
    assert cli("import", str(tmp_path / "plan-now.toml")).code == 0
    assert json.loads(cli("plan", "--json").out)["year"] == this_year
    status = cli("followup", "status")
    assert status.code == 0 and str(this_year) in status.out
