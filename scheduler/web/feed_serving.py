"""Feed responses, and a lean path for the polls that make up most of a server's requests.

Every subscribed calendar polls its feed every 15 minutes to 24 hours, so an installation for a
country answers little else. `LeanFeeds` sits in front of the application and answers a GET or HEAD
of `/feeds/<token>/<name>.ics` (no query) from responses prepared when the feed was rendered: the
status line's headers (the same as the application's route sends, security headers included), the
body, the 304 for a matching `If-None-Match`. A poll costs the token's hash, a dict lookup and
two clock reads; nothing is parsed, validated or rendered. Under `scheduler serve` it is the first
ASGI application uvicorn calls, in front of FastAPI and its middleware.

A prepared response stands as long as `FeedService` would answer the same without asking the
store: until its next recheck (`feeds.recheck_seconds`, as for a served feed), until the day
changes (the rolling window moves), until something changes through this server
(`FeedService.recheck_now`), and until the links change in the store, by any process
(`FeedService.links_version`: a link revoked from the command line or another server is a 404 at
its very next poll; the check is a system call, not a query). Anything else (an unknown,
revoked or unbound link, a `?from=` window, a bad name, an error) goes to the application, which
answers as it always has.
"""

from __future__ import annotations

import time as clock
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from fastapi import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send

from scheduler.base.time import STOCKHOLM
from scheduler.services.feeds import FeedService, RenderedFeed, hash_token
from scheduler.web.pages import secure

CALENDAR_TYPE = "text/calendar; charset=utf-8"
PREFIX = "/feeds/"
SUFFIX = ".ics"


def matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match == etag:  # a calendar's poll: the one tag it was given
        return True
    if if_none_match.strip() == "*":
        return True
    candidates = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in candidates


def feed_path(path: str) -> tuple[str, str] | None:
    """(token, file name) of a path `/feeds/<token>/<name>.ics`; None for any other path."""
    if not path.startswith(PREFIX) or not path.endswith(SUFFIX):
        return None
    token, slash, filename = path[len(PREFIX) :].partition("/")
    if not token or not slash or "/" in filename or filename == SUFFIX:
        return None
    return token, filename


def feed_response(rendered: RenderedFeed, *, method: str, if_none_match: str | None) -> Response:
    """The response to a feed's GET or HEAD: strong ETag, 304 when it matches, private caching."""
    headers = {
        "ETag": rendered.etag,
        "Cache-Control": "private, max-age=900",
        "Content-Disposition": f'inline; filename="{rendered.filename}"',
    }
    if matches(if_none_match, rendered.etag):
        return Response(status_code=304, headers=headers)
    if method == "HEAD":
        headers["Content-Length"] = str(len(rendered.body))
        return Response(content=b"", headers=headers, media_type=CALENDAR_TYPE)
    return Response(content=rendered.body, headers=headers, media_type=CALENDAR_TYPE)


def _sent_headers(response: Response, security: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    """The headers as the application sends them: the route's, then the security headers."""
    headers = MutableHeaders(raw=list(response.raw_headers))
    secure(headers, security)
    return headers.raw


def _next_day(now: datetime) -> datetime:
    """The next midnight, in UTC or in Stockholm, whichever comes first: the feed cache is kept
    per UTC day and the rolling window moves at Stockholm's. In UTC: each poll compares the clock
    with it, and a comparison with a Stockholm time asks zoneinfo for the offset (40 times slower)."""
    utc = datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), tzinfo=UTC)
    local = now.astimezone(STOCKHOLM).date() + timedelta(days=1)
    return min(utc, datetime.combine(local, time(), tzinfo=STOCKHOLM).astimezone(UTC))


@dataclass(frozen=True)
class Prepared:
    etag: str
    body: bytes
    full: list[tuple[bytes, bytes]]  # 200 to GET
    head: list[tuple[bytes, bytes]]  # 200 to HEAD
    not_modified: list[tuple[bytes, bytes]]  # 304
    generation: int
    links: int  # `FeedService.links_version()` before it was rendered
    fresh_until: float  # time.monotonic()
    day_ends: datetime

    def answer(self, method: str, if_none_match: str | None) -> tuple[int, list[tuple[bytes, bytes]], bytes]:  # fmt: skip
        """Status, headers and body for a GET or HEAD, as `feed_response` answers it."""
        if matches(if_none_match, self.etag):
            return 304, self.not_modified, b""
        if method == "HEAD":
            return 200, self.head, b""
        return 200, self.full, self.body

    @classmethod
    def of(cls, rendered: RenderedFeed, *, generation: int, links: int, fresh_until: float,
           now: datetime, security: Mapping[str, str]) -> Prepared:  # fmt: skip
        def sent(method: str, if_none_match: str | None) -> list[tuple[bytes, bytes]]:
            return _sent_headers(
                feed_response(rendered, method=method, if_none_match=if_none_match), security
            )

        return cls(rendered.etag, rendered.body, sent("GET", None), sent("HEAD", None),
                   sent("GET", rendered.etag), generation, links, fresh_until, _next_day(now))  # fmt: skip


class LeanFeeds:
    """ASGI middleware: a feed poll answered from a prepared response (see the module's doc)."""

    def __init__(self, app: ASGIApp, *, feeds: FeedService, clock: Callable[[], datetime],
                 security: Mapping[str, str]) -> None:  # fmt: skip
        self.app = app
        self.feeds = feeds
        self.clock = clock
        self.security = security  # the application's security headers (pages.security_headers)
        # As many as the feed cache holds (`feeds.cache_entries`): the bodies are the same bytes.
        self.entries = feeds.settings.cache_entries
        self._prepared: dict[tuple[str, str], Prepared] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and not scope["query_string"]:  # fmt: skip
            found = feed_path(scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        token, filename = found
        prepared = self.ready(token, filename)
        if prepared is None:
            prepared = await run_in_threadpool(self._prepare, token, filename[: -len(SUFFIX)])
            if prepared is None:  # the application answers it (a 404, a 400), as it always has
                await self.app(scope, receive, send)
                return
            self._keep((hash_token(token), filename), prepared)
        await self._send(prepared, scope, send)

    def ready(self, token: str, filename: str) -> Prepared | None:
        """The response prepared for a feed's token and file name if it still stands, else None:
        the token's hash, a dict lookup and the clocks, nothing that waits."""
        prepared = self._prepared.get((hash_token(token), filename))
        return prepared if prepared is not None and self._fresh(prepared) else None

    def _fresh(self, prepared: Prepared) -> bool:
        return (
            prepared.generation == self.feeds.generation
            and clock.monotonic() < prepared.fresh_until
            and self.clock() < prepared.day_ends
            and prepared.links == self.feeds.links_version()  # last: the one system call
        )

    def _prepare(self, token: str, name: str) -> Prepared | None:
        self.feeds.link_changes.connect()  # here, in a worker thread: it may wait on the store
        # Noted before rendering: a change while it renders leaves the answer stale at once.
        generation, links, now = self.feeds.generation, self.feeds.links_version(), self.clock()
        try:
            rendered = self.feeds.render(token, name)
            fresh_until = self.feeds.fresh_until(self.feeds.token(token))
        except Exception:  # the application's route meets it again and answers it
            return None
        return Prepared.of(rendered, generation=generation, links=links, fresh_until=fresh_until,
                           now=now, security=self.security)  # fmt: skip

    def _keep(self, key: tuple[str, str], prepared: Prepared) -> None:
        if key not in self._prepared and len(self._prepared) >= self.entries:
            del self._prepared[next(iter(self._prepared))]  # the oldest out: no work on a hit
        self._prepared[key] = prepared

    @staticmethod
    async def _send(prepared: Prepared, scope: Scope, send: Send) -> None:
        if_none_match = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value.decode("latin-1")
                break
        status, headers, body = prepared.answer(scope["method"], if_none_match)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
