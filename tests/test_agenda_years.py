"""The agenda spans the plans its dates fall in (issue 11): without --year, December of one plan
and January of the next come in one list, in time order."""

from __future__ import annotations

import json

from tests.support.cli import Cli
from tests.support.seed import SEED_PLAN


def test_agenda_from_december_to_january_spans_two_plans(cli: Cli) -> None:
    assert cli("import", str(SEED_PLAN)).code == 0
    assert cli("rollover", "2025", "--from", "2024").code == 0
    result = cli("agenda", "--from", "2024-12-01", "--to", "2025-01-31", "--json")
    assert result.code == 0, result.err
    entries = json.loads(result.out)
    years = {entry["date"][:4] for entry in entries}
    assert years == {"2024", "2025"}
    assert [entry["date"] for entry in entries] == sorted(entry["date"] for entry in entries)


def test_agenda_for_a_span_with_no_plan_says_so(cli: Cli) -> None:
    assert cli("import", str(SEED_PLAN)).code == 0
    result = cli("agenda", "--from", "2031-01-01", "--to", "2031-02-01")
    assert result.code == 3 and "ingen plan för 2031" in result.err


def test_agenda_in_the_later_plans_year_alone_reads_that_plan(cli: Cli) -> None:
    """Before, without --year only the newest plan was read: December 2024 said nothing after
    a rollover to 2025."""
    assert cli("import", str(SEED_PLAN)).code == 0
    assert cli("rollover", "2025", "--from", "2024").code == 0
    result = cli("agenda", "--from", "2024-12-01", "--to", "2024-12-31", "--json")
    assert result.code == 0 and json.loads(result.out)
