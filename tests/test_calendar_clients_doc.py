"""docs/calendar-clients.md is the one place for what each calendar program shows: a table of
client × kind of calendar, every row with sources. The subscribe page's advice is held to it:
what it says of cancelled meetings, of to-do lists and of series files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.feeds_fixture import (
    CLIENTS,
    Scheduled,
    client_for,
    page_of,
    scheduled_plan,
    token,
)
from tests.support.html_page import HtmlPage

DOC = Path(__file__).resolve().parents[1] / "docs" / "calendar-clients.md"
# The table's clients and the page's sections (tests/test_feed_page.py names them).
SECTIONS = {
    "Outlook (new Outlook, Outlook on the web)": "outlook",
    "Outlook (classic, Windows)": "outlook-klassisk",
    "Google Calendar": "google",
    "Apple Calendar (Mac, iPhone, iPad)": "apple",
    "Thunderbird": "thunderbird",
}
# What the page calls each program where it names one in passing.
PAGE_NAMES = {"outlook": "Outlook", "outlook-klassisk": "Outlook", "google": "Google Kalender",
              "apple": "Apple Kalender", "thunderbird": "Thunderbird"}  # fmt: skip
CANCELLED, TODO, SERIES = "cancelled meeting in it", "to-do list (`NAME.todo.ics`)", "series (`NAME.serie.ics`, imported once)"  # fmt: skip


def table() -> dict[str, dict[str, str]]:
    """The table's rows: client → {column: cell}."""
    text = DOC.read_text(encoding="utf-8")
    lines = [line for line in text.split("## The table", 1)[1].splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows


def word(cell: str) -> str:
    """The bold word a cell starts with."""
    found = re.match(r"\*\*(\w+)\*\*", cell)
    assert found, cell
    return found[1]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> HtmlPage:
    scheduled: Scheduled = scheduled_plan(tmp_path_factory.mktemp("doc"))
    # A link for one measure with tasks and a series: every download the page can offer.
    return page_of(client_for(scheduled), token(scheduled, scope="atgard-nyhetsbrev"))


def test_the_table_has_a_row_for_every_program_on_the_page_each_with_sources() -> None:
    rows = table()
    assert set(SECTIONS.values()) == set(CLIENTS)
    assert set(rows) == set(SECTIONS)
    text = DOC.read_text(encoding="utf-8")
    listed = {int(n) for n in re.findall(r"^(\d+)\. ", text.split("## Sources", 1)[1], re.M)}
    for client, row in rows.items():
        numbers = [int(n) for n in re.findall(r"\d+", row["sources"])]
        assert numbers and set(numbers) <= listed, client
        for column, cell in row.items():
            if column not in {"client", "sources"}:
                assert word(cell) in {"shown", "free", "removed", "ignored", "kept", "limited"}, (
                    cell
                )


def test_what_the_page_says_of_cancelled_meetings_is_what_the_table_says(page: HtmlPage) -> None:
    rows = table()
    general = re.search(r"Ett inställt möte står kvar[^.]*\.", page.text)
    assert general, "the page says what a cancelled meeting looks like"
    for client, row in rows.items():
        section = HtmlPage(page.source[page.by_id(SECTIONS[client]).position :
                                      page.end_of(page.by_id(SECTIONS[client]))]).text  # fmt: skip
        name = PAGE_NAMES[SECTIONS[client]]
        if word(row[CANCELLED]) == "removed":
            assert f"{name} visar inte inställda möten" in section, client
            assert f"utom i {name}" in general[0], client
        else:
            assert word(row[CANCELLED]) == "free", client
            assert "tiden visas som ledig" in general[0] and f"utom i {name}" not in general[0]


def test_the_to_do_list_is_offered_for_the_programs_the_table_says_show_it(page: HtmlPage) -> None:
    rows = table()
    (item,) = [e for e in page.all("li") if "att göra-lista" in e.text]
    named = re.search(r"\(till exempel ([^)]*)\)", " ".join(item.text.split()))
    assert named, item.text
    for client, row in rows.items():
        name = PAGE_NAMES[SECTIONS[client]]
        if word(row[TODO]) == "shown":
            assert name in named[1], client
        else:
            assert word(row[TODO]) == "ignored" and name not in named[1], client
    # The tasks are in the calendar itself too, which every program shows.
    assert all(word(row["tasks as all-day events"]) == "shown" for row in rows.values())
    assert "I kalendern finns uppgifterna redan, som heldagar" in " ".join(item.text.split())


def test_the_series_file_is_offered_as_the_table_says_every_program_keeps_it(
    page: HtmlPage,
) -> None:
    assert all(word(row[SERIES]) == "kept" for row in table().values())
    assert any("återkommande händelse" in e.text for e in page.all("a"))
