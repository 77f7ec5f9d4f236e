"""Feeds over HTTP: secret token URLs, strong ETag, 304, HEAD, 404 for unknown and revoked."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scheduler.model.plan import Area, Plan, PolicyOverrides
from scheduler.services.feeds import FeedSettings
from scheduler.services.refresh import plan_schedule
from scheduler.store.feed_tokens import list_tokens, revoke_token
from scheduler.store.plans import find_plan_id
from scheduler.web.app import create_app
from tests.support.cli import Cli
from tests.support.feeds_fixture import (
    DST_MEASURE,
    NOW,
    Scheduled,
    client_for,
    scheduled_plan,
    seed_with_dst_measure,
    token,
)


@pytest.fixture
def scheduled(tmp_path: Path, store_url: str) -> Scheduled:
    return scheduled_plan(tmp_path, store_url)


def test_a_feed_is_served_with_a_strong_etag_and_calendar_type(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    response = http.get(f"/feeds/{token(scheduled)}/plan.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    etag = response.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.content.startswith(b"BEGIN:VCALENDAR") and b"BEGIN:VEVENT" in response.content


def test_a_matching_if_none_match_gets_304_without_a_body(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    url = f"/feeds/{token(scheduled)}/plan.ics"
    etag = http.get(url).headers["etag"]
    again = http.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert http.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert http.get(url, headers={"If-None-Match": f'"x", {etag}'}).status_code == 304


def test_head_gives_the_headers_of_get_without_the_body(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    url = f"/feeds/{token(scheduled)}/plan.ics"
    full = http.get(url)
    head = http.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == full.headers["etag"]
    assert head.headers["content-length"] == str(len(full.content))
    assert head.headers["content-type"] == "text/calendar; charset=utf-8"


def test_unknown_and_revoked_tokens_get_a_bare_404(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    secret = token(scheduled)
    assert http.get(f"/feeds/{secret}/plan.ics").status_code == 200
    unknown = http.get("/feeds/not-a-real-token/plan.ics")
    assert unknown.status_code == 404 and unknown.text == "Hittades inte."
    row = next(r for r in list_tokens(scheduled.engine) if r.revoked_at is None)
    assert row.id is not None
    revoke_token(scheduled.engine, row.id, now=NOW)
    revoked = http.get(f"/feeds/{secret}/plan.ics")
    assert revoked.status_code == 404 and revoked.text == "Hittades inte."
    # The subscribe page of a revoked token is the same Swedish page as any missing page.
    page, missing = http.get(f"/feeds/{secret}/"), http.get("/finns-inte")
    assert page.status_code == missing.status_code == 404 and page.text == missing.text
    # It says whom to ask, and nothing about the plan (issue 11).
    assert "be den som gav dig länken" in page.text
    assert "Kungsholmen" not in page.text and "SSP" not in page.text
    assert http.head(f"/feeds/{secret}/plan.ics").status_code == 404


def test_tokens_are_stored_hashed(scheduled: Scheduled) -> None:
    secret = token(scheduled)
    stored = list_tokens(scheduled.engine)[0]
    assert secret not in stored.token_hash and len(secret) >= 40


def test_a_token_limited_to_one_scope_opens_only_that_feed(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    secret = token(scheduled, scope="roll-kommunpolis")
    assert http.get(f"/feeds/{secret}/roll-kommunpolis.ics").status_code == 200
    assert http.get(f"/feeds/{secret}/plan.ics").status_code == 404


def test_an_unknown_scope_is_404(scheduled: Scheduled) -> None:
    http = client_for(scheduled)
    assert http.get(f"/feeds/{token(scheduled)}/nonsens.ics").status_code == 404


def test_the_feed_page_explains_subscribing_in_swedish_with_webcal_links(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    secret = token(scheduled)
    page = http.get(f"/feeds/{secret}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for words in ("Outlook", "Google Kalender", "Apple Kalender", "Thunderbird", "Prenumerera"):
        assert words in page.text
    assert f"webcal://testserver/feeds/{secret}/plan.ics" in page.text or "webcal://" in page.text
    assert 'id="atgard-' in page.text  # the link back from each calendar entry lands here


def test_a_poll_costs_no_database_work_until_the_recheck_interval(scheduled: Scheduled) -> None:
    from sqlalchemy import event

    http = client_for(scheduled, recheck_seconds=3600)
    url = f"/feeds/{token(scheduled)}/plan.ics"
    first = http.get(url)
    statements: list[str] = []
    event.listen(scheduled.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    second = http.get(url, headers={"If-None-Match": first.headers["etag"]})
    third = http.get(url)
    assert second.status_code == 304 and third.content == first.content
    assert statements == []


def test_the_feed_changes_when_the_plan_changes(scheduled: Scheduled) -> None:
    from scheduler.store.occurrences import cancel_occurrence

    http = client_for(scheduled)
    url = f"/feeds/{token(scheduled)}/plan.ics"
    before = http.get(url)
    uid = scheduled.rows()[5].uid
    cancel_occurrence(scheduled.engine, uid, now=NOW)
    after = http.get(url, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert b"STATUS:CANCELLED" in after.content


def _measure_ids(page: str) -> set[int]:
    return {int(found) for found in re.findall(r'<section class="measure" id="atgard-(\d+)"', page)}


def test_a_role_scoped_tokens_page_lists_only_the_measures_of_its_scope(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    schedule = scheduled.schedule()
    everything = _measure_ids(http.get(f"/feeds/{token(scheduled)}/").text)
    # The plan's own hand-in task is in the calendars, not among the measures.
    assert everything == {item.stored.id for item in schedule.workbook_measures}
    police = {
        i.stored.id
        for i in schedule.workbook_measures
        if "Kommunpolis" in i.responsibility.participants
    }
    page = http.get(f"/feeds/{token(scheduled, scope='roll-kommunpolis')}/").text
    assert _measure_ids(page) == police and 0 < len(police) < len(everything)
    one = schedule.measures[0].stored
    assert one.measure.title == "SSP"
    # The measure's name from its title, and the old id name a token may still carry: one calendar.
    for scope in ("atgard-ssp", f"atgard-{one.id}"):
        page = http.get(f"/feeds/{token(scheduled, scope=scope)}/").text
        assert _measure_ids(page) == {one.id}
        others = [i.stored.measure.title for i in schedule.measures if i.stored.id != one.id]
        assert not [title for title in others if f">{html.escape(title)}</h4>" in page]
        assert "/atgard-ssp.ics" in page and f"/atgard-{one.id}.ics" not in page


def test_the_feed_cache_keeps_a_fixed_number_of_entries(
    scheduled: Scheduled,
) -> None:
    """1,500 different ?from= once grew the server without bound."""
    settings = replace(FeedSettings.from_settings(scheduled.config), recheck_seconds=3600,
                       cache_entries=16)  # fmt: skip
    app = create_app(scheduled.engine, scheduled.config, clock=lambda: NOW, feed_settings=settings)
    http, service = TestClient(app), app.state.feeds
    url = f"/feeds/{token(scheduled)}/plan.ics"
    kept = http.get(url).content
    for day in range(60):  # 60 different windows inside the plan year
        window = {"from": f"2024-03-{day % 28 + 1:02d}", "to": f"2024-{day % 8 + 4:02d}-01"}
        assert http.get(url, params=window).status_code == 200
        assert service.cache_size <= 16
    assert service.cache_size == 16
    assert http.get(url).content == kept
    assert FeedSettings.from_settings(scheduled.config).cache_entries == 256  # the default


def test_an_absurd_window_is_clamped_to_the_plans_span_same_bytes_and_etag(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled, recheck_seconds=3600)
    service = http.app.state.feeds  # type: ignore[attr-defined]
    url = f"/feeds/{token(scheduled)}/plan.ics"
    whole = http.get(url, params={"from": "2024-01-01", "to": "2025-01-01"})
    before = service.cache_size
    for start, end in (("0001-01-01", "9999-12-31"), ("1900-01-01", "2200-01-01"),
                       ("2023-06-01", "2031-01-01")):  # fmt: skip
        wide = http.get(url, params={"from": start, "to": end})
        assert wide.content == whole.content and wide.headers["etag"] == whole.headers["etag"]
    assert service.cache_size == before  # one entry for every window over the whole span
    outside = [
        http.get(url, params={"from": f"{y}-01-01", "to": f"{y}-12-31"}) for y in (1800, 3000)
    ]
    assert outside[0].headers["etag"] == outside[1].headers["etag"]
    assert b"BEGIN:VEVENT" not in outside[0].content and service.cache_size == before + 1


SLUG_ALIKE = ("Trygg miljö", "Trygg-miljö!")


def _plan_with_slug_alike_areas() -> Plan:
    seed = seed_with_dst_measure()
    first, second = seed.areas[0], seed.areas[1]
    areas = (Area(SLUG_ALIKE[0], first.measures), Area(SLUG_ALIKE[1], second.measures))
    return replace(seed, areas=(*areas, *seed.areas[2:]))


def test_areas_whose_names_slug_alike_get_calendars_and_urls_of_their_own(tmp_path: Path) -> None:
    scheduled = scheduled_plan(tmp_path, plan=_plan_with_slug_alike_areas())
    http = client_for(scheduled)
    secret = token(scheduled)
    page = http.get(f"/feeds/{secret}/").text
    assert f"/feeds/{secret}/omrade-trygg-miljo.ics" in page
    assert f"/feeds/{secret}/omrade-trygg-miljo-2.ics" in page
    first = http.get(f"/feeds/{secret}/omrade-trygg-miljo.ics")
    second = http.get(f"/feeds/{secret}/omrade-trygg-miljo-2.ics")
    assert b"X-WR-CALNAME:Trygg milj\xc3\xb6\r" in first.content
    assert b"X-WR-CALNAME:Trygg-milj\xc3\xb6!\r" in second.content
    assert first.headers["etag"] != second.headers["etag"]


def test_feeds_export_writes_one_file_for_each_of_two_slug_alike_areas(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    from scheduler.plan.files import write_plan

    plan_file = tmp_path / "plan.toml"
    write_plan(_plan_with_slug_alike_areas(), plan_file)
    assert sqlite_cli("import", str(plan_file)).code == 0
    folder = tmp_path / "export"
    assert sqlite_cli("feeds", "export", str(folder)).code == 0
    first = (folder / "omrade-trygg-miljo.ics").read_bytes()
    second = (folder / "omrade-trygg-miljo-2.ics").read_bytes()
    assert "Trygg miljö (2024)".encode() in first and "Trygg-miljö! (2024)".encode() in second


# -- measure calendars are named by title, so a link outlives the year ------------------------


def test_a_measures_calendar_is_named_from_its_title_and_its_series_from_theirs(
    scheduled: Scheduled,
) -> None:
    http = client_for(scheduled)
    secret = token(scheduled)
    page = http.get(f"/feeds/{secret}/").text
    for name in ("atgard-ssp", "atgard-ssp-gymnasiet", "atgard-platssamverkan-fridhemsplan"):
        assert f"/feeds/{secret}/{name}.ics" in page
        assert http.get(f"/feeds/{secret}/{name}.ics").status_code == 200
    assert not re.search(r"/atgard-\d", page)  # no database id in any calendar URL
    gymnasiet = http.get(f"/feeds/{secret}/atgard-ssp-gymnasiet.ics").content
    assert b"X-WR-CALNAME:SSP: Gymnasiet\r" in gymnasiet


def test_old_id_names_still_answer_for_the_measure_with_that_id(scheduled: Scheduled) -> None:
    """Links given out before the names came from titles: the token's scope and the URL."""
    http = client_for(scheduled)
    ssp = scheduled.schedule().measures[0].stored
    assert ssp.measure.title == "SSP"
    everything = token(scheduled)
    by_title = http.get(f"/feeds/{everything}/atgard-ssp.ics")
    by_id = http.get(f"/feeds/{everything}/atgard-{ssp.id}.ics")
    assert by_title.status_code == by_id.status_code == 200
    assert by_id.content == by_title.content and b"X-WR-CALNAME:SSP\r" in by_id.content
    old_series = http.get(f"/feeds/{everything}/atgard-{ssp.id}-gymnasiet.ics")
    assert old_series.content == http.get(f"/feeds/{everything}/atgard-ssp-gymnasiet.ics").content
    # SSP has no tasks, so no to-do list (whatever the name); the newsletter has one.
    assert http.get(f"/feeds/{everything}/atgard-{ssp.id}.todo.ics").status_code == 404
    letter = next(
        m.stored for m in scheduled.schedule().measures if m.stored.measure.title == "Nyhetsbrev"
    )
    by_id_todo = http.get(f"/feeds/{everything}/atgard-{letter.id}.todo.ics")
    assert by_id_todo.status_code == 200 and b"BEGIN:VTODO" in by_id_todo.content
    assert by_id_todo.content == http.get(f"/feeds/{everything}/atgard-nyhetsbrev.todo.ics").content
    assert http.get(f"/feeds/{everything}/atgard-99999.ics").status_code == 404

    old_scope = token(scheduled, scope=f"atgard-{ssp.id}")  # as `feeds create --scope` made it
    kept = http.get(f"/feeds/{old_scope}/atgard-{ssp.id}.ics")
    assert kept.status_code == 200 and b"X-WR-CALNAME:SSP\r" in kept.content
    assert http.get(f"/feeds/{old_scope}/atgard-ssp.ics").content == kept.content
    assert http.get(f"/feeds/{old_scope}/atgard-ssp.serie.ics").status_code == 200
    assert http.get(f"/feeds/{old_scope}/plan.ics").status_code == 404
    assert http.get(f"/feeds/{old_scope}/atgard-platssamverkan.ics").status_code == 404
    new_scope = token(scheduled, scope="atgard-ssp")
    assert http.get(f"/feeds/{new_scope}/atgard-{ssp.id}.ics").content == (
        http.get(f"/feeds/{new_scope}/atgard-ssp.ics").content
    )
    assert http.get(f"/feeds/{new_scope}/atgard-platssamverkan.ics").status_code == 404


def test_after_rollover_the_same_name_answers_with_the_new_years_meetings(
    scheduled: Scheduled, tmp_path: Path
) -> None:
    http = client_for(scheduled)
    before_ids = {i.stored.measure.title: i.stored.id for i in scheduled.schedule().measures}
    ssp_only = token(scheduled, scope="atgard-ssp")  # made in 2024, before the rollover
    everything = token(scheduled)
    before = http.get(f"/feeds/{ssp_only}/atgard-ssp.ics")
    assert before.status_code == 200 and b"DTSTART;TZID=Europe/Stockholm:2024" in before.content

    rolled = Cli(tmp_path / "config.toml")("rollover", "2025")
    assert rolled.code == 0 and "2025" in rolled.out
    newest = find_plan_id(scheduled.engine, prefer=scheduled.config.organisation.name)
    assert newest != scheduled.plan_id
    after_ids = {
        i.stored.measure.title: i.stored.id
        for i in plan_schedule(scheduled.engine, scheduled.config, plan_id=newest).measures
    }
    assert after_ids["SSP"] != before_ids["SSP"]  # a new database id: the old name would be gone

    for secret, name in ((ssp_only, "atgard-ssp"), (everything, "atgard-ssp"),
                         (everything, "atgard-ssp-gymnasiet")):  # fmt: skip
        after = http.get(f"/feeds/{secret}/{name}.ics")
        assert after.status_code == 200, (secret == ssp_only, name)
        # The window runs from feeds.past_days back (the clock says February 2024) to the end
        # of the newest plan: both years, under one name that holds no year.
        assert b"DTSTART;TZID=Europe/Stockholm:2025" in after.content
        assert b"DTSTART;TZID=Europe/Stockholm:2024" in after.content
        assert b"(2025)" not in after.content and b"planerna 2024 och 2025" in after.content
    assert http.get(f"/feeds/{ssp_only}/plan.ics").status_code == 404  # still only its calendar
    assert http.get(f"/feeds/{ssp_only}/atgard-ssp-gymnasiet.ics").status_code == 404


def _plan_with_slug_alike_measures() -> Plan:
    """Three dated measures whose titles slug alike, in one area, after the seed's measures."""
    seed = seed_with_dst_measure()
    monthly = PolicyOverrides(rrule="FREQ=MONTHLY;BYDAY=1WE", time="13:00")
    alike = (
        replace(DST_MEASURE, title="Trygghetsråd/Unga"),
        replace(DST_MEASURE, title="Trygghetsråd/Unga", schedule=monthly),
        replace(DST_MEASURE, title="Trygghetsråd – unga!", schedule=replace(monthly, time="15:00")),
    )
    last = seed.areas[-1]
    return replace(seed, areas=(*seed.areas[:-1], Area(last.name, (*last.measures, *alike))))


def test_measures_whose_titles_slug_alike_get_names_and_files_of_their_own(
    tmp_path: Path,
) -> None:
    scheduled = scheduled_plan(tmp_path, plan=_plan_with_slug_alike_measures())
    folder = tmp_path / "export"
    assert Cli(tmp_path / "config.toml")("feeds", "export", str(folder)).code == 0
    names = ["atgard-trygghetsrad-unga" + suffix for suffix in ("", "-2", "-3")]
    files = [(folder / f"{name}.ics").read_bytes() for name in names]
    assert len(set(files)) == 3
    # Each file holds its own measure's meetings, in plan order: the weekly one (moved off 09:00
    # by the sommartid meeting of the same convener), the 13:00 one, the 15:00 one.
    times = [set(re.findall(rb"DTSTART;TZID=Europe/Stockholm:\d{8}(T\d{6})", f)) for f in files]
    assert times[1:] == [{b"T130000"}, {b"T150000"}]
    assert len(times[0]) == 1 and times[0] != {b"T130000"} and times[0] != {b"T150000"}
    assert all((folder / f"{name}.serie.ics").exists() for name in names)
    # In plan order, and the same names on the web.
    http = client_for(scheduled)
    secret = token(scheduled)
    page = http.get(f"/feeds/{secret}/").text
    assert [page.index(f"/{name}.ics") for name in names] == sorted(
        page.index(f"/{name}.ics") for name in names
    )
    assert "X-WR-CALNAME:Trygghetsråd – unga! (2024)".encode() in files[2]
