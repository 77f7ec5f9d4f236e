"""The web server: calendar feeds and their page, reminder answers, the follow-up form."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from scheduler.base.errors import SchedulerError, StoreBusyError
from scheduler.base.templating import TEMPLATES, environment
from scheduler.followup.settings import FollowupSettings
from scheduler.services.feeds import FeedService, FeedSettings
from scheduler.services.oidc import IdentityProviders
from scheduler.services.signin import SignInPolicy
from scheduler.settings.model import Settings
from scheduler.web import (
    accounts_page,
    agenda,
    agenda_export,
    answers,
    arshjul,
    audit_page,
    followup,
    followup_page,
    history_page,
    links,
    measure_page,
    oidc_signin,
    pages,
    plan_edit_page,
    plan_page,
    plan_year,
    reminders_page,
    roles_page,
    signin,
)
from scheduler.web.audit_trail import AuditTrail
from scheduler.web.busy import busy_response
from scheduler.web.feed_page import render_subscribe_page
from scheduler.web.feed_serving import LeanFeeds, feed_response
from scheduler.web.health import router as health_router
from scheduler.web.layout import read_only, stale_form
from scheduler.web.pages import PAGE_METHODS
from scheduler.web.request_limits import RequestLimits, limited_protocol, uvicorn_protocol
from scheduler.web.session import ReadOnly, SignInNeeded, StaleForm, forget_session_cookie

STATIC = TEMPLATES / "web" / "static"
# The files served under /static and their types; nothing else is served from the folder.
STATIC_FILES = {
    "site.css": "text/css; charset=utf-8",
    "copy.js": "text/javascript; charset=utf-8",
    "edit-when.js": "text/javascript; charset=utf-8",
}


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
               feed_settings: FeedSettings | None = None, max_body_bytes: int = pages.MAX_BODY_BYTES) -> FastAPI:  # fmt: skip
    now = clock or (lambda: datetime.now(UTC))
    app = FastAPI(
        title="Åtgärdsplanens schemaläggare", docs_url=None, redoc_url=None, openapi_url=None
    )
    feeds = FeedService(engine, config, clock=now, settings=feed_settings)
    # Made once, here; the routes name them as typed dependencies (scheduler/web/deps.py).
    app.state.feeds = feeds
    app.state.engine = engine
    # The settings are read once, at start: no request parses or reads the config again.
    app.state.config = config
    app.state.followup_settings = FollowupSettings.from_section(config.followup)
    app.state.clock = now
    app.state.signin_policy = SignInPolicy.from_section(config.server)
    app.state.password_gate = signin.gate_of(config)
    app.state.signin_threads = signin.threads_of(config)
    app.state.identity_providers = IdentityProviders()

    app.include_router(answers.router)
    app.include_router(followup.router)
    app.include_router(health_router)
    app.include_router(signin.router)
    app.include_router(oidc_signin.router)
    app.include_router(audit_page.router)
    app.include_router(arshjul.router)
    app.include_router(plan_page.router)
    app.include_router(plan_year.router)
    app.include_router(plan_edit_page.router)
    app.include_router(history_page.router)
    app.include_router(measure_page.router)
    app.include_router(agenda.router)
    app.include_router(agenda_export.router)
    app.include_router(links.router)
    app.include_router(reminders_page.router)
    app.include_router(roles_page.router)
    app.include_router(accounts_page.router)
    app.include_router(followup_page.router)

    @app.exception_handler(SignInNeeded)
    async def sign_in_needed(_request: Request, exc: SignInNeeded) -> Response:
        # A workspace page without a valid session: to the sign-in page, saying why.
        response = RedirectResponse(
            f"/logga-in?orsak={exc.reason or 'inloggning'}", status_code=303
        )
        forget_session_cookie(response)
        return response

    @app.exception_handler(StaleForm)
    async def stale(_request: Request, exc: StaleForm) -> Response:
        return stale_form(exc.coordinator)

    @app.exception_handler(ReadOnly)
    async def reader(_request: Request, exc: ReadOnly) -> Response:
        return read_only(exc.coordinator)

    # Another district's import holds the database: 503 and Retry-After, never a 500.
    @app.exception_handler(OperationalError)
    @app.exception_handler(StoreBusyError)
    async def busy(request: Request, exc: Exception) -> Response:
        return busy_response(request, exc, config=config)

    @app.api_route("/", methods=PAGE_METHODS, response_class=HTMLResponse)
    def home() -> str:
        return environment("web").get_template("home.html").render()

    @app.api_route("/static/{name}", methods=PAGE_METHODS)
    def static_file(name: str) -> Response:
        media_type = STATIC_FILES.get(name)
        if media_type is None:
            raise HTTPException(404)
        return Response((STATIC / name).read_bytes(), media_type=media_type,
                        headers={"Cache-Control": "public, max-age=3600"})  # fmt: skip

    @app.api_route("/feeds/{token}/{name}.ics", methods=["GET", "HEAD"])
    def feed(token: str, name: str, request: Request) -> Response:
        rendered = feeds.render(token, name, window=_window(request))
        return feed_response(rendered, method=request.method,
                             if_none_match=request.headers.get("if-none-match"))  # fmt: skip

    @app.api_route("/feeds/{token}/", methods=PAGE_METHODS, response_class=HTMLResponse)
    def page(token: str) -> str:
        return render_subscribe_page(feeds, token, now=now())

    app.state.security_headers = pages.security_headers(config)
    pages.install(app, security=app.state.security_headers, max_body_bytes=max_body_bytes)
    # Outermost but for the feeds' lean path: it sees the status every post ended with.
    app.add_middleware(AuditTrail, engine=engine, config=config, clock=now)
    return app


def serving_app(app: FastAPI) -> LeanFeeds:
    """What `scheduler serve` runs: the application behind the lean path for feed polls, in front
    of everything (FastAPI's own middleware included), so a poll meets nothing else."""
    return LeanFeeds(app, feeds=app.state.feeds, clock=app.state.clock,
                     security=app.state.security_headers)  # fmt: skip


def serving_protocol(config: Settings) -> type[asyncio.Protocol]:
    """The HTTP protocol `scheduler serve` gives uvicorn (`http=`): the request limits of
    `[server]` in front of uvicorn's own httptools protocol."""
    return limited_protocol(uvicorn_protocol("httptools"), RequestLimits.from_settings(config),
                            headers=list(pages.security_headers(config).items()))  # fmt: skip
