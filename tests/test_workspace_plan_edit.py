"""The plan edited in the workspace: a measure's texts (verbatim, with how När reads previewed),
measures added, moved and removed, areas added and renamed, each save a revision, and the
history's restore. A removal and a restore are previewed first: the unconfirmed POST changes no
row of any table; the one with `bekraftat=ja` does it. Both databases."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from scheduler.base.time import STOCKHOLM
from scheduler.model.occurrence import OccurrenceStatus
from scheduler.store.occurrences import list_occurrences
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.workspace_fixture import (
    Workspace,
    log_in,
    page_token,
    seeded_workspace,
    two_district_workspace,
)
from tests.test_get_changes_nothing import every_row

NIGHT_WALK = "Nattvandring"
AUTUMN = "Första torsdagen i månaden under hösten"


def signed_in(workspace: Workspace) -> TestClient:
    http = workspace.client()
    assert log_in(http).status_code == 303
    return http


def plan_id(workspace: Workspace) -> int:
    return find_plan_id(workspace.engine, year=2024)


def measure_id(workspace: Workspace, title: str) -> int:
    stored = load_plan(workspace.engine, plan_id(workspace))
    return next(m.id for m in stored.measures if m.measure.title == title)


def planned_days(workspace: Workspace, measure: int) -> list[str]:
    return sorted(
        o.start.astimezone(STOCKHOLM).date().isoformat()
        for o in list_occurrences(workspace.engine, plan_id=plan_id(workspace))
        if o.measure_id == measure and o.status == OccurrenceStatus.PLANNED
    )


def texts_form(http: TestClient, measure: int, **changes: str) -> dict[str, str]:
    page = http.get(f"/plan/atgard/{measure}/text?ar=2024")
    assert page.status_code == 200, page.text
    fields = {}
    for name in ("orsak", "atgard", "nar", "vem", "uppfoljning"):
        found = re.search(rf'<textarea id="{name}" name="{name}"[^>]*>(.*?)</textarea>', page.text, re.S)  # fmt: skip
        assert found, name
        fields[name] = _unescaped(found[1])
    title = re.search(r'id="rubrik" name="rubrik" value="([^"]*)"', page.text)
    assert title
    return {"csrf": page_token(page), "rubrik": _unescaped(title[1]), **fields, **changes}


def _unescaped(html: str) -> str:
    import html as html_module

    return html_module.unescape(html)


def post(http: TestClient, url: str, **data: str) -> httpx.Response:
    data.setdefault("csrf", page_token(http.get("/plan?ar=2024")))
    response: httpx.Response = http.post(url, data=data)
    return response


def test_nar_previewed_then_saved_replans_the_measure(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    walk = measure_id(workspace, NIGHT_WALK)
    assert f'href="/plan/atgard/{walk}/text?ar=2024"' in http.get("/plan?ar=2024").text
    page = http.get(f"/plan/atgard/{walk}/text?ar=2024")
    assert "klart senast" in page.text and "Våren 2024" in page.text
    assert planned_days(workspace, walk) == ["2024-06-14"]

    # The preview: how the text reads and what saving would do; nothing stored.
    before = every_row(workspace)
    unchanged = http.post(f"/plan/atgard/{walk}/text?ar=2024",
                          data={**texts_form(http, walk), "forhandsgranska": "ja"})  # fmt: skip
    assert unchanged.status_code == 200 and "Inget skulle ändras." in unchanged.text
    same = http.post(f"/plan/atgard/{walk}/text?ar=2024", data=texts_form(http, walk))
    assert "Inget ändrades: planen såg redan ut så." in same.text
    assert every_row(workspace) == before
    form = texts_form(http, walk, nar=AUTUMN)
    preview = http.post(f"/plan/atgard/{walk}/text?ar=2024", data={**form, "forhandsgranska": "ja"})
    assert preview.status_code == 200, preview.text
    assert "Förhandsgranskning: inget är sparat" in preview.text
    assert "återkommande" in preview.text and "2024-09-05" in preview.text
    assert "ställs in" in preview.text and "läggs till" in preview.text
    assert f">{AUTUMN}</textarea>" in preview.text  # the typed text comes back
    assert every_row(workspace) == before

    saved = http.post(f"/plan/atgard/{walk}/text?ar=2024", data=form)
    assert saved.status_code == 200, saved.text
    assert "Sparat som version 2" in saved.text
    stored = load_plan(workspace.engine, plan_id(workspace)).measure(walk).measure
    assert stored.when_text == AUTUMN and stored.title == NIGHT_WALK
    days = planned_days(workspace, walk)
    assert len(days) == 4 and all(day[5:7] in {"08", "09", "10", "11"} for day in days), days
    agenda = json.loads(workspace.cli("agenda", "--json", "--year", "2024").out)
    walks = [
        e["start"][:10]
        for e in agenda
        if e["title"] == NIGHT_WALK and e["status"] == OccurrenceStatus.PLANNED
    ]
    assert sorted(walks) == days


def test_texts_are_kept_verbatim_and_a_refusal_gives_them_back(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    walk = measure_id(workspace, NIGHT_WALK)
    typed = "Rad ett\r\n  rad två med <b>&amp; «citat»\r\n"
    saved = http.post(f"/plan/atgard/{walk}/text?ar=2024", data=texts_form(http, walk, orsak=typed))
    assert saved.status_code == 200
    stored = load_plan(workspace.engine, plan_id(workspace)).measure(walk).measure
    assert stored.cause == "Rad ett\n  rad två med <b>&amp; «citat»"  # as an import keeps it
    assert "<b>&amp;" not in saved.text and "&lt;b&gt;&amp;amp;" in saved.text

    before = every_row(workspace)
    bad = "Kvällar\x07 och helger"
    refused = http.post(f"/plan/atgard/{walk}/text?ar=2024",
                        data=texts_form(http, walk, vem=bad, rubrik=""))  # fmt: skip
    assert refused.status_code == 422
    assert "Vem: texten har ett otillåtet styrtecken U+0007" in refused.text
    assert "Rubrik: skriv en rubrik för åtgärden." in refused.text
    assert "Kvällar\x07 och helger</textarea>" in refused.text
    assert every_row(workspace) == before
    assert "Traceback" not in refused.text and "/tmp" not in refused.text


def test_live_reading_fragment(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    walk = measure_id(workspace, NIGHT_WALK)
    fragment = http.get(f"/plan/atgard/{walk}/nar", params={"ar": "2024", "nar": AUTUMN + " med fika"})  # fmt: skip
    assert fragment.status_code == 200
    assert "återkommande" in fragment.text and "2024-10-03" in fragment.text
    assert "Ord som inte användes" in fragment.text and "fika" in fragment.text
    assert "<html" not in fragment.text


def test_remove_is_previewed_then_confirmed(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    council = measure_id(workspace, "Kungsholmens trygghets- och säkerhetsråd")
    upcoming = planned_days(workspace, council)
    assert upcoming

    before = every_row(workspace)
    preview = post(http, f"/plan/atgard/{council}/ta-bort?ar=2024")
    assert preview.status_code == 200, preview.text
    assert "Ta bort «Kungsholmens trygghets- och säkerhetsråd»?" in preview.text
    assert "ställs in" in preview.text and "Vem som får veta" in preview.text
    assert 'name="bekraftat" value="ja"' in preview.text
    assert every_row(workspace) == before

    done = post(http, f"/plan/atgard/{council}/ta-bort?ar=2024", bekraftat="ja")
    assert done.status_code == 200 and "Sparat som version 2" in done.text
    stored = load_plan(workspace.engine, plan_id(workspace))
    assert council not in {m.id for m in stored.measures}
    # What has been stays; what was coming is cancelled.
    assert planned_days(workspace, council) == [d for d in upcoming if d < "2024-03-13"]


def test_add_move_and_areas(tmp_path: Path, store_url: str) -> None:
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    areas = http.get("/plan/omraden?ar=2024")
    assert areas.status_code == 200
    # An area added, then renamed; a name taken is refused with the typed name back.
    added = post(http, "/plan/omraden?ar=2024", namn="Trafik")
    assert added.status_code == 200 and "Nytt område «Trafik»" in added.text
    taken = post(http, "/plan/omraden?ar=2024", namn="Trafik")
    assert (
        taken.status_code == 422 and "planen har redan ett område som heter «Trafik»" in taken.text
    )
    stored = load_plan(workspace.engine, plan_id(workspace))
    assert [a.name for a in stored.plan.areas][-1] == "Trafik"
    contents = re.search(r'action="/plan/omraden/(\d+)\?ar=2024"[^<]*<input[^>]*>\s*<label for="namn-\1">Nytt namn<span class="visually-hidden"> för Trafik', added.text)  # fmt: skip
    assert contents
    area_id = contents[1]
    renamed = post(http, f"/plan/omraden/{area_id}?ar=2024", namn="Trafik och miljö")
    assert "Området «Trafik» heter nu «Trafik och miljö»" in renamed.text

    # A measure added to it, with its texts and dates.
    new = post(http, "/plan/atgard/ny?ar=2024", omrade=area_id, rubrik="Hastighetskontroller",
               orsak="Fortkörning", atgard="Kontroller", nar="Varje månad", vem="Kommunpolis",
               uppfoljning="")  # fmt: skip
    assert new.status_code == 200 and "«Hastighetskontroller»: ny i «Trafik och miljö»" in new.text
    speed = measure_id(workspace, "Hastighetskontroller")
    assert len(planned_days(workspace, speed)) >= 9

    # The night walk moved to it keeps its id and its dates.
    walk = measure_id(workspace, NIGHT_WALK)
    days = planned_days(workspace, walk)
    moved = post(http, f"/plan/atgard/{walk}/flytta?ar=2024", omrade=area_id)
    assert "flyttas från «Otrygga och brottsutsatta platser» till «Trafik och miljö»" in moved.text
    stored = load_plan(workspace.engine, plan_id(workspace))
    assert stored.measure(walk).area == "Trafik och miljö"
    assert planned_days(workspace, walk) == days
    history = http.get("/plan/historik?ar=2024")
    assert history.status_code == 200
    for note in ("Lade till området «Trafik»", "Lade till åtgärden «Hastighetskontroller»",
                 "Flyttade «Nattvandring»"):  # fmt: skip
        assert note in history.text
    assert "anna" in history.text


def test_restore_is_previewed_then_saved_as_a_new_revision(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    workspace = seeded_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    walk = measure_id(workspace, NIGHT_WALK)
    http.post(f"/plan/atgard/{walk}/text?ar=2024", data=texts_form(http, walk, nar=AUTUMN))
    history = http.get("/plan/historik?ar=2024")
    assert "Version 2 (nuvarande)" in history.text and "Version 1" in history.text
    assert "Våren 2024" in history.text and AUTUMN in history.text  # what changed, field by field

    before = every_row(workspace)
    preview = post(http, "/plan/historik/1/aterstall?ar=2024")
    assert preview.status_code == 200 and "Förhandsgranskning: inget är sparat" in preview.text
    assert every_row(workspace) == before

    done = post(http, "/plan/historik/1/aterstall?ar=2024", bekraftat="ja")
    assert done.status_code == 200 and "Sparat som version 3" in done.text
    assert load_plan(workspace.engine, plan_id(workspace)).measure(walk).measure.when_text == "Våren 2024"  # fmt: skip
    assert planned_days(workspace, walk) == ["2024-06-14"]
    assert "Återställde version 1" in http.get("/plan/historik?ar=2024").text
    assert post(http, "/plan/historik/9/aterstall?ar=2024").status_code == 404


def test_another_organisations_measure_is_not_found(tmp_path: Path, store_url: str) -> None:
    workspace = two_district_workspace(tmp_path, store_url)
    http = signed_in(workspace)
    from tests.support.districts import NORRMALM

    norrmalm = find_plan_id(workspace.engine, year=2024, organisation=NORRMALM)
    other = load_plan(workspace.engine, norrmalm).measures[0].id
    before = every_row(workspace)
    assert http.get(f"/plan/atgard/{other}/text?ar=2024").status_code == 404
    assert post(http, f"/plan/atgard/{other}/ta-bort?ar=2024", bekraftat="ja").status_code == 404
    assert every_row(workspace) == before


def test_two_saves_from_pages_read_before_either_keep_both(tmp_path: Path, store_url: str) -> None:  # fmt: skip
    """Each save changes what its page edited, on the plan as stored when it is saved: a page
    read before another coordinator's save does not undo that save."""
    workspace = seeded_workspace(tmp_path, store_url)
    workspace.add_account("bo", "Kungsholmens stadsdelsförvaltning")
    anna, bo = signed_in(workspace), workspace.client()
    assert log_in(bo, "bo").status_code == 303
    walk, council = measure_id(workspace, NIGHT_WALK), measure_id(workspace, "EST")
    annas_form = texts_form(anna, walk, orsak="Annas orsak")
    bos_form = texts_form(bo, council, orsak="Bos orsak")
    bos_areas = bo.get("/plan/omraden?ar=2024")
    assert anna.post(f"/plan/atgard/{walk}/text?ar=2024", data=annas_form).status_code == 200
    assert bo.post(f"/plan/atgard/{council}/text?ar=2024", data=bos_form).status_code == 200
    moved = bo.post(f"/plan/atgard/{walk}/flytta?ar=2024",
                    data={"csrf": page_token(bos_areas), "omrade": re.findall(r'<option value="(\d+)"', bos_areas.text)[0]})  # fmt: skip
    assert moved.status_code == 200
    stored = load_plan(workspace.engine, plan_id(workspace))
    assert stored.measure(walk).measure.cause == "Annas orsak"
    assert stored.measure(council).measure.cause == "Bos orsak"
    assert stored.measure(walk).area == stored.plan.areas[0].name
    history = anna.get("/plan/historik?ar=2024").text
    assert "Version 4 (nuvarande)" in history and "bo" in history
