"""The subscribe page behind a calendar link (scheduler/web/feed_page.py), tried as a new user
would (issue 13): the calendar to take and the steps first, the address alone in a field, plain
words, every date, and only what the link covers."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from scheduler.base.templating import swedish_date
from scheduler.model.occurrence import Occurrence
from scheduler.services.feeds import FeedSettings
from scheduler.web.app import create_app
from scheduler.web.feed_page import DATES_SHOWN, FOLD_AFTER
from tests.support.cli import Cli
from tests.support.feeds_fixture import (
    CLIENTS,
    DST_MEASURE,
    NOW,
    Scheduled,
    client_for,
    page_of,
    scheduled_plan,
    token,
)
from tests.support.html_page import HtmlPage


@pytest.fixture
def scheduled(tmp_path: Path, store_url: str) -> Scheduled:
    return scheduled_plan(tmp_path, store_url)


def shown_measures(page: HtmlPage) -> dict[int, HtmlPage]:
    """Each measure's section on the page, by the measure's id in the newest plan."""
    sections = page.all("section", class_="measure")
    return {
        int(s.attrs["id"].removeprefix("atgard-")): HtmlPage(
            page.source[s.position : page.end_of(s)]
        )
        for s in sections
    }


def coming(rows: list[Occurrence], measure_id: int) -> list[Occurrence]:
    return sorted((r for r in rows if r.measure_id == measure_id and r.end > NOW),
                  key=lambda r: r.start)  # fmt: skip


# -- the calendar to take and the steps come first ---------------------------------------------


def test_the_recommended_calendar_and_every_programs_steps_come_before_the_other_calendars(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    page = page_of(http, token(scheduled))
    address = page.by_id("adress")
    assert address.attrs["value"].endswith("/plan.ics")  # a link for everything: the whole plan
    steps = [page.by_id(name) for name in CLIENTS]
    for element, summary in zip(steps, CLIENTS.values(), strict=True):
        assert element.tag == "details" and summary in " ".join(element.text.split())
    (others,) = page.all("details", class_="others")
    first_measure = page.all("section", class_="measure")[0]
    # The address, then the steps in order, then the folded list, then the measures.
    positions = [address.position, *(e.position for e in steps), others.position,
                 first_measure.position]  # fmt: skip
    assert positions == sorted(positions)
    assert "open" not in others.attrs  # folded away


def test_the_other_calendars_are_folded_away_each_with_its_own_address_field(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    secret = token(scheduled)
    page = page_of(http, secret)
    (others,) = page.all("details", class_="others")
    start, end = others.position, page.end_of(others)
    fields = [e for e in page.all("input", class_="address") if start < e.position < end]
    names = {re.sub(r".*/", "", e.attrs["value"]) for e in fields}
    assert {"omrade-unga-i-riskzon-for-destruktivt-beteende.ics", "atgard-ssp.ics",
            "atgard-ssp-gymnasiet.ics", "roll-kommunpolis.ics"} <= names  # fmt: skip
    assert "plan.ics" not in names  # the recommended one is above, not repeated
    for field in fields:
        assert "readonly" in field.attrs
        assert (
            http.get(field.attrs["value"].removeprefix("http://127.0.0.1:8000")).status_code == 200
        )
    # Everything outside the fold offers one address: the recommended calendar's.
    outside = [e for e in page.all("input", class_="address") if not start < e.position < end]
    assert [e.attrs["id"] for e in outside] == ["adress"]
    summary = " ".join(page.all("summary")[len(CLIENTS) + 1].text.split())
    assert summary == f"Visa {len(fields)} kalendrar med en del av planen"


def test_a_link_for_one_calendar_recommends_that_one_and_offers_no_others(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    for scope in ("roll-kommunpolis", "atgard-ssp", "atgard-ssp-gymnasiet"):
        page = page_of(http, token(scheduled, scope=scope))
        assert page.by_id("adress").attrs["value"].endswith(f"/{scope}.ics")
        assert page.all("details", class_="others") == []
        assert len(page.all("input", class_="address")) == 1
        assert all(summary in page.text for summary in CLIENTS.values())


# -- the address alone in a field, with a copy button --------------------------------------------


def test_the_address_is_alone_in_a_read_only_field_whose_label_is_outside_it(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    secret = token(scheduled)
    page = page_of(http, secret)
    for field in page.all("input", class_="address"):
        value = field.attrs["value"]
        assert re.fullmatch(rf"http://127\.0\.0\.1:8000/feeds/{secret}/[a-z0-9-]+\.ics", value)
        assert "readonly" in field.attrs and field.attrs.get("type") == "text"
        label = page.label_of(field.attrs["id"])
        assert label.startswith(("Kalenderns adress", "Adress")) and label not in value
        assert field.attrs["data-copy"]  # copy.js adds a copy button after it
    assert page.label_of("adress") == "Kalenderns adress"
    # The address is not also printed as text beside the field (selecting that copied its label).
    assert f"/feeds/{secret}/" not in page.text
    assert page.all("script", src="/static/copy.js")


def test_the_copy_script_is_a_file_of_the_site_and_the_policy_allows_only_such_scripts(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    script = http.get("/static/copy.js")
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "input[data-copy]" in script.text and "clipboard" in script.text
    policy = http.get(f"/feeds/{token(scheduled)}/").headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert http.get("/static/finns-inte.js").status_code == 404
    assert http.get("/static/..%2Fbase.html").status_code == 404


# -- plain words -------------------------------------------------------------------------------


def test_the_page_speaks_plain_swedish_without_calendar_jargon(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    for scope in ("", "atgard-ssp"):
        text = page_of(http, token(scheduled, scope=scope)).text
        for jargon in ("webcal", "VTODO", ".ics", "iCalendar", "Som återkommande möte", "URL"):
            assert jargon not in text, (scope, jargon)
        assert "Prenumerera" in text and "Ladda ned kalendern som fil" in text


def test_the_steps_name_the_addresss_own_beginning_http_or_https(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    text = page_of(http, token(scheduled)).text
    assert "börjar med http://127.0.0.1:8000/feeds/ ." in text
    assert "https" not in text

    organisation = scheduled.config.organisation.model_copy(
        update={"base_url": "https://kalender.example.se"}
    )
    config = scheduled.config.model_copy(update={"organisation": organisation})
    secure = TestClient(create_app(scheduled.engine, config, clock=lambda: NOW))
    page = page_of(secure, token(scheduled))
    assert "börjar med https://kalender.example.se/feeds/ ." in page.text
    assert page.by_id("adress").attrs["value"].startswith("https://kalender.example.se/feeds/")


# -- only what the link covers, with every date -------------------------------------------------


def test_a_role_link_lists_that_roles_measures_and_a_measure_link_that_measure(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    schedule = scheduled.schedule()
    everything = set(shown_measures(page_of(http, token(scheduled))))
    # The plan's own hand-in task is in the calendars, not among the measures.
    assert everything == {item.stored.id for item in schedule.workbook_measures}
    police = {
        i.stored.id
        for i in schedule.workbook_measures
        if "Kommunpolis" in i.responsibility.participants
    }
    role_page = page_of(http, token(scheduled, scope="roll-kommunpolis"))
    assert set(shown_measures(role_page)) == police and 0 < len(police) < len(everything)
    ssp = schedule.measures[0].stored
    assert ssp.measure.title == "SSP"
    measure_page = page_of(http, token(scheduled, scope="atgard-ssp"))
    assert set(shown_measures(measure_page)) == {ssp.id}
    others = {i.stored.measure.title for i in schedule.workbook_measures if i.stored.id != ssp.id}
    assert not [title for title in others if title in measure_page.text.replace("SSP", "")]
    # A series link: the measure, with only that series' dates.
    series_page = page_of(http, token(scheduled, scope="atgard-ssp-gymnasiet"))
    (section,) = shown_measures(series_page).values()
    dates = section.all("li")
    assert dates and all("(Gymnasiet)" in d.text for d in dates)
    gymnasiet = [r for r in coming(scheduled.rows(), ssp.id) if r.series_label == "Gymnasiet"]
    assert len(dates) == len(gymnasiet)


def test_every_coming_date_is_on_the_page_and_a_long_list_says_how_many_more(
    scheduled: Scheduled,
) -> None:
    """The page once cut every list at six dates without a word."""
    http = client_for(scheduled)
    rows = scheduled.rows()
    page = page_of(http, token(scheduled))
    sections = shown_measures(page)
    long_lists = 0
    for item in scheduled.schedule().workbook_measures:
        section = sections[item.stored.id]
        expected = coming(rows, item.stored.id)
        shown = [" ".join(li.text.split()) for li in section.all("li")]
        assert len(shown) == len(expected), item.stored.measure.title
        for text, row in zip(shown, expected, strict=True):  # in order, each its own date
            assert text.startswith(swedish_date(row.start)), (text, row.start)
        folded = section.all("details", class_="more-dates")
        if len(expected) > FOLD_AFTER:
            long_lists += 1
            assert f"och {len(expected) - DATES_SHOWN} till" in " ".join(folded[0].text.split())
            assert len(section.all("ul", class_="dates")) == 2
        else:
            assert folded == []
        assert f"Kommande datum ({len(expected)})" in section.text or not expected
    weekly = next(
        i for i in scheduled.schedule().measures if i.stored.measure.title == DST_MEASURE.title
    )
    assert len(coming(rows, weekly.stored.id)) > FOLD_AFTER and long_lists >= 1


def test_a_cancelled_meeting_stays_on_the_page_marked_as_cancelled(scheduled: Scheduled) -> None:
    from scheduler.store.occurrences import cancel_occurrence

    ssp = scheduled.schedule().measures[0].stored
    first = coming(scheduled.rows(), ssp.id)[0]
    cancel_occurrence(scheduled.engine, first.uid, now=NOW)
    page = page_of(client_for(scheduled), token(scheduled, scope="atgard-ssp"))
    first_date = " ".join(shown_measures(page)[ssp.id].all("li")[0].text.split())
    assert first_date.startswith(swedish_date(first.start)) and first_date.endswith(": inställt")


def test_after_a_rollover_the_page_names_both_plan_years_and_shows_both_years_dates(
    scheduled: Scheduled, tmp_path: Path
) -> None:
    http = client_for(scheduled)
    secret = token(scheduled, scope="atgard-ssp")
    before = page_of(http, secret)
    assert "åtgärdsplanen 2024" in before.text and "2025" not in before.text
    assert Cli(tmp_path / "config.toml")("rollover", "2025").code == 0

    after = page_of(http, secret)
    assert "åtgärdsplanerna 2024 och 2025" in after.text
    (section,) = shown_measures(after).values()  # one SSP, not one per year
    years = {int(m) for m in re.findall(r"\b(20\d\d) kl\.", section.text)}
    assert years == {2024, 2025}
    # Events of either year link to the page with their own year's id: both land on SSP.
    ids = {e.attrs["id"] for e in section.elements if e.attrs.get("id", "").startswith("atgard-")}
    assert len(ids) == 2


def test_a_measure_with_nothing_coming_says_so(scheduled: Scheduled) -> None:
    page = page_of(client_for(scheduled), token(scheduled))
    as_needed = next(s for s in shown_measures(page).values() if "Vid behov" in s.text)
    assert "Inga kommande datum." in as_needed.text and as_needed.all("li") == []


# -- what is offered to download: a to-do list only with tasks, a series only as Outlook holds it


def test_a_calendar_without_tasks_offers_no_to_do_list_and_one_with_tasks_does(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    ssp = page_of(http, token(scheduled, scope="atgard-ssp"))
    assert not [a for a in ssp.all("a") if a.attrs.get("href", "").endswith(".todo.ics")]
    secret = token(scheduled, scope="atgard-ssp")
    assert http.get(f"/feeds/{secret}/atgard-ssp.todo.ics").status_code == 404
    letter = page_of(http, token(scheduled, scope="atgard-nyhetsbrev"))
    (link,) = [a for a in letter.all("a") if a.attrs.get("href", "").endswith(".todo.ics")]
    assert "att göra-lista" in link.text
    offered = http.get(urlsplit(link.attrs["href"]).path)
    assert offered.status_code == 200 and b"BEGIN:VTODO" in offered.content


def test_a_series_outlook_cannot_hold_in_few_rules_is_not_offered_and_the_page_says_why(
    scheduled: Scheduled,
) -> None:
    settings = replace(FeedSettings.from_settings(scheduled.config), recheck_seconds=0,
                       series_max_rules=1)  # fmt: skip
    http = TestClient(create_app(scheduled.engine, scheduled.config, clock=lambda: NOW,
                                 feed_settings=settings))  # fmt: skip
    secret = token(scheduled, scope="atgard-ssp")
    page = page_of(http, secret)
    assert not [a for a in page.all("a") if a.attrs.get("href", "").endswith(".serie.ics")]
    assert "följer inget mönster som kalenderprogrammen kan upprepa" in page.text
    refused = http.get(f"/feeds/{secret}/atgard-ssp.serie.ics")
    assert refused.status_code == 404
    # A monthly forum (July skipped) takes one rule: offered with the same settings.
    name = "atgard-nytt-samverkansforum-gallande-unga-med-risk-for-destruktivt-beteende"
    forum = page_of(http, token(scheduled, scope=name))
    (series,) = [a for a in forum.all("a") if a.attrs.get("href", "").endswith(".serie.ics")]
    assert http.get(urlsplit(series.attrs["href"]).path).status_code == 200
