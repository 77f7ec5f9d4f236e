"""The whole year-end loop on the embedded plan, with a real SMTP server and a real browser:
campaign start → one email per responsible role → each link opened in Chromium → form filled and
submitted → nudges only to those who did not answer → export → the workbook read back."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from scheduler.followup.export import followed_up, write_workbook
from scheduler.services import followup as campaign
from scheduler.store.followups import answers
from scheduler.store.plans import load_plan
from scheduler.web.app import create_app
from tests.support.followup_fixture import FollowupWorld, followup_world, form_link, local
from tests.support.helpers import Clock, free_port
from tests.support.live_server import serving
from tests.support.seed import SEED_ORGANISATION

SILENT_ROLE = "Socialtjänsten"  # the role that never answers: it alone is nudged


def test_the_whole_follow_up_loop_in_a_real_browser(tmp_path: Path, browser: object) -> None:
    port = free_port()
    world: FollowupWorld = followup_world(tmp_path, base_url=f"http://127.0.0.1:{port}")
    clock = Clock(local("2024-11-15T08:00"))
    app = create_app(world.engine, world.config, clock=clock)
    try:
        with serving(app, port):
            _run_loop(world, clock, browser, tmp_path)
    finally:
        world.close()


def _run_loop(world: FollowupWorld, clock: Clock, browser: object, tmp_path: Path) -> None:
    started = campaign.start(world.engine, world.config, now=clock.now)
    assert started.created and started.roles_without_address == ()
    world.send_due(clock.now)
    mails = world.inbox.take()
    roles = {task.role: task for task in campaign.role_tasks(_schedule(world), world.config)}
    recipients = sorted(str(m["To"].addresses[0].addr_spec) for m in mails)
    assert recipients == sorted(str(t.email) for t in roles.values())
    # One email per role, not one per measure: the seed's seven roles and the test measure's Kommunpolis.
    assert len(mails) == len(roles) == 8

    by_address = {task.email: task.role for task in roles.values()}
    typed: dict[int, tuple[str, str]] = {}
    page = browser.new_page()  # type: ignore[attr-defined]
    clock.now = local("2024-11-18T10:00")
    for number, mail in enumerate(mails):
        # The role by address: CPython's parser leaves a space inside a long folded Swedish display
        # name (mail clients join the encoded words as RFC 2047 says).
        role = by_address[mail["To"].addresses[0].addr_spec]
        if role == SILENT_ROLE:
            continue
        page.goto(form_link(mail))
        assert role in page.inner_text("main")
        fieldsets = page.locator("fieldset")
        count = fieldsets.count()
        assert count == len(roles[role].measures)
        if number == 0:  # the first role saves a draft, leaves, comes back and finds it
            page.locator("textarea").first.fill("Ett första utkast.")
            page.get_by_role("button", name="Spara utkast").click()
            assert "Utkastet är sparat" in page.inner_text("main")
            page.goto(form_link(mail))
            assert page.locator("textarea").first.input_value() == "Ett första utkast."
        for index in range(count):
            fieldset = fieldsets.nth(index)
            measure_id = int(str(fieldset.get_attribute("id")).removeprefix("atgard-"))
            status = ("genomford", "delvis", "ej", "pagaende")[index % 4]
            text = f"{role} om åtgärd {measure_id}: genomfört enligt <plan> & mer.\nAndra raden."
            fieldset.locator(f"input[value={status}]").check()
            fieldset.locator("textarea").fill(text)
            typed[measure_id] = (status, text)
        page.get_by_role("button", name="Skicka in").click()
        assert "Svaret är inskickat" in page.inner_text("main")

    stored = answers(world.engine, world.plan_id)
    assert {mid: (row.status, row.text) for mid, row in stored.items()} == typed
    assert all(row.submitted and not row.by_coordinator for row in stored.values())

    # A week after the start only the role that did not answer is nudged.
    clock.now = local("2024-11-22T09:00")
    campaign.tick(world.engine, world.config, now=clock.now)
    world.send_due(clock.now)
    nudges = world.inbox.take()
    assert [by_address[m["To"].addresses[0].addr_spec] for m in nudges] == [SILENT_ROLE]
    assert "Påminnelse" in str(nudges[0]["Subject"])
    campaign.tick(
        world.engine, world.config, now=local("2024-11-23T09:00")
    )  # same round: nothing new
    world.send_due(local("2024-11-23T09:00"))
    assert world.inbox.take() == []

    # Export: the workbook read back has every submitted text in its measure's row.
    path = tmp_path / "uppfoljning-2024.xlsx"
    stored_plan = load_plan(world.engine, world.plan_id)
    write_workbook(followed_up(stored_plan, answers(world.engine, world.plan_id)), path)
    workbook = load_workbook(path)
    area_sheets = workbook.worksheets[1:]
    positions = {}
    for a, area in enumerate(stored_plan.plan.areas):
        for m, _ in enumerate(area.measures):
            positions[(area.name, m)] = (a, m)
    ids = iter(stored_plan.measures)
    for a, area in enumerate(stored_plan.plan.areas):
        sheet = area_sheets[a]
        headers = [c.value for c in sheet[1]]
        column = headers.index("Uppföljning") + 1
        status_column = headers.index("Status") + 1
        for m, measure in enumerate(area.measures):
            measure_id = next(ids).id
            row = 3 + m
            assert sheet.cell(row, 1).value == measure.title
            if measure_id in typed:
                status, text = typed[measure_id]
                assert sheet.cell(row, column).value == text
                colour = {
                    "genomford": "C6EFCE",
                    "delvis": "FFEB9C",
                    "pagaende": "FFEB9C",
                    "ej": "FFC7CE",
                }[status]
                assert sheet.cell(row, status_column).fill.fgColor.rgb.endswith(colour)
            else:  # the silent role's measures keep the plan's own text
                assert (sheet.cell(row, column).value or "") == measure.followup_text


def _schedule(world: FollowupWorld):
    from scheduler.services.refresh import plan_schedule

    return plan_schedule(world.engine, world.config, plan_id=world.plan_id)


def test_pages_render_under_the_content_security_policy_without_violations(
    tmp_path: Path, browser: object
) -> None:
    """The policy allows no inline style or script: the style sheet must load and apply, the
    subscribe page's script (a file of the site) must run, and Chromium must report no
    violation, on the form, the feed page and an error page."""
    from scheduler.store.feed_tokens import create_token

    port = free_port()
    world = followup_world(tmp_path, base_url=f"http://127.0.0.1:{port}")
    clock = Clock(local("2024-11-16T10:00"))
    try:
        started = campaign.start(world.engine, world.config, now=local("2024-11-15T08:00"))
        assert started.created
        world.send_due(clock.now)
        link = form_link(world.inbox.take()[0])
        secret = create_token(
            world.engine, organisation=SEED_ORGANISATION, audience="SSP", scope="", now=clock.now
        )[1]
        with serving(create_app(world.engine, world.config, clock=clock), port) as base:
            page = browser.new_page()  # type: ignore[attr-defined]
            messages: list[str] = []
            page.on("console", lambda message: messages.append(message.text))
            for url, status in ((link, 200), (f"{base}/feeds/{secret}/", 200),
                                (f"{base}/finns-inte", 404)):  # fmt: skip
                response = page.goto(url)
                assert response is not None and response.status == status
                assert response.headers["content-security-policy"].startswith("default-src 'self'")
                width = page.evaluate("getComputedStyle(document.body).maxWidth")
                assert width == "768px", url  # 48rem from site.css: the sheet loaded and applied
                if "/feeds/" in url:  # copy.js, a file of the site, ran under the policy
                    fields = page.locator("input[data-copy]").count()
                    assert fields > 1 and page.locator("button.copy").count() == fields
            assert not [m for m in messages if "Content Security Policy" in m], messages
    finally:
        world.close()
