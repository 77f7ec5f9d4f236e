"""Swedish agreement (issue 12): a count and its noun agree in messages, descriptions and emails.

"1 åtgärder", "1 gånger per vecka" for "varannan tisdag", "1 gånger per gång", "1 tillfällen" and
"När: När saknas" were the examples; one helper (`scheduler.base.swedish.count`) now writes them all.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import cast

import pytest

from scheduler.base.swedish import MONTH_NAMES, WEEKDAYS, count, noun
from scheduler.base.templating import swedish_date
from scheduler.cadence import CalendarPolicy, describe_cadence
from scheduler.cadence.wording import frequency_text
from scheduler.mail.render import render_email
from scheduler.settings.model import Calendar
from tests.support.cli import Cli
from tests.support.seed import SEED_PLAN


@pytest.mark.parametrize(
    ("number", "singular", "expected"),
    [
        (1, "åtgärd", "1 åtgärd"),
        (2, "åtgärd", "2 åtgärder"),
        (0, "åtgärd", "0 åtgärder"),
        (1, "gång", "1 gång"),
        (4, "gång", "4 gånger"),
        (1, "tillfälle", "1 tillfälle"),
        (11, "tillfälle", "11 tillfällen"),
        (1, "roll", "1 roll"),
        (3, "område", "3 områden"),
    ],
)
def test_one_takes_the_singular_and_every_other_count_the_plural(
    number: int, singular: str, expected: str
) -> None:
    assert count(number, singular) == expected


def test_a_count_can_name_its_own_plural() -> None:
    assert count(1, "kalenderfil", "kalenderfiler") == "1 kalenderfil"
    assert count(2, "kalenderfil", "kalenderfiler") == "2 kalenderfiler"
    assert noun(1, "inskickad", "inskickade") == "inskickad"


@pytest.mark.parametrize(
    ("count_", "per", "interval", "expected"),
    [
        (1, "week", 2, "varannan vecka"),  # "varannan tisdag" was "1 gånger per vecka"
        (1, "once", 1, "1 gång"),  # a deadline was "1 gånger per gång"
        (1, "week", 1, "1 gång per vecka"),
        (2, "month", 1, "2 gånger per månad"),
        (1, "month", 3, "var tredje månad"),
        (1, "year", 2, "vartannat år"),
        (1, "quarter", 2, "vartannat kvartal"),
        (2, "week", 2, "2 gånger varannan vecka"),
        (1, "day", 14, "var 14:e dag"),
    ],
)
def test_how_often_is_said_in_swedish_that_agrees(
    count_: int, per: str, interval: int, expected: str
) -> None:
    assert frequency_text(count_, per, interval) == expected


def test_every_other_tuesday_is_described_with_its_interval() -> None:
    described = describe_cadence(
        "Varannan tisdag", year=2025, policy=CalendarPolicy.from_section(Calendar())
    )
    (series,) = cast(list[dict[str, object]], described["series"])
    assert (series["count"], series["per"], series["interval"]) == (1, "week", 2)


def test_the_cadence_command_says_1_tillfalle_and_varannan_vecka(sqlite_cli: Cli) -> None:
    once = sqlite_cli("cadence", "En gång per år", "--year", "2025").out
    assert "1 tillfälle 2025" in once and "1 tillfällen" not in once
    fortnight = sqlite_cli("cadence", "Varannan tisdag", "--year", "2025").out
    assert "varannan vecka" in fortnight and "1 gånger" not in fortnight
    deadline = sqlite_cli("cadence", "Senast 31 mars", "--year", "2025").out
    assert "1 gånger per gång" not in deadline and "1 gång" in deadline


def test_check_with_one_finding_says_1_sak(sqlite_cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        'organisation = "X"\nyear = 2099\n[[areas]]\nname = "A"\n'
        '[[areas.measures]]\ntitle = "Forum"\nwhen_text = "se bilaga"\n'
        'responsible_text = "Trygghetssamordnaren sammankallar."\n',
        encoding="utf-8",
    )
    sqlite_cli("import", str(plan))
    out = sqlite_cli("check").out
    # (2099: a plan not yet past its hand-in day, which `check` would report too)
    assert out.splitlines()[0] == "1 sak att se över i planen 2099:"


def test_the_plan_says_nar_saknas_once(sqlite_cli: Cli) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    out = sqlite_cli("plan").out
    assert "När: saknas" in out and "När: När saknas" not in out


def test_a_follow_up_email_about_one_measure_agrees() -> None:
    rows = [
        {"role": "Polis", "submitted": 1, "total": 1, "answered": 1, "by_coordinator": 1},
        {"role": "Skolan", "submitted": 0, "total": 2, "answered": 0, "by_coordinator": 0},
    ]
    email = render_email(
        "followup_summary",
        {"role": "Samordnare", "year": 2025, "rows": rows, "link": "x", "organisation": "X"},
    )
    assert "1 av 1 åtgärd inskickad, 1 ifylld av samordnaren" in email.text
    assert "0 av 2 åtgärder inskickade" in email.text
    assert email.subject.endswith("1 roll har inte svarat")
    assert "1 av 1 åtgärd inskickad" in email.html


def test_a_digest_for_one_week_and_one_entry_agrees() -> None:
    email = render_email(
        "digest", {"role": "Polis", "week": 10, "entries": [], "weeks": 1, "organisation": "X"}
    )
    assert "0 möten och uppgifter den närmaste veckan" in email.subject
    assert "den närmaste veckan" in email.text


def test_weekday_and_month_names_come_from_one_table() -> None:
    assert WEEKDAYS["tisdag"] == "TU" and MONTH_NAMES[3] == "mars"
    assert swedish_date(date(2025, 3, 4)) == "tisdag 4 mars 2025"
