"""The follow-up form over HTTP: links, CSRF, limits, drafts, edits, the deadline, the coordinator.
Whatever is refused stores nothing and gives the typed text back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from scheduler.followup.settings import FollowupSettings
from scheduler.services import followup as campaign
from scheduler.services.refresh import plan_schedule
from scheduler.store.followups import answers, get_campaign
from tests.support.followup_fixture import FollowupWorld, followup_world, local
from tests.support.helpers import Clock

ROLE = "Preventionssamordnare"  # answers for one measure: SSP


@pytest.fixture
def world(tmp_path: Path, store_url: str) -> Iterator[FollowupWorld]:
    world = followup_world(tmp_path, url=store_url)
    yield world
    world.close()


@pytest.fixture
def clock() -> Clock:
    return Clock(local("2024-11-16T10:00"))


@pytest.fixture
def http(world: FollowupWorld, clock: Clock) -> TestClient:
    from scheduler.web.app import create_app

    campaign.start(world.engine, world.config, now=local("2024-11-15T08:00"))
    return TestClient(create_app(world.engine, world.config, clock=clock))


def link(world: FollowupWorld, role: str = ROLE) -> str:
    row = get_campaign(world.engine, world.plan_id)
    assert row is not None
    url = campaign.form_link(
        world.engine, world.config, row, role, FollowupSettings.from_section(world.config.followup)
    )
    return url.removeprefix(world.config.base_url)


def ssp_id(world: FollowupWorld) -> int:
    schedule = plan_schedule(world.engine, world.config, plan_id=world.plan_id)
    return next(i.stored.id for i in schedule.measures if i.stored.measure.title == "SSP")


def csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match[1]


def post(http: TestClient, url: str, page: str, measure_id: int, *, status: str = "genomford",
         text: str = "Åtta möten hölls.", action: str = "skicka", token: str | None = None,
         with_csrf: bool = True) -> Response:  # fmt: skip
    data = {f"status-{measure_id}": status, f"text-{measure_id}": text, "action": action}
    if with_csrf:
        data["csrf"] = token or csrf(page)
    response: Response = http.post(url, data=data, follow_redirects=True)
    return response


def test_the_form_is_prefilled_with_what_the_scheduler_knows(
    world: FollowupWorld, http: TestClient
) -> None:
    page = http.get(link(world))
    assert page.status_code == 200
    assert "SSP" in page.text and "Möten: 8 planerade" in page.text
    assert "Genomförd enligt plan" in page.text and "Pågående, linjearbete" in page.text
    assert "<script" not in page.text  # works without JavaScript


def test_a_draft_can_be_saved_and_resumed_then_submitted(
    world: FollowupWorld, http: TestClient
) -> None:
    url, mid = link(world), ssp_id(world)
    page = http.get(url).text
    saved = post(http, url, page, mid, status="", text="Halvfärdigt", action="utkast")
    assert saved.status_code == 200 and "Utkastet är sparat" in saved.text
    assert "Halvfärdigt" in http.get(url).text
    row = answers(world.engine, world.plan_id)[mid]
    assert (row.text, row.submitted) == ("Halvfärdigt", False)
    done = post(http, url, saved.text, mid)
    assert "Svaret är inskickat" in done.text
    assert answers(world.engine, world.plan_id)[mid].submitted


def test_an_answer_can_be_changed_until_the_deadline_and_not_after(
    world: FollowupWorld, http: TestClient, clock: Clock
) -> None:
    url, mid = link(world), ssp_id(world)
    post(http, url, http.get(url).text, mid, text="Första versionen")
    clock.now = local("2024-12-15T23:00")
    changed = post(http, url, http.get(url).text, mid, status="delvis", text="Andra versionen")
    assert "Svaret är inskickat" in changed.text
    assert (answers(world.engine, world.plan_id)[mid].status, answers(world.engine, world.plan_id)[mid].text) == (
        "delvis", "Andra versionen")  # fmt: skip
    clock.now = local("2024-12-16T00:00")
    page = http.get(url).text
    assert "Sista svarsdag har passerat" in page
    late = post(http, url, page, mid, text="För sent skrivet")
    assert late.status_code == 403 and "För sent skrivet" in late.text
    assert answers(world.engine, world.plan_id)[mid].text == "Andra versionen"


def test_a_forged_link_gets_a_clear_page_and_stores_nothing(
    world: FollowupWorld, http: TestClient
) -> None:
    url = link(world)
    forged = url[:-3] + ("aaa" if not url.endswith("aaa") else "bbb")
    for response in (http.get(forged), http.post(forged, data={"csrf": "x", "action": "skicka"})):
        assert response.status_code == 400 and "Ogiltig länk" in response.text
    other_role = link(world, "Polis").split(
        "."
    )  # a payload signed for another role, with SSP's signature
    mine = url.split(".")
    spliced = ".".join([other_role[0], mine[1]])
    assert http.get(spliced).status_code == 400
    assert answers(world.engine, world.plan_id) == {}


def test_an_expired_link_gets_a_clear_page(
    world: FollowupWorld, http: TestClient, clock: Clock
) -> None:
    clock.now = local("2025-01-10T10:00")  # past the deadline and the grace period
    response = http.get(link(world))
    assert response.status_code == 410 and "Länken har gått ut" in response.text


def test_a_post_without_the_csrf_token_is_refused_and_the_text_comes_back(
    world: FollowupWorld, http: TestClient
) -> None:
    url, mid = link(world), ssp_id(world)
    http.get(url)
    refused = post(http, url, "", mid, text="Min viktiga text", with_csrf=False)
    assert refused.status_code == 403 and "Min viktiga text" in refused.text
    wrong = post(http, url, "", mid, text="Min viktiga text", token="gissad")
    assert wrong.status_code == 403 and "Min viktiga text" in wrong.text
    assert answers(world.engine, world.plan_id) == {}


def test_an_oversized_text_is_refused_and_comes_back_whole(
    world: FollowupWorld, http: TestClient
) -> None:
    url, mid = link(world), ssp_id(world)
    text = "ö" * 5001
    refused = post(http, url, http.get(url).text, mid, text=text)
    assert (
        refused.status_code == 422 and "högst 5000 tecken" in refused.text and text in refused.text
    )
    assert answers(world.engine, world.plan_id) == {}


def test_submitting_needs_a_status_and_a_text_and_escapes_everything(
    world: FollowupWorld, http: TestClient
) -> None:
    url, mid = link(world), ssp_id(world)
    refused = post(http, url, http.get(url).text, mid, status="", text="<script>alert(1)</script>")
    assert refused.status_code == 422 and "Välj en status" in refused.text
    assert "<script>alert(1)</script>" not in refused.text and "&lt;script&gt;" in refused.text
    assert answers(world.engine, world.plan_id) == {}


def test_starting_the_campaign_twice_sends_nothing_twice(world: FollowupWorld) -> None:
    first = campaign.start(world.engine, world.config, now=local("2024-11-15T08:00"))
    again = campaign.start(world.engine, world.config, now=local("2024-11-17T08:00"))
    assert first.emails == 8 and (again.created, again.emails) == (False, 0)  # 8 roles answer
    world.send_due(local("2024-11-17T09:00"))
    assert len(world.inbox.take()) == 8


def test_the_coordinator_can_answer_on_a_roles_behalf(
    world: FollowupWorld, http: TestClient, clock: Clock
) -> None:
    row = get_campaign(world.engine, world.plan_id)
    assert row is not None
    overview_url = campaign.coordinator_link(world.engine, world.config, row).removeprefix(
        world.config.base_url
    )
    overview = http.get(overview_url)
    assert (
        overview.status_code == 200
        and ROLE in overview.text
        and "Svara för rollen" in overview.text
    )
    role_url = f"{overview_url}/roll/preventionssamordnare"
    clock.now = local("2024-12-20T10:00")  # the coordinator may still edit after the deadline
    done = post(
        http, role_url, http.get(role_url).text, ssp_id(world), text="Ifyllt av samordnaren"
    )
    assert done.status_code == 200 and "inskickat" in done.text
    stored = answers(world.engine, world.plan_id)[ssp_id(world)]
    assert (stored.text, stored.by_coordinator, stored.role) == (
        "Ifyllt av samordnaren",
        True,
        ROLE,
    )
    # A role's own link cannot open the coordinator's pages.
    assert http.get("/uppfoljning/samordnare/" + link(world).rsplit("/", 1)[1]).status_code == 400


def test_a_csrf_token_from_one_links_page_is_refused_on_another_links_form(
    world: FollowupWorld, http: TestClient
) -> None:
    """The token is bound to the signed link, not a cookie/field pair any two equal values pass."""
    mine, theirs = link(world), link(world, "Polis")
    token_of_theirs = csrf(http.get(theirs).text)
    assert token_of_theirs != csrf(http.get(mine).text)
    refused = post(http, mine, "", ssp_id(world), text="Min viktiga text", token=token_of_theirs)
    assert refused.status_code == 403 and "Min viktiga text" in refused.text
    assert answers(world.engine, world.plan_id) == {}
    http.cookies.clear()  # the page's own token needs no cookie
    assert post(http, mine, http.get(mine).text, ssp_id(world)).status_code == 200


def test_a_field_over_the_form_parsers_limit_gives_the_swedish_form_back_with_the_text(
    world: FollowupWorld, http: TestClient
) -> None:
    """Starlette refuses a field over 1 MB with an English JSON 400; the page refuses it instead."""
    url, mid = link(world), ssp_id(world)
    text = "Långt svar. " * 100_000  # 1.2 MB, over the parser's 1 MB per field
    refused = post(http, url, http.get(url).text, mid, text=text)
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("text/html")
    assert "Field exceeded" not in refused.text and text in refused.text
    summary = re.search(r'<div class="error" role="alert"[^>]*>(.*?)</div>', refused.text, re.S)
    assert summary and f'<a href="#text-{mid}">SSP: Texten får vara högst 5000 tecken' in summary[1]
    assert answers(world.engine, world.plan_id) == {}


def test_text_with_a_control_character_is_refused_and_given_back(
    world: FollowupWorld, http: TestClient
) -> None:
    url, mid = link(world), ssp_id(world)
    refused = post(http, url, http.get(url).text, mid, text="Åtta möten\x07 hölls.")
    assert refused.status_code == 422 and "Åtta möten\x07 hölls." in refused.text
    assert "styrtecken U+0007 på position 11" in refused.text
    assert f'<a href="#text-{mid}">' in refused.text
    assert answers(world.engine, world.plan_id) == {}


def test_a_bad_status_is_refused_with_a_link_to_the_choice_and_the_text_given_back(
    world: FollowupWorld, http: TestClient
) -> None:
    url, mid = link(world), ssp_id(world)
    refused = post(http, url, http.get(url).text, mid, status="påhittad", text="Min text")
    assert refused.status_code == 422 and "Min text" in refused.text
    assert f'<a href="#status-{mid}-genomford">SSP: Välj en av statusarna.</a>' in refused.text
    assert f'id="status-{mid}-genomford"' in refused.text


def test_a_correctly_signed_link_without_plan_or_with_ill_typed_fields_gets_a_swedish_400(
    world: FollowupWorld, http: TestClient
) -> None:
    form_signer, coordinator_signer = campaign.signers(world.engine, world.config)
    expires = local("2025-01-01T00:00")
    role_payloads: list[dict[str, Any]] = [{"role": ROLE}, {"plan": "1", "role": ROLE}, {"plan": True, "role": ROLE},
                     {"plan": world.plan_id}, {"plan": world.plan_id, "role": 7}]  # fmt: skip
    forms = [f"/uppfoljning/{form_signer.sign(p, expires=expires)}" for p in role_payloads]
    overviews = []
    coordinator_payloads: list[dict[str, Any]] = [{}, {"plan": None}, {"plan": [1]}]
    for payload in coordinator_payloads:
        token = coordinator_signer.sign(payload, expires=expires)
        overviews.append(f"/uppfoljning/samordnare/{token}")
        forms.append(f"/uppfoljning/samordnare/{token}/roll/preventionssamordnare")
    responses = [http.get(path) for path in forms + overviews]
    responses += [http.post(path, data={"csrf": "x", "action": "skicka"}) for path in forms]
    for response in responses:
        assert response.status_code == 400, response.url
        assert "Ogiltig länk" in response.text and '<html lang="sv">' in response.text


def test_saving_a_draft_after_submitting_keeps_the_submitted_answer_for_the_export(
    world: FollowupWorld, http: TestClient
) -> None:
    """Once submitted, an answer changes only by submitting again: the form offers no draft,
    a stale page's draft is refused with the text given back, and the store refuses it too."""
    from scheduler.followup.export import followed_up
    from scheduler.store.followups import AnswerInput, SubmittedAnswerError, save_answers
    from scheduler.store.plans import load_plan

    url, mid = link(world), ssp_id(world)
    stale = http.get(url).text
    assert "Spara utkast" in stale
    assert post(http, url, stale, mid, text="Inskickat svar").status_code == 200
    assert "Spara utkast" not in http.get(url).text
    draft = post(http, url, stale, mid, text="Ett utkast efteråt", action="utkast")
    assert draft.status_code == 409 and "Ett utkast efteråt" in draft.text
    assert "Svaret är redan inskickat" in draft.text
    with pytest.raises(SubmittedAnswerError):
        save_answers(world.engine, plan_id=world.plan_id, role=ROLE,
                     items=[AnswerInput(mid, "delvis", "Utkast direkt i databasen")], submit=False,
                     by_coordinator=False, now=local("2024-11-17T10:00"))  # fmt: skip
    row = answers(world.engine, world.plan_id)[mid]
    assert (row.text, row.status, row.submitted) == ("Inskickat svar", "genomford", True)
    exported = followed_up(
        load_plan(world.engine, world.plan_id), answers(world.engine, world.plan_id)
    )
    texts = [m.followup_text for a in exported.plan.areas for m in a.measures]
    assert "Inskickat svar" in texts and "Ett utkast efteråt" not in texts


def test_a_post_on_a_link_that_expired_meanwhile_gives_the_typed_text_back_to_copy(
    world: FollowupWorld, http: TestClient, clock: Clock
) -> None:
    url, mid = link(world), ssp_id(world)
    page = http.get(url).text
    clock.now = local("2025-01-10T10:00")  # the page was left open past the link's life
    late = post(http, url, page, mid, text="Det jag skrev <i>länge</i>")
    assert late.status_code == 410 and "Länken har gått ut" in late.text
    assert "Det jag skrev &lt;i&gt;länge&lt;/i&gt;</textarea>" in late.text
    assert answers(world.engine, world.plan_id) == {}


def test_a_body_the_form_parser_cannot_read_gets_the_swedish_form_not_english_json(
    world: FollowupWorld, http: TestClient
) -> None:
    url = link(world)
    broken = http.post(
        url, content=b"--x\r\nnonsense", headers={"content-type": "multipart/form-data"}
    )
    assert broken.status_code == 400 and broken.headers["content-type"].startswith("text/html")
    assert "Formuläret kunde inte läsas" in broken.text and '<form method="post"' in broken.text
    assert "detail" not in broken.text
    assert answers(world.engine, world.plan_id) == {}
