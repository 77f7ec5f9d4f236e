"""How big each calendar a link serves is, for `feeds list` to warn about the big ones.

Google Calendar drops events from a subscribed calendar of about 1 MB without a word
(docs/calendar-clients.md). Feeds are trimmed under `feeds.max_kb` as they are rendered
(scheduler/feeds/size.py); a coordinator is warned well before that, at `feeds.warn_kb`, so that
the links can be split (an area's, a measure's or a role's calendar instead of the whole plan).
The sizes are those of the served feeds, the link to the subscribe page in every event included.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from sqlalchemy import Engine

from scheduler.services.feed_export import organisation_feeds
from scheduler.services.feeds import FeedSettings, PlanFeed, organiser_settings, plan_span
from scheduler.services.refresh import plan_schedule
from scheduler.settings.model import Settings
from scheduler.store.occurrences import list_occurrences
from scheduler.store.plans import plans_by_organisation

# As long as a real link's secret part (secrets.token_urlsafe(32)): the link in every event
# counts toward the size.
_SAMPLE_TOKEN = "x" * 43


@dataclass(frozen=True)
class FeedSize:
    organisation: str
    filename: str  # as served: plan.ics, plan.todo.ics, atgard-ssp.ics …
    size: int  # bytes


def oversized_feeds(
    engine: Engine, config: Settings, organisations: Iterable[str], *, now: datetime
) -> list[FeedSize]:
    """The calendars of `organisations` that are bigger than `feeds.warn_kb` as served now, in
    organisation and name order."""
    by_organisation = plans_by_organisation(engine)
    wanted = set(organisations)
    base = FeedSettings.from_settings(config)
    found = []
    for organisation in sorted(wanted & set(by_organisation)):
        plans = []
        for plan_id in by_organisation[organisation]:
            schedule = plan_schedule(engine, config, plan_id=plan_id)
            rows = list_occurrences(engine, plan_id=plan_id)
            plans.append(PlanFeed(schedule, rows, plan_span(schedule, rows)))
        settings = organiser_settings(base, config, plans[-1])
        found += [
            size
            for size in _sizes(organisation, plans, config, settings, now=now)
            if size.size > settings.warn_bytes
        ]
    return found


def _sizes(organisation: str, plans: list[PlanFeed], config: Settings, settings: FeedSettings, *,
           now: datetime) -> list[FeedSize]:  # fmt: skip
    """Every calendar and to-do list a link serves (not the series files, imported once), as
    `feeds export --all` renders them in one pass, with the link to the subscribe page."""
    link = partial(_link, config)
    return [
        FeedSize(organisation, feed.filename, len(feed.body))
        for feed in organisation_feeds(plans, now=now, settings=settings, link=link)
        if not feed.filename.endswith(".serie.ics")
    ]


def _link(config: Settings, measure_id: int) -> str:
    return f"{config.base_url}/feeds/{_SAMPLE_TOKEN}/#atgard-{measure_id}"
