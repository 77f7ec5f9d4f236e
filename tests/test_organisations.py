"""Two districts in one installation and one database: each has its own roles and addresses,
links and follow-up, and neither ever sees, mails or changes the other's.

The config is the several-districts form: Kungsholmen's table in config.toml, Norrmalm's in a
file of its own. Norrmalm's plan is Kungsholmen's with another organisation name and its SSP
measure renamed, so each district has a calendar the other lacks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from scheduler.base.time import STOCKHOLM
from scheduler.mail.delivery import delivery_for
from scheduler.mail.render import message_id
from scheduler.mail.settings import EmailSettings
from scheduler.model.mail import OutboxStatus
from scheduler.plan.files import read_plan, write_plan
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import run_due
from scheduler.services.feeds import FeedSettings
from scheduler.services.followup import coordinator_link
from scheduler.services.followup import tick as followup_tick
from scheduler.services.refresh import plans_in_time, refresh_occurrences
from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from scheduler.store.engine import open_store
from scheduler.store.followups import get_campaign
from scheduler.store.occurrences import list_occurrences
from scheduler.store.outbox import list_outbox
from scheduler.store.plans import find_plan_id, plan_organisation
from scheduler.web.app import create_app
from tests.support.cli import Cli, upgraded_cli
from tests.support.districts import (
    DOMAINS,
    KUNGSHOLMEN,
    NORRMALM,
    norrmalm_plan,
    write_two_district_config,
)
from tests.support.helpers import Clock
from tests.support.seed import IMPORT_NOW, SEED_PLAN
from tests.support.smtp_server import SENDER, SmtpServer


@dataclass
class Installation:
    cli: Cli
    config: Settings
    engine: Engine
    folder: Path

    def plan_id(self, organisation: str) -> int:
        return find_plan_id(self.engine, year=2024, organisation=organisation)

    def state(self, organisation: str) -> object:
        """Everything stored about the district's plan that an import of another could touch."""
        plan_id = self.plan_id(organisation)
        occurrences = [(o.uid, o.start, o.status, o.sequence, o.changed_at)
                       for o in list_occurrences(self.engine, plan_id=plan_id)]  # fmt: skip
        outbox = [(r.key, r.status, r.recipient, r.subject, r.due_at)
                  for r in list_outbox(self.engine) if r.plan_id == plan_id]  # fmt: skip
        plan = self.cli("--organisation", organisation, "plan", "--json")
        assert plan.code == 0, plan.err
        return plan.out, occurrences, outbox

    def dispatcher_pass(self, now: datetime) -> None:
        """`scheduler remind run-due` at `now`, with the installation's settings."""
        for plan_id in plans_in_time(self.engine, now=now):
            refresh_occurrences(self.engine, self.config, plan_id=plan_id, now=now)
        followup_tick(self.engine, self.config, now=now)
        email = EmailSettings.from_settings(self.config)
        run_due(self.engine, config=self.config, delivery=delivery_for(email), email=email,
                settings=ReminderSettings.from_section(self.config.reminders), now=now)  # fmt: skip


@pytest.fixture
def installation(tmp_path: Path, store_url: str, smtp: SmtpServer) -> Installation:
    config_path = write_two_district_config(tmp_path, store_url, smtp.config_toml())
    cli = upgraded_cli(config_path)
    write_plan(norrmalm_plan(), tmp_path / "norrmalm-2024.toml")
    for plan_file in (SEED_PLAN, tmp_path / "norrmalm-2024.toml"):
        imported = cli("import", str(plan_file), "--now", IMPORT_NOW)
        assert imported.code == 0, imported.err
    config = load_settings(str(config_path), environ={})
    return Installation(cli, config, open_store(config.database_url), tmp_path)


def morning(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=STOCKHOLM).astimezone(UTC)


def test_the_several_districts_config_reads_each_districts_own_roles(
    installation: Installation,
) -> None:
    config = installation.config
    assert config.organisation_names == (KUNGSHOLMEN, NORRMALM)
    for organisation, domain in DOMAINS.items():
        view = config.for_organisation(organisation)
        role = view.role("Kommunpolis")
        assert view.organisation.name == organisation and role is not None
        assert role.email == f"kommunpolis@{domain}"
        assert view.organisation.email == f"trygghet@{domain}"
    assert config.for_organisation("norrmalm").organisation.name == NORRMALM


def test_commands_need_to_know_which_district_and_plan_json_says_whose(
    installation: Installation,
) -> None:
    cli = installation.cli
    unnamed = cli("plan", "--json")
    assert unnamed.code == 2 and "--organisation" in unnamed.err
    assert "kungsholmen" in unnamed.err and "norrmalm" in unnamed.err
    for handle, organisation in (("norrmalm", NORRMALM), (KUNGSHOLMEN, KUNGSHOLMEN)):
        shown = cli("plan", "--json", "--organisation", handle)
        assert shown.code == 0, shown.err
        assert json.loads(shown.out)["organisation"] == organisation
    before_the_command = cli("--organisation", "norrmalm", "plan", "--json")
    assert json.loads(before_the_command.out)["organisation"] == NORRMALM
    unknown = cli("plan", "--organisation", "Södermalm")
    assert unknown.code == 2 and "«Södermalm»" in unknown.err and "norrmalm" in unknown.err


def test_a_plan_of_a_district_not_configured_is_refused_and_nothing_changes(
    installation: Installation,
) -> None:
    before = {o: installation.state(o) for o in DOMAINS}
    stray = replace(norrmalm_plan(), organisation="Södermalms stadsdelsförvaltning")
    write_plan(stray, installation.folder / "sodermalm.toml")
    refused = installation.cli("import", str(installation.folder / "sodermalm.toml"))
    assert refused.code == 2
    assert "Södermalms stadsdelsförvaltning" in refused.err and "Inget ändrades" in refused.err
    assert {o: installation.state(o) for o in DOMAINS} == before


def test_importing_one_district_never_changes_the_other(installation: Installation) -> None:
    norrmalm_before = installation.state(NORRMALM)
    kungsholmen_before = installation.state(KUNGSHOLMEN)
    plan = read_plan(SEED_PLAN).plan
    first = plan.areas[0]
    edited = replace(plan, areas=(
        replace(first, measures=(replace(first.measures[0], when_text="Möten 6 ggr/år"),
                                 *first.measures[1:])),
        *plan.areas[1:],
    ))  # fmt: skip
    write_plan(edited, installation.folder / "kungsholmen-edited.toml")
    again = installation.cli("import", str(installation.folder / "kungsholmen-edited.toml"))
    assert again.code == 0 and "1 ändrad" in again.out, again.out + again.err
    assert installation.state(KUNGSHOLMEN) != kungsholmen_before
    assert installation.state(NORRMALM) == norrmalm_before


def test_reminders_and_follow_up_go_only_to_the_districts_own_addresses(
    installation: Installation, smtp: SmtpServer
) -> None:
    day = date(2024, 1, 10)
    while day <= date(2024, 2, 20):  # a morning pass each day: reminders of both districts
        installation.dispatcher_pass(morning(day))
        day += timedelta(days=1)
    for day in (date(2024, 11, 15), date(2024, 11, 16)):  # the follow-up starts for both
        installation.dispatcher_pass(morning(day))

    sent = [r for r in list_outbox(installation.engine) if r.status == OutboxStatus.SENT]
    delivered = {m.message_id: set(m.rcpt_tos) for m in smtp.handler.messages}
    senders = {m.message_id: str(m.message["From"]) for m in smtp.handler.messages}
    seen_kinds: dict[str, set[str]] = {KUNGSHOLMEN: set(), NORRMALM: set()}
    for row in sent:
        assert row.plan_id is not None
        organisation = plan_organisation(installation.engine, row.plan_id)
        assert row.recipient.endswith(f"@{DOMAINS[organisation]}"), (organisation, row.key)
        assert delivered[message_id(row.key, SENDER.split("@")[1])] == {row.recipient}
        assert organisation in senders[message_id(row.key, SENDER.split("@")[1])]  # who writes
        seen_kinds[organisation].add(row.kind.split("-")[0])
    for organisation in DOMAINS:
        assert {"meeting", "followup"} <= seen_kinds[organisation], (organisation, seen_kinds)
    # Each district's follow-up names its own organisation, with its own link.
    for row in (r for r in sent if r.kind == "followup-start"):
        assert row.plan_id is not None
        organisation = plan_organisation(installation.engine, row.plan_id)
        other = NORRMALM if organisation == KUNGSHOLMEN else KUNGSHOLMEN
        assert organisation in row.body_text and other not in row.body_text


def _token(installation: Installation, organisation: str, audience: str) -> str:
    made = installation.cli("feeds", "create", audience, "--organisation", organisation)
    assert made.code == 0, made.err
    found = re.search(r"/feeds/([^/\s]+)/", made.out)
    assert found is not None, made.out
    return found.group(1)


def test_a_districts_link_never_opens_the_others_calendars(installation: Installation) -> None:
    kungsholmen = _token(installation, "kungsholmen", "SSP-gruppen")
    norrmalm = _token(installation, "norrmalm", "SSP-gruppen")
    clock = Clock(morning(date(2024, 3, 1)))
    app = create_app(installation.engine, installation.config, clock=clock,
                     feed_settings=replace(FeedSettings.from_settings(installation.config), recheck_seconds=0))  # fmt: skip
    http = TestClient(app)

    assert http.get(f"/feeds/{kungsholmen}/atgard-ssp.ics").status_code == 200
    assert http.get(f"/feeds/{kungsholmen}/atgard-ssp-norrmalm.ics").status_code == 404
    assert http.get(f"/feeds/{norrmalm}/atgard-ssp-norrmalm.ics").status_code == 200
    assert http.get(f"/feeds/{norrmalm}/atgard-ssp.ics").status_code == 404

    uids = {
        organisation: {o.uid for o in list_occurrences(installation.engine,
                                                       plan_id=installation.plan_id(organisation))}
        for organisation in DOMAINS
    }  # fmt: skip
    for token, mine, other in ((kungsholmen, KUNGSHOLMEN, NORRMALM),
                               (norrmalm, NORRMALM, KUNGSHOLMEN)):  # fmt: skip
        feed = http.get(f"/feeds/{token}/plan.ics")
        assert feed.status_code == 200
        shown = set(re.findall(r"UID:(\S+)", feed.text))
        assert shown and shown <= uids[mine] and not shown & uids[other]
        assert f"trygghet@{DOMAINS[mine]}" in feed.text.replace("\r\n ", "")
        page = http.get(f"/feeds/{token}/").text
        assert mine in page and other not in page

    listed = installation.cli("feeds", "list", "--organisation", "norrmalm")
    assert listed.code == 0 and listed.out.count("SSP-gruppen") == 1 and NORRMALM in listed.out


def test_one_district_config_imports_another_districts_plan_without_its_addresses(
    cli: Cli, tmp_path: Path
) -> None:
    write_plan(norrmalm_plan(), tmp_path / "norrmalm-2024.toml")
    assert cli("import", str(SEED_PLAN), "--now", IMPORT_NOW).code == 0
    imported = cli("import", str(tmp_path / "norrmalm-2024.toml"), "--now", IMPORT_NOW)
    assert imported.code == 0, imported.err
    assert f"Obs: planen gäller {NORRMALM}" in imported.out and KUNGSHOLMEN in imported.out
    config = load_settings(str(cli.config), environ={})
    engine = open_store(config.database_url)
    norrmalm = find_plan_id(engine, year=2024, organisation=NORRMALM)
    kungsholmen = find_plan_id(engine, year=2024, organisation=KUNGSHOLMEN)
    planned = {r.plan_id for r in list_outbox(engine)}
    assert kungsholmen in planned and norrmalm not in planned  # no Kungsholmen address used


def test_a_districts_follow_up_links_show_only_its_own_plan(installation: Installation) -> None:
    installation.dispatcher_pass(morning(date(2024, 11, 15)))  # both campaigns start
    clock = Clock(morning(date(2024, 11, 20)))
    http = TestClient(create_app(installation.engine, installation.config, clock=clock))
    for mine, other in ((KUNGSHOLMEN, NORRMALM), (NORRMALM, KUNGSHOLMEN)):
        campaign = get_campaign(installation.engine, installation.plan_id(mine))
        assert campaign is not None
        overview = http.get(urlsplit(coordinator_link(installation.engine, installation.config,
                                                      campaign)).path)  # fmt: skip
        assert overview.status_code == 200
        assert mine in overview.text and other not in overview.text
        form_mail = next(
            r for r in list_outbox(installation.engine)
            if r.kind == "followup-start" and r.plan_id == installation.plan_id(mine)
        )  # fmt: skip
        link = re.search(r"https?://\S+/uppfoljning/\S+", form_mail.body_text)
        assert link is not None
        form = http.get(urlsplit(link.group(0)).path)
        assert form.status_code == 200 and mine in form.text and other not in form.text


def test_commands_about_one_district_refuse_the_others_links_meetings_and_mail(
    installation: Installation,
) -> None:
    cli = installation.cli
    _token(installation, "kungsholmen", "K-gruppen")
    listed = cli("feeds", "list", "--organisation", "kungsholmen")
    found = re.search(r"^\s*(\d+)\s+K-gruppen", listed.out, re.M)
    assert found is not None, listed.out
    refused = cli("feeds", "revoke", found.group(1), "--organisation", "norrmalm")
    assert refused.code == 3 and NORRMALM in refused.err
    assert "aktiv" in cli("feeds", "list", "--organisation", "kungsholmen").out

    kungsholmen_uid = list_occurrences(installation.engine,
                                       plan_id=installation.plan_id(KUNGSHOLMEN))[0].uid  # fmt: skip
    for command in (("move", kungsholmen_uid, "2024-06-03"), ("cancel", kungsholmen_uid)):
        moved = cli(*command, "--organisation", "norrmalm")
        assert moved.code == 3 and NORRMALM in moved.err, moved.err
    assert cli("cancel", kungsholmen_uid, "--organisation", "kungsholmen").code == 0

    everything = len(list_outbox(installation.engine))
    for organisation in DOMAINS:
        listing = cli("remind", "list", "--organisation", organisation)
        assert listing.code == 0
        shown = sum(int(n) for n in re.findall(r": (\d+)", listing.out.strip().splitlines()[-1]))
        mine = list_outbox(installation.engine, organisation=organisation)
        assert shown == len(mine) and 0 < shown < everything
        assert {r.plan_id for r in mine} == {installation.plan_id(organisation)}
