"""Feeds as served: token check, scope lookup, rendering, strong ETag, and a cache.

A link belongs to one organisation and shows a rolling window over its plans: from
`feeds.past_days` back to the end of its newest plan. After a November rollover a subscriber
sees the closing year's December and the new year together; in March the old year has left. A
calendar is found by its name in every plan of the window (names come from titles and outlive
the year), and UIDs differ per year, so clients update rather than duplicate.

A poll costs no database work: the feed bytes are cached per (token, scope, format, window, day),
and the store is asked whether a plan changed at most once every `recheck_seconds`, so an import
from the command line is seen within that interval. The links are different: a link revoked by
any process (`scheduler feeds revoke`, another web process) is refused at the very next poll. The
store tells when the links changed without a query per poll (scheduler/store/feed_token_changes.py),
and they are read again then.

A link belongs to the organisation stored with it. A link made before there could be several
organisations that migration 0011 could not bind to one (organisation "") is refused with
`UnboundLinkError`, never resolved through config.toml's order of districts.

The cache holds at most `cache_entries` feeds, the least recently used leaving first, and a
requested window is clamped to the organisation's plans first: any `?from=…&to=…` however absurd
is at most one more entry, and windows that hold the same days share it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from scheduler.base.errors import NotFoundError, UnboundLinkError
from scheduler.base.time import STOCKHOLM
from scheduler.feeds.content import DateSpan, feed_events, feed_header
from scheduler.feeds.ical import (
    FeedEvent,
    FeedHeader,
    render_events,
    render_recurring,
    render_todos,
)
from scheduler.feeds.scopes import MEASURE, SERIES, Scope, all_scopes, find_scope
from scheduler.feeds.series import SeriesExport, series_export
from scheduler.feeds.size import fitted
from scheduler.model.feed_link import FeedLink
from scheduler.model.occurrence import Occurrence
from scheduler.schedule.occurrences import PlanSchedule
from scheduler.services.refresh import plan_schedule
from scheduler.settings.model import Settings
from scheduler.store.feed_token_changes import FeedTokenChanges
from scheduler.store.feed_tokens import active_tokens
from scheduler.store.feed_tokens import hash_token as hash_token  # the lean path's cache key
from scheduler.store.occurrences import list_occurrences, schedule_state
from scheduler.store.plans import plans_of

EVENTS, TODOS, SERIES_EXPORT = "events", "todos", "series"
UNBOUND_LINK = (
    "Kalenderlänken är från tiden innan det fanns flera stadsdelar i systemet, och det går inte "
    "att avgöra vilken stadsdels kalender den gäller. Den visar därför inga kalendrar längre. "
    "Be den som gav dig länken, oftast kommunens trygghetssamordnare, om en ny länk."
)
FORMAT_SUFFIXES = {".todo": TODOS, ".serie": SERIES_EXPORT}


@dataclass(frozen=True)
class FeedSettings:
    """The keys of [feeds] and the organiser's address (their defaults and meaning:
    scheduler.settings.model), made only by `from_settings`."""

    refresh: timedelta
    keep_cancelled: timedelta
    recheck_seconds: float
    organizer_email: str
    cache_entries: int
    past: timedelta
    max_bytes: int  # a feed is trimmed to this (scheduler/feeds/size.py)
    max_events: int  # … and to this many events
    warn_bytes: int  # `feeds list` warns about a feed over this
    series_max_rules: int  # a `.serie.ics` of more rules is not offered

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedSettings:
        feeds = settings.feeds
        return cls(
            refresh=timedelta(hours=feeds.refresh_hours),
            keep_cancelled=timedelta(days=feeds.keep_cancelled_days),
            recheck_seconds=feeds.recheck_seconds,
            organizer_email=settings.organisation.email,
            cache_entries=feeds.cache_entries,
            past=timedelta(days=feeds.past_days),
            max_bytes=feeds.max_kb * 1000,
            max_events=feeds.max_events,
            warn_bytes=feeds.warn_kb * 1000,
            series_max_rules=feeds.series_max_rules,
        )


@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str  # strong, quoted
    filename: str


@dataclass(frozen=True)
class PlanFeed:
    """One plan year as the feeds read it."""

    schedule: PlanSchedule
    rows: list[Occurrence]
    span: DateSpan  # every day the plan has something on, and its whole year

    @property
    def year(self) -> int:
        return self.schedule.stored.plan.year


@dataclass
class _Organisation:
    """An organisation's plans, oldest first, as of the last check."""

    states: tuple[tuple[int, str], ...]  # (plan id, schedule_state)
    plans: list[PlanFeed]

    def span(self) -> DateSpan | None:
        if not self.plans:
            return None
        return DateSpan(min(p.span.start for p in self.plans), max(p.span.end for p in self.plans))


def plan_span(schedule: PlanSchedule, rows: list[Occurrence]) -> DateSpan:
    year = DateSpan.year(schedule.stored.plan.year)
    days = [row.start.astimezone(STOCKHOLM).date() for row in rows]
    return DateSpan(
        min([year.start, *days]), max([year.end, *(d + timedelta(days=1) for d in days)])
    )


def clamp(window: tuple[date, date], span: DateSpan) -> tuple[date, date]:
    """`window` cut to `span`; a window outside it becomes the one empty window."""
    start, end = max(window[0], span.start), min(window[1], span.end)
    return (start, end) if start < end else (span.start, span.start)


def rolling_window(plans: list[PlanFeed], *, today: date, past: timedelta) -> tuple[date, date]:
    """What a subscription shows: `past` back from today to the end of the newest plan (empty
    when every plan is over)."""
    start, end = today - past, plans[-1].span.end
    return (start, end) if start < end else (end, end)


def etag_for(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:40] + '"'


class FeedService:
    def __init__(self, engine: Engine, config: Settings, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 settings: FeedSettings | None = None) -> None:  # fmt: skip
        self.engine = engine
        self.config = config  # the whole installation's: each link shows its organisation's
        self.clock = clock
        self.settings = settings or FeedSettings.from_settings(config)
        self._lock = threading.Lock()
        self._tokens: dict[str, FeedLink] = {}
        self._tokens_checked_at = float("-inf")
        self.link_changes = FeedTokenChanges(engine)
        self._tokens_version: int | None = None  # `link_changes.version()` when they were read
        self._organisations: dict[str, _Organisation] = {}
        self._checked_at: dict[str, float] = {}
        self._plan_feeds: dict[int, tuple[str, PlanFeed]] = {}
        # Per state of the plans: a calendar name as asked → the name that outlives the year.
        self._names: dict[tuple[str, str], str | None] = {}
        self._cache: OrderedDict[tuple[object, ...], RenderedFeed] = OrderedDict()
        # Bumped by `recheck_now`: an answer kept outside (scheduler/web/feed_serving.py) that was
        # made in an earlier generation is stale.
        self.generation = 0

    # -- state -----------------------------------------------------------------------------
    def _recheck_due(self, checked_at: float) -> bool:
        return time.monotonic() - checked_at >= self.settings.recheck_seconds

    def _active_tokens(self) -> dict[str, FeedLink]:
        """The valid links, read again when any process changed them (at once) and at least every
        `recheck_seconds`."""
        self.link_changes.connect()  # once; again only after the database went away
        with self._lock:
            version = self.link_changes.version()  # before the read: a change during it counts
            if version != self._tokens_version or self._recheck_due(self._tokens_checked_at):
                self._tokens = active_tokens(self.engine)
                self._tokens_version = version
                self._tokens_checked_at = time.monotonic()
            return self._tokens

    def links_version(self) -> int:
        """What `FeedTokenChanges.version` says now: an answer kept since an earlier value may
        belong to a revoked link. Cheap, and never waits on the database."""
        return self.link_changes.version()

    def recheck_now(self) -> None:
        """A change made through this server (a link revoked, a meeting moved in the workspace)
        shows at the next fetch, not `recheck_seconds` later. Everything is read again: a change
        stamped with a clock behind the stored ones would leave the plan's state as it was."""
        with self._lock:
            self.generation += 1
            self._tokens_checked_at = float("-inf")
            self._checked_at.clear()
            self._organisations.clear()
            self._plan_feeds.clear()
            self._names.clear()
            self._cache.clear()

    def _organisation(self, name: str) -> _Organisation:
        """The organisation's plans, re-read when one of them changed (at most once per
        `recheck_seconds`); a changed plan's schedule is computed again, the others kept."""
        with self._lock:
            known = self._organisations.get(name)
            if known is not None and not self._recheck_due(self._checked_at.get(name, -1e18)):
                return known
            states = tuple(
                (plan_id, schedule_state(self.engine, plan_id=plan_id))
                for plan_id, _ in plans_of(self.engine, name)
            )
            if known is None or known.states != states:
                known = _Organisation(
                    states, [self._plan_feed(pid, state) for pid, state in states]
                )
                self._organisations[name] = known
                self._cache.clear()
                self._names.clear()
            self._checked_at[name] = time.monotonic()
            return known

    def _plan_feed(self, plan_id: int, state: str) -> PlanFeed:
        cached = self._plan_feeds.get(plan_id)
        if cached is not None and cached[0] == state:
            return cached[1]
        schedule = plan_schedule(self.engine, self.config, plan_id=plan_id)
        rows = list_occurrences(self.engine, plan_id=plan_id)
        feed = PlanFeed(schedule, rows, plan_span(schedule, rows))
        self._plan_feeds[plan_id] = (state, feed)
        return feed

    def fresh_until(self, row: FeedLink) -> float:
        """Until when (time.monotonic) what the link's feeds show now stands without asking the
        store again: the next recheck of the tokens or of the link's organisation."""
        with self._lock:
            organisation = self._checked_at.get(self.organisation_of(row), float("-inf"))
            return min(self._tokens_checked_at, organisation) + self.settings.recheck_seconds

    @staticmethod
    def organisation_of(row: FeedLink) -> str:
        """A link's organisation, as stored with it (`token` refuses a link without one)."""
        return row.organisation

    # -- lookups ---------------------------------------------------------------------------
    def token(self, token: str) -> FeedLink:
        """The valid link; a link without an organisation (made before there could be several,
        and not bound by migration 0011) opens nothing, whatever config.toml says."""
        row = self._active_tokens().get(hash_token(token))
        if row is None:
            raise NotFoundError("Okänd eller återkallad kalenderlänk.")
        if not row.organisation:
            raise UnboundLinkError(UNBOUND_LINK)
        return row

    def plans(self, token: str) -> list[PlanFeed]:
        """The link's organisation's plans, oldest first; NotFoundError when it has none."""
        plans = self._organisation(self.organisation_of(self.token(token))).plans
        if not plans:
            raise NotFoundError("Ingen plan är importerad ännu.")
        return plans

    def in_window(self, token: str) -> list[PlanFeed]:
        """The plans a subscription shows now (at least the newest), oldest first."""
        plans = self.plans(token)
        start, end = rolling_window(plans, today=self._today(), past=self.settings.past)
        shown = [p for p in plans if p.span.start < end and start < p.span.end]
        return shown or plans[-1:]

    def scopes_for(self, token: str) -> list[Scope]:
        """The calendars the link opens, named as in the newest plan of its window."""
        row = self.token(token)
        scopes = window_scopes(self.in_window(token))
        if not row.scope:
            return scopes
        name = self._canonical(token, row.scope)
        return [scope for scope in scopes if scope.name == name]

    def _canonical(self, token: str, name: str) -> str | None:
        """The name that outlives the year for `name`, which may be an old id name (`atgard-24`)
        that only the plan of that year knows. Looked up once per state of the plans."""
        key = (self.organisation_of(self.token(token)), name)
        if key in self._names:
            return self._names[key]
        found = None
        for plan in reversed(self.plans(token)):
            try:
                found = find_scope(plan.schedule, name).name
                break
            except NotFoundError:
                continue
        with self._lock:
            self._names[key] = found
        return found

    def link(self, token: str, measure_id: int) -> str:
        return f"{self.config.base_url}/feeds/{token}/#atgard-{measure_id}"

    def _today(self) -> date:
        return self.clock().astimezone(STOCKHOLM).date()

    # -- rendering -------------------------------------------------------------------------
    def render(
        self, token: str, name: str, *, window: tuple[date, date] | None = None
    ) -> RenderedFeed:
        token_row = self.token(token)
        name, fmt = split_format(name)
        plans = self.plans(token)
        # Names are compared as the calendars they name, so an old id name (`atgard-24`) in the URL
        # or in the token's scope is the same calendar as its title name (`atgard-ssp`).
        canonical = self._canonical(token, name)
        if canonical is None:
            raise NotFoundError(f"Det finns ingen kalender som heter «{name}».")
        if token_row.scope and canonical != self._canonical(token, token_row.scope):
            raise NotFoundError("Kalenderlänken gäller inte den här kalendern.")
        organisation = self._organisation(self.organisation_of(token_row))
        span = organisation.span()
        assert span is not None
        now = self.clock()
        if window is None:
            window = rolling_window(plans, today=self._today(), past=self.settings.past)
        window = clamp(window, span)
        key = (token_row.token_hash, canonical, fmt, window, now.date())
        cached = self._cached(key)
        if cached is not None:
            return cached
        settings = self._settings_for(plans[-1])
        rendered = render_window(plans, canonical, fmt, now=now, settings=settings, window=window,
                                 link=lambda measure_id: self.link(token, measure_id))  # fmt: skip
        self._keep(key, rendered)
        return rendered

    def refusal(self, token: str, name: str) -> str | None:
        """Why the calendar `name` (with its kind: `plan.todo`, `atgard-ssp.serie`) is not
        offered, or None when it is: a calendar without tasks has no to-do list, and a series
        that Outlook cannot hold is no recurring event (rendered once, then cached)."""
        try:
            self.render(token, name)
        except NotFoundError as exc:
            return str(exc)
        return None

    def _settings_for(self, plan: PlanFeed) -> FeedSettings:
        return organiser_settings(self.settings, self.config, plan)

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


def organiser_settings(settings: FeedSettings, config: Settings, plan: PlanFeed) -> FeedSettings:
    """The organiser address is the plan's organisation's."""
    own = config.for_organisation(plan.schedule.stored.plan.organisation)
    if own.organisation.email == config.organisation.email:
        return settings
    return replace(settings, organizer_email=own.organisation.email)


def window_scopes(plans: list[PlanFeed]) -> list[Scope]:
    """Every calendar of the plans, once each, as the newest plan names and titles it."""
    seen: dict[str, Scope] = {}
    for plan in reversed(plans):
        for scope in all_scopes(plan.schedule, year_in_titles=False):
            seen.setdefault(scope.name, scope)
    order = {scope.name: i for i, scope in enumerate(all_scopes(plans[-1].schedule))}
    return sorted(seen.values(), key=lambda s: order.get(s.name, len(order)))


def render_window(
    plans: list[PlanFeed],
    name: str,
    fmt: str,
    *,
    now: datetime,
    settings: FeedSettings,
    window: tuple[date, date],
    link: Callable[[int], str | None] = lambda _: None,
) -> RenderedFeed:
    """A subscription's bytes: the calendar `name` in each plan of the window, as one calendar."""
    shown = [p for p in plans if p.span.start < window[1] and window[0] < p.span.end] or plans[-1:]
    if fmt == SERIES_EXPORT:  # a series export is one year's rules: the newest plan's
        return render_feed(shown[-1].schedule, shown[-1].rows, name, fmt, now=now,
                           settings=settings, window=window, link=link, year_in_titles=False)  # fmt: skip
    found: list[tuple[PlanFeed, Scope]] = []
    for plan in shown:
        try:
            found.append((plan, find_scope(plan.schedule, name, year_in_titles=False)))
        except NotFoundError:
            continue  # the calendar has nothing this year (a measure added or removed since)
    if not found:
        raise NotFoundError(f"Det finns ingen kalender som heter «{name}».")

    def events(brief: bool) -> list[FeedEvent]:
        return [event for plan, scope in found
                for event in feed_events(plan.schedule, plan.rows, scope, now=now,
                                         window=DateSpan(*window), keep_cancelled=settings.keep_cancelled,
                                         link=link, brief=brief)]  # fmt: skip

    years = sorted({p.year for p in shown})
    newest = found[-1]
    header = feed_header(newest[0].schedule, newest[1], refresh=settings.refresh,
                         organizer_email=settings.organizer_email, years=years)  # fmt: skip
    return rendered(header, events, name, fmt, now=now, settings=settings)


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
    year_in_titles: bool = True,
) -> RenderedFeed:
    """One plan's feed's bytes (`feeds export`): pure but for the values passed in."""
    scope = find_scope(schedule, name, year_in_titles=year_in_titles)
    span = DateSpan(*window) if window else DateSpan.year(schedule.stored.plan.year)
    header = feed_header(schedule, scope, refresh=settings.refresh,
                         organizer_email=settings.organizer_email,
                         years=[schedule.stored.plan.year])  # fmt: skip
    if fmt == SERIES_EXPORT:
        return render_series(schedule, rows, scope, header, max_rules=settings.series_max_rules)

    def events(brief: bool) -> list[FeedEvent]:
        return feed_events(schedule, rows, scope, now=now, window=span,
                           keep_cancelled=settings.keep_cancelled, link=link, brief=brief)  # fmt: skip

    return rendered(header, events, name, fmt, now=now, settings=settings)


def series_of(schedule: PlanSchedule, rows: list[Occurrence], scope: Scope, *, max_rules: int) -> SeriesExport:  # fmt: skip
    """A measure's or a series' `.serie.ics` content (nothing for another kind of calendar)."""
    if scope.kind not in {MEASURE, SERIES} or scope.measure_id is None:
        return SeriesExport(())
    return series_export(schedule, rows, scope.measure_id, scope.series_label, max_parts=max_rules)


def series_refusal(scope: Scope, found: SeriesExport) -> str:
    """Why a calendar has no `.serie.ics` (Swedish, for the 404 and the subscribe page)."""
    if scope.kind not in {MEASURE, SERIES}:
        return "Återkommande serier finns bara för en åtgärd eller en serie."
    if not found.refused:
        return "Det finns inga datum att lägga in som en återkommande händelse."
    return (
        "Datumen följer inget mönster som kalenderprogrammen kan upprepa (Outlook kan bara "
        "upprepa varje dag, vissa veckodagar, en dag eller veckodag i månaden, eller en dag om "
        "året), så serien går inte att ladda ned som en återkommande händelse. Prenumerera på "
        "kalendern i stället: där finns varje datum."
    )


def render_series(schedule: PlanSchedule, rows: list[Occurrence], scope: Scope, header: FeedHeader, *,
                  max_rules: int) -> RenderedFeed:  # fmt: skip
    """A measure's or a series' rules as recurring events (`<name>.serie.ics`); NotFoundError,
    saying why, when it has none that Outlook, Google and Apple would read alike."""
    found = series_of(schedule, rows, scope, max_rules=max_rules)
    if not found.offered:
        raise NotFoundError(series_refusal(scope, found))
    body = render_recurring(header, found.events)
    return RenderedFeed(body, etag_for(body), f"{scope.name}.serie.ics")


def rendered(
    header: FeedHeader,
    events: Callable[[bool], list[FeedEvent]],
    name: str,
    fmt: str,
    *,
    now: datetime,
    settings: FeedSettings,
) -> RenderedFeed:
    """A calendar's events (`events(brief)`) or its tasks, under `settings.max_bytes` and
    `max_events` if it can be (scheduler/feeds/size.py). A calendar without tasks has no to-do list (NotFoundError)."""
    render = render_todos if fmt == TODOS else render_events

    def chosen(brief: bool) -> list[FeedEvent]:
        found = events(brief)
        return [event for event in found if event.task] if fmt == TODOS else found

    full = chosen(False)
    if fmt == TODOS and not full:
        raise NotFoundError("Kalendern har inga uppgifter.")
    body = fitted(header, full, render, limit=settings.max_bytes, most=settings.max_events,
                  today=now.astimezone(STOCKHOLM).date(), brief=lambda: chosen(True))  # fmt: skip
    suffix = {EVENTS: "", TODOS: ".todo"}[fmt]
    return RenderedFeed(body, etag_for(body), f"{name}{suffix}.ics")
