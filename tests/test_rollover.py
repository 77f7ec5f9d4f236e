"""Rollover is safe (issue 11): it never silently overwrites a year that exists, and it says
which När texts give no dates in the new year."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from scheduler.plan.files import read_plan, write_plan
from tests.conftest import SEED_PLAN, Cli


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
