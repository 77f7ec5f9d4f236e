"""A plan with its schedule in a store, for the feed and web tests; the web feed tests' clock, client,
links and subscribe page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from scheduler.model.occurrence import Occurrence
from scheduler.model.plan import Area, Measure, Plan, PolicyOverrides
from scheduler.plan.files import read_plan
from scheduler.schedule.occurrences import PlanSchedule
from scheduler.services.feeds import FeedSettings
from scheduler.services.refresh import import_and_schedule, plan_schedule
from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from scheduler.store.feed_tokens import create_token
from scheduler.store.occurrences import list_occurrences
from scheduler.web.app import create_app
from tests.support.cli import write_config
from tests.support.databases import upgraded_engine
from tests.support.html_page import HtmlPage
from tests.support.seed import SEED_ORGANISATION, SEED_PLAN

IMPORTED_AT = datetime(2024, 1, 8, 7, 0, tzinfo=UTC)
NOW = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)  # the web feed tests' clock

CLIENTS = {  # the steps' sections, in the order a reader meets them
    "outlook": "Outlook: nya Outlook och Outlook på webben",
    "outlook-klassisk": "Outlook: klassiska Outlook i Windows",
    "google": "Google Kalender",
    "apple": "Apple Kalender: Mac, iPhone och iPad",
    "thunderbird": "Thunderbird",
}

# A weekly meeting through both DST changes, so every feed test crosses them.
DST_MEASURE = Measure(
    title="Veckoavstämning kring sommartid",
    action="Avstämning mellan polis och trygghetssamordnare.",
    when_text="Varje vecka i mars, april, oktober och november",
    # Its own convener, so no other meeting moves it off 09:00.
    responsible_text="Kommunpolisen sammankallar. Trygghetssamordnaren deltar.",
    schedule=PolicyOverrides(rrule="FREQ=WEEKLY;BYMONTH=3,4,10,11;BYDAY=TU", time="09:00"),
)


def seed_with_dst_measure() -> Plan:
    plan = read_plan(SEED_PLAN).plan
    last = plan.areas[-1]
    return replace(plan, areas=(*plan.areas[:-1], Area(last.name, (*last.measures, DST_MEASURE))))


@dataclass
class Scheduled:
    engine: Engine
    config: Settings
    plan_id: int

    def schedule(self) -> PlanSchedule:
        return plan_schedule(self.engine, self.config, plan_id=self.plan_id)

    def rows(self) -> list[Occurrence]:
        return list_occurrences(self.engine, plan_id=self.plan_id)


def scheduled_plan(tmp_path: Path, url: str | None = None, plan: Plan | None = None, *,
                   extra: str = "") -> Scheduled:  # fmt: skip
    """The plan (the seed with a DST measure by default) imported at IMPORTED_AT; `extra`: more
    config text."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = url or f"sqlite:///{tmp_path / 'feeds.sqlite3'}"
    config = load_settings(
        str(write_config(tmp_path / "config.toml", url, extra=extra)), environ={}
    )
    engine = upgraded_engine(config.database_url)
    result, _ = import_and_schedule(engine, config, plan or seed_with_dst_measure(), source="test",
                                    now=IMPORTED_AT)  # fmt: skip
    return Scheduled(engine, config, result.plan_id)


def client_for(scheduled: Scheduled, recheck_seconds: float = 0.0) -> TestClient:
    settings = replace(
        FeedSettings.from_settings(scheduled.config), recheck_seconds=recheck_seconds
    )
    app = create_app(scheduled.engine, scheduled.config, clock=lambda: NOW, feed_settings=settings)
    return TestClient(app)


def token(scheduled: Scheduled, scope: str = "") -> str:
    return create_token(
        scheduled.engine,
        organisation=SEED_ORGANISATION,
        audience="SSP-gruppen",
        scope=scope,
        now=NOW,
    )[1]


def page_of(http: TestClient, secret: str) -> HtmlPage:
    response = http.get(f"/feeds/{secret}/")
    assert response.status_code == 200
    return HtmlPage(response.text)
