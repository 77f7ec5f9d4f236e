"""The web server: calendar feeds and the feed page (later: reminder answers, follow-up form)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError, SchedulerError
from scheduler.followup.settings import FollowupSettings
from scheduler.services.feeds import FeedService, FeedSettings
from scheduler.settings.model import Settings
from scheduler.web import answers, followup
from scheduler.web.feed_page import feed_page

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in candidates


def _window(request: Request) -> tuple[date, date] | None:
    start, end = request.query_params.get("from"), request.query_params.get("to")
    if not start and not end:
        return None
    try:
        first = date.fromisoformat(start) if start else date.min
        last = date.fromisoformat(end) if end else date.max
    except ValueError:
        raise SchedulerError("from och to anges som ÅÅÅÅ-MM-DD.") from None
    return first, last


def create_app(engine: Engine, config: Settings, *, clock: Callable[[], datetime] | None = None,
               feed_settings: FeedSettings | None = None) -> FastAPI:  # fmt: skip
    now = clock or (lambda: datetime.now(UTC))
    app = FastAPI(
        title="Åtgärdsplanens schemaläggare", docs_url=None, redoc_url=None, openapi_url=None
    )
    feeds = FeedService(engine, config, clock=now, settings=feed_settings)
    app.state.feeds = feeds
    app.state.engine = engine
    # The settings are read once, at start: no request parses or reads the config again.
    app.state.config = config
    app.state.followup_settings = FollowupSettings.from_section(config.followup)
    app.state.clock = now

    @app.exception_handler(NotFoundError)
    async def not_found(_request: Request, _exc: NotFoundError) -> Response:
        # An unknown or revoked token learns nothing: the same bare 404 as any missing page.
        return PlainTextResponse("Hittades inte.", status_code=404)

    @app.exception_handler(SchedulerError)
    async def bad_request(_request: Request, exc: SchedulerError) -> Response:
        return PlainTextResponse(f"Fel: {exc}", status_code=400)

    app.include_router(answers.router)
    app.include_router(followup.router)

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return "<!doctype html><html lang=sv><meta charset=utf-8><title>Åtgärdsplanen</title><p>Åtgärdsplanens schemaläggare.</p></html>"

    @app.api_route("/feeds/{token}/{name}.ics", methods=["GET", "HEAD"])
    def feed(token: str, name: str, request: Request) -> Response:
        rendered = feeds.render(token, name, window=_window(request))
        headers = {
            "ETag": rendered.etag,
            "Cache-Control": "private, max-age=900",
            "Content-Disposition": f'inline; filename="{rendered.filename}"',
        }
        if _matches(request.headers.get("if-none-match"), rendered.etag):
            return Response(status_code=304, headers=headers)
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(rendered.body))
            return Response(content=b"", headers=headers, media_type=CALENDAR_TYPE)
        return Response(content=rendered.body, headers=headers, media_type=CALENDAR_TYPE)

    @app.get("/feeds/{token}/", response_class=HTMLResponse)
    def page(token: str) -> str:
        return feed_page(feeds, token, now=now())

    return app
