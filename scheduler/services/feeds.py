"""Feeds as served: token check, scope lookup, rendering, strong ETag, and a cache.

A poll costs no database work: the feed bytes are cached per (token, scope, format, window, day),
and the store is asked whether anything changed (plan revision, last occurrence change, the set of
valid tokens) at most once every `recheck_seconds`. A change elsewhere (an import from the command
line, a revoked token) is therefore seen within that interval.

The cache holds at most `cache_entries` feeds, the least recently used leaving first, and a
requested window is clamped to the plan's span first: any `?from=…&to=…` however absurd is at
most one more entry, and windows that hold the same days share it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError
from scheduler.base.time import STOCKHOLM
from scheduler.feeds.content import Window, feed_events, feed_header, recurring_events
from scheduler.feeds.ical import render_events, render_recurring, render_todos
from scheduler.feeds.scopes import MEASURE, SERIES, Scope, all_scopes, find_scope
from scheduler.model.occurrence import Occurrence
from scheduler.schedule.occurrences import PlanSchedule
from scheduler.services.refresh import plan_schedule
from scheduler.settings.model import Settings
from scheduler.store.feed_tokens import active_tokens, hash_token
from scheduler.store.occurrences import list_occurrences, schedule_state
from scheduler.store.plans import find_plan_id
from scheduler.store.tables import FeedTokenRow

EVENTS, TODOS, SERIES_EXPORT = "events", "todos", "series"
FORMAT_SUFFIXES = {".todo": TODOS, ".serie": SERIES_EXPORT}


@dataclass(frozen=True)
class FeedSettings:
    refresh: timedelta = timedelta(hours=12)
    keep_cancelled: timedelta = timedelta(days=60)
    recheck_seconds: float = 30.0
    organizer_email: str = "noreply@example.org"
    cache_entries: int = 256

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedSettings:
        feeds = settings.feeds
        return cls(
            refresh=timedelta(hours=feeds.refresh_hours),
            keep_cancelled=timedelta(days=feeds.keep_cancelled_days),
            recheck_seconds=feeds.recheck_seconds,
            organizer_email=settings.organisation.email,
            cache_entries=feeds.cache_entries,
        )


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str  # strong, quoted
    filename: str


@dataclass
class _State:
    fingerprint: object
    tokens: dict[str, FeedTokenRow]
    schedule: PlanSchedule | None
    rows: list[Occurrence]
    span: Window | None  # every day the plan has something on, and its whole year


def plan_span(schedule: PlanSchedule, rows: list[Occurrence]) -> Window:
    year = Window.year(schedule.stored.plan.year)
    days = [row.start.astimezone(STOCKHOLM).date() for row in rows]
    return Window(min([year.start, *days]), max([year.end, *(d + timedelta(days=1) for d in days)]))


def clamp(window: tuple[date, date], span: Window) -> tuple[date, date]:
    """`window` cut to `span`; a window outside it becomes the one empty window."""
    start, end = max(window[0], span.start), min(window[1], span.end)
    return (start, end) if start < end else (span.start, span.start)


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


class FeedService:
    def __init__(self, engine: Engine, config: Settings, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 settings: FeedSettings | None = None) -> None:  # fmt: skip
        self.engine = engine
        self.config = config
        self.clock = clock
        self.settings = settings or FeedSettings.from_settings(config)
        self._lock = threading.Lock()
        self._state: _State | None = None
        self._checked_at = float("-inf")
        self._cache: OrderedDict[tuple[object, ...], RenderedFeed] = OrderedDict()

    # -- state -----------------------------------------------------------------------------
    def _fresh_state(self) -> _State:
        with self._lock:
            monotonic = time.monotonic()
            if (
                self._state is not None
                and monotonic - self._checked_at < self.settings.recheck_seconds
            ):
                return self._state
            tokens = active_tokens(self.engine)
            try:
                plan_id = find_plan_id(self.engine, prefer=self.config.organisation.name)
            except NotFoundError:
                plan_id = None
            version = schedule_state(self.engine, plan_id=plan_id) if plan_id is not None else None
            fingerprint = (plan_id, version)
            if self._state is None or self._state.fingerprint != fingerprint:
                schedule = (
                    plan_schedule(self.engine, self.config, plan_id=plan_id)
                    if plan_id is not None
                    else None
                )
                rows = list_occurrences(self.engine, plan_id=plan_id) if plan_id is not None else []
                span = plan_span(schedule, rows) if schedule is not None else None
                self._state = _State(fingerprint, tokens, schedule, rows, span)
                self._cache.clear()
            else:
                self._state.tokens = tokens
            self._checked_at = monotonic
            return self._state

    # -- lookups ---------------------------------------------------------------------------
    def token(self, token: str) -> FeedTokenRow:
        row = self._fresh_state().tokens.get(hash_token(token))
        if row is None:
            raise NotFoundError("Okänd eller återkallad kalenderlänk.")
        return row

    def schedule(self) -> PlanSchedule:
        state = self._fresh_state()
        if state.schedule is None:
            raise NotFoundError("Ingen plan är importerad ännu.")
        return state.schedule

    def scopes_for(self, token: str) -> list[Scope]:
        row = self.token(token)
        schedule = self.schedule()
        if not row.scope:
            return all_scopes(schedule)
        try:  # a token's scope may be an old id name (`atgard-24`): it opens that measure's calendar
            return [find_scope(schedule, row.scope)]
        except NotFoundError:
            return []

    def occurrences(self) -> list[Occurrence]:
        return self._fresh_state().rows

    def link(self, token: str, measure_id: int) -> str:
        return f"{self.config.base_url}/feeds/{token}/#atgard-{measure_id}"

    # -- rendering -------------------------------------------------------------------------
    def render(
        self, token: str, name: str, *, window: tuple[date, date] | None = None
    ) -> RenderedFeed:
        token_row = self.token(token)
        name, fmt = split_format(name)
        state = self._fresh_state()
        schedule = self.schedule()
        # Names are compared as the calendars they name, so an old id name (`atgard-24`) in the URL
        # or in the token's scope is the same calendar as its title name (`atgard-ssp`).
        name = find_scope(schedule, name).name
        if token_row.scope and name not in {s.name for s in self.scopes_for(token)}:
            raise NotFoundError("Kalenderlänken gäller inte den här kalendern.")
        if window is not None and state.span is not None:
            window = clamp(window, state.span)
        now = self.clock()
        key = (token_row.token_hash, name, fmt, window, now.date())
        cached = self._cached(key)
        if cached is not None:
            return cached
        rendered = render_feed(schedule, state.rows, name, fmt, now=now, settings=self.settings,
                               window=window, link=lambda measure_id: self.link(token, measure_id))  # fmt: skip
        self._keep(key, rendered)
        return rendered

    # -- the cache: a fixed number of feeds, least recently used out first ------------------
    @property
    def cache_size(self) -> int:
        return len(self._cache)

    def _cached(self, key: tuple[object, ...]) -> RenderedFeed | None:
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
            return found

    def _keep(self, key: tuple[object, ...], rendered: RenderedFeed) -> None:
        with self._lock:
            self._cache[key] = rendered
            self._cache.move_to_end(key)
            while len(self._cache) > self.settings.cache_entries:
                self._cache.popitem(last=False)


def split_format(name: str) -> tuple[str, str]:
    """ "atgard-ssp.todo" → ("atgard-ssp", TODOS)."""
    for suffix, fmt in FORMAT_SUFFIXES.items():
        if name.endswith(suffix):
            return name.removesuffix(suffix), fmt
    return name, EVENTS


def render_feed(
    schedule: PlanSchedule,
    rows: list[Occurrence],
    name: str,
    fmt: str,
    *,
    now: datetime,
    settings: FeedSettings,
    window: tuple[date, date] | None = None,
    link: Callable[[int], str | None] = lambda _: None,
) -> RenderedFeed:
    """One feed's bytes: pure but for the values passed in."""
    scope = find_scope(schedule, name)
    span = Window(*window) if window else Window.year(schedule.stored.plan.year)
    header = feed_header(
        schedule, scope, refresh=settings.refresh, organizer_email=settings.organizer_email
    )
    if fmt == SERIES_EXPORT:
        if scope.kind not in {MEASURE, SERIES} or scope.measure_id is None:
            raise NotFoundError("Återkommande serier finns bara för en åtgärd eller en serie.")
        body = render_recurring(
            header, recurring_events(schedule, rows, scope.measure_id, scope.series_label)
        )
    else:
        events = feed_events(schedule, rows, scope, now=now, window=span,
                             keep_cancelled=settings.keep_cancelled, link=link)  # fmt: skip
        if fmt == TODOS:
            body = render_todos(header, [event for event in events if event.task])
        else:
            body = render_events(header, events)
    suffix = {EVENTS: "", TODOS: ".todo", SERIES_EXPORT: ".serie"}[fmt]
    return RenderedFeed(body, etag_for(body), f"{name}{suffix}.ics")
