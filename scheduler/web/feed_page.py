"""The page behind a feed token: the calendars with webcal links and how to subscribe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler.base.templating import environment
from scheduler.feeds.scopes import MEASURE, SERIES, Scope
from scheduler.model.occurrence import CANCELLED
from scheduler.schedule.occurrences import MeasureSchedule
from scheduler.services.feeds import FeedService


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


def _covers(scopes: list[Scope], item: MeasureSchedule, series_label: str) -> bool:
    return any(
        scope.includes(
            area=item.stored.area,
            measure_id=item.stored.id,
            series_label=series_label,
            roles=item.responsibility.participants,
        )
        for scope in scopes
    )


def feed_page(feeds: FeedService, token: str, *, now: datetime) -> str:
    """The page lists only what the token's calendars hold: a link for one role or one forum
    shows nothing of the rest of the plan."""
    row = feeds.token(token)
    plans = feeds.in_window(token)
    schedule = plans[-1].schedule
    base = f"{feeds.config.base_url}/feeds/{token}"
    allowed = feeds.scopes_for(token)
    scopes: list[dict[str, Any]] = []
    for scope in allowed:
        https = f"{base}/{scope.name}.ics"
        scopes.append({
            "name": scope.name, "title": scope.title, "https": https, "webcal": webcal(https),
            "todo": f"{base}/{scope.name}.todo.ics",
            "series": f"{base}/{scope.name}.serie.ics" if scope.kind in {MEASURE, SERIES} else None,
        })  # fmt: skip
    # What is coming, from every plan of the window (the closing year's December after a
    # rollover), by the measure's identity across years.
    coming: dict[str, list[Any]] = {}
    for plan in plans:
        key_of = {item.stored.id: item.stored.key for item in plan.schedule.measures}
        for r in plan.rows:
            if r.start >= now and r.measure_id in key_of:
                coming.setdefault(key_of[r.measure_id], []).append(r)
    measures = []
    for item in schedule.workbook_measures:
        # A measure with nothing dated yet still belongs to its area's and its roles' page.
        labels = [series.label for series in item.schedule.series] or [""]
        if not any(_covers(allowed, item, label) for label in labels):
            continue
        who = item.responsibility
        upcoming = [
            {
                "start": r.start,
                "all_day": r.all_day,
                "label": r.series_label,
                "cancelled": r.status == CANCELLED,
            }
            for r in sorted(coming.get(item.stored.key, []), key=lambda r: r.start)
            if _covers(allowed, item, r.series_label)
        ][:6]
        measures.append({
            "id": item.stored.id, "title": item.stored.measure.title, "area": item.stored.area,
            "action": item.stored.measure.action, "when_text": item.stored.measure.when_text,
            "convener": who.convener, "others": [r for r in who.participants if r != who.convener],
            "upcoming": upcoming,
        })  # fmt: skip
    return (
        environment("web")
        .get_template("feeds.html")
        .render(plan=schedule.stored.plan, audience=row.audience, scopes=scopes, measures=measures)
    )
