"""feeds (list, create, revoke, export), move and cancel an occurrence, serve."""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scheduler.base.errors import NotFoundError, ResourceError, UsageError, os_reason
from scheduler.base.swedish import count
from scheduler.base.time import STOCKHOLM
from scheduler.commands.context import (
    YEARS,
    Context,
    in_range,
    minutes_argument,
    moment_argument,
    now_utc,
    port_argument,
    workers_argument,
    year_argument,
)

if TYPE_CHECKING:
    from scheduler.services.changes import Change


def cmd_feeds_list(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services.feed_links import list_feed_links

    rows = list_feed_links(ctx.engine, organisations=_token_organisations(ctx, unbound=True))
    if not rows:
        ctx.print("Inga kalenderlänkar ännu. Skapa en med «scheduler feeds create MOTTAGARE».")
    for row in rows:
        if row.revoked_at:
            state = f"återkallad {row.revoked_at:%Y-%m-%d}"
        else:
            state = "aktiv" if row.organisation else UNBOUND_STATE
        scope = row.scope or "alla kalendrar"
        whose = f"  ·  {row.organisation or 'ingen stadsdel'}" if ctx.settings.several_organisations or not row.organisation else ""  # fmt: skip
        ctx.print(f"{row.id:4}  {row.audience}  ·  {scope}{whose}  ·  skapad "
                  f"{row.created_at:%Y-%m-%d}  ·  {state}")  # fmt: skip
    # Links bound to no district open nothing: only the others' calendars are served.
    active = {row.organisation for row in rows if row.revoked_at is None and row.organisation}
    _warn_about_big_feeds(ctx, active, now=args.now or now_utc())
    return 0


def _warn_about_big_feeds(ctx: Context, organisations: set[str], *, now: datetime) -> None:
    """A line for each calendar of the links that is over `feeds.warn_kb` (scheduler/services/feed_sizes.py)."""
    from scheduler.services.feed_sizes import oversized_feeds

    if not organisations:
        return
    warn, limit = ctx.settings.feeds.warn_kb, ctx.settings.feeds.max_kb
    for feed in oversized_feeds(ctx.engine, ctx.settings, organisations, now=now):
        whose = f" ({feed.organisation})" if ctx.settings.several_organisations else ""
        ctx.print(
            f"Varning: kalendern {feed.filename}{whose} är {feed.size // 1000} kB, över {warn} kB. "
            "Google Kalender tappar händelser ur prenumererade kalendrar kring 1 MB; kalendern "
            f"kortas därför till högst {limit} kB (kortare beskrivningar, sedan färre dagar). "
            "Dela hellre länkar till delar av planen: områden, åtgärder eller roller."
        )


# A link made before there could be several districts, that the database could not tie to one
# (migration 0011): it opens nothing, whatever config.toml says.
UNBOUND_STATE = "obunden: från före stadsdelarna, visar inget (skapa en ny länk)"


def _token_organisations(ctx: Context, *, unbound: bool = False) -> tuple[str, ...] | None:
    """The organisations whose links a command lists, replaces or revokes: the one chosen, and
    with `unbound` the links that belong to none (made before there could be several and not
    bound to one: they open nothing, so any district may see and revoke them); all when one
    district is configured without a name."""
    from scheduler.services.feed_links import link_organisations

    return link_organisations(ctx.organisation, unbound=unbound)


def cmd_feeds_create(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.feeds.scopes import all_scopes, find_scope
    from scheduler.services.feed_links import create_link, replace_links
    from scheduler.services.refresh import plan_schedule, refresh_occurrences
    from scheduler.web.feed_page import webcal

    now = now_utc()
    stored = ctx.plan()
    refresh_occurrences(ctx.engine, ctx.config, plan_id=stored.id, now=now)
    schedule = plan_schedule(ctx.engine, ctx.config, plan_id=stored.id)
    scopes = all_scopes(schedule)
    chosen = ""
    if args.scope:
        try:  # an old id name (`atgard-24`) is stored as the name that outlives the year
            chosen = find_scope(schedule, args.scope).name
        except NotFoundError:
            known = ", ".join(s.name for s in scopes)
            raise UsageError(
                f"Det finns ingen kalender «{args.scope}». Välj bland: {known}"
            ) from None
    if args.replace:
        replace_links(ctx.engine, args.audience, organisations=_token_organisations(ctx), now=now)
    row, token = create_link(ctx.engine, audience=args.audience, scope=chosen,
                             organisation=stored.plan.organisation, now=now)  # fmt: skip
    base = f"{ctx.config.base_url}/feeds/{token}"
    ctx.print(f"Kalenderlänk {row.id} för {args.audience}. Spara länkarna: de visas bara nu.")
    ctx.print(f"Sida med instruktioner: {base}/")
    for scope in scopes:
        if chosen and scope.name != chosen:
            continue
        ctx.print(f"  {scope.title}\n    {webcal(f'{base}/{scope.name}.ics')}")
    return 0


def cmd_feeds_revoke(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services.feed_links import list_feed_links, revoke_link

    if ctx.organisation_chosen or ctx.settings.several_organisations:
        listed = list_feed_links(ctx.engine, organisations=_token_organisations(ctx, unbound=True))
        mine = {t.id for t in listed}
        if args.id not in mine:  # another district's link is not this one's to revoke
            raise NotFoundError(
                f"{ctx.organisation} har ingen kalenderlänk med nummer {args.id} "
                "(se «scheduler feeds list»)."
            )
    row = revoke_link(ctx.engine, args.id, now=now_utc())
    # Every running server refuses it from its next request on (scheduler/store/feed_token_changes.py).
    ctx.print(f"Kalenderlänk {row.id} ({row.audience}) är återkallad; den ger nu 404.")
    return 0


def cmd_feeds_export(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.base.files import write_bytes_atomically
    from scheduler.feeds.scopes import MEASURE, SERIES, all_scopes
    from scheduler.services.feeds import EVENTS, SERIES_EXPORT, TODOS, FeedSettings, render_feed
    from scheduler.services.plans import list_occurrences
    from scheduler.services.refresh import plan_schedule, refresh_occurrences

    if args.all:
        return _export_all(args, ctx)
    if args.workers is not None:
        raise UsageError(
            "--workers gäller bara --all, som skriver många organisationers kalendrar."
        )
    directory = _export_directory(Path(args.directory))
    now = args.now or now_utc()
    stored = ctx.plan(args.year)
    refresh_occurrences(ctx.engine, ctx.config, plan_id=stored.id, now=now)
    schedule = plan_schedule(ctx.engine, ctx.config, plan_id=stored.id)
    rows = list_occurrences(ctx.engine, plan_id=stored.id)
    settings = FeedSettings.from_settings(ctx.config)
    written = 0
    for scope in all_scopes(schedule):
        formats = [EVENTS, TODOS] + ([SERIES_EXPORT] if scope.kind in {MEASURE, SERIES} else [])
        for fmt in formats:
            try:
                rendered = render_feed(schedule, rows, scope.name, fmt, now=now, settings=settings)
            except NotFoundError:
                continue  # not offered: no tasks, or no series Outlook can hold
            write_bytes_atomically(directory / rendered.filename, rendered.body)
            written += 1
    ctx.print(f"Skrev {count(written, 'kalenderfil', 'kalenderfiler')} till {directory}.")
    return 0


def _export_all(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services import export_workers

    if args.year is not None:
        raise UsageError("--all skriver varje organisations kalendrar som prenumerationerna visar "
                         "dem, över åren; ange inte --year samtidigt.")  # fmt: skip
    directory = _export_directory(Path(args.directory))
    # Worker processes, if there will be any, start while this one reads the store.
    organisations = len(ctx.settings.organisation_names)
    export_workers.prepare(args.workers or export_workers.worker_count(organisations))
    from scheduler.services.feed_export import export_all

    reports = export_all(ctx.engine, ctx.settings, directory, now=args.now or now_utc(),
                         workers=args.workers, progress=_ExportProgress())  # fmt: skip
    if not reports:
        raise NotFoundError("Ingen plan är importerad ännu; det finns inga kalendrar att skriva.")
    failed = [r for r in reports if r.failure is not None]
    done = [r for r in reports if r.failure is None]
    # One organisation's failure never stops the others: each is named with its reason, the
    # others' files are written, and the exit code is the first failure's.
    for report in failed:
        print(f"Fel: kalenderfilerna för {report.organisation} skrevs inte: {report.failure}",
              file=sys.stderr)  # fmt: skip
    written = sum(r.written for r in done)
    unchanged = sum(r.unchanged for r in done)
    removed = sum(r.removed for r in done)
    ctx.print(
        f"Kalenderfiler för {count(len(done), 'organisation', 'organisationer')} i {directory}: "
        f"{written} nya eller ändrade, {unchanged} oförändrade, {removed} borttagna."
        + (f" {count(len(failed), 'organisation', 'organisationer')} kunde inte skrivas (se ovan)."
           if failed else "")
    )  # fmt: skip
    return failed[0].exit_code if failed else 0


class _ExportProgress:
    """A line on stderr every `EVERY` organisations, for a person watching a long export: only
    when stderr is a terminal (cron's mail and the tests read the report, not the count)."""

    EVERY = 50

    def __init__(self) -> None:
        self.shown = sys.stderr.isatty()
        self.last = 0

    def __call__(self, done: int, total: int) -> None:
        if self.shown and done // self.EVERY > self.last // self.EVERY and done < total:
            print(f"… {done} av {total} organisationer", file=sys.stderr, flush=True)
        self.last = done


def _export_directory(directory: Path) -> Path:
    """The folder for the calendar files, made if missing; checked before any work is done."""
    if directory.exists() and not directory.is_dir():
        raise UsageError(
            f"«{directory}» är en fil, inte en mapp; ange en mapp för kalenderfilerna."
        )
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResourceError.from_os_error(exc, directory) from exc
    return directory


def _local_moment(day: str, clock: str) -> datetime:
    try:
        moment = datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=STOCKHOLM)
    except ValueError:
        raise UsageError(
            f"Ogiltig tid «{day} {clock}»: skriv datum ÅÅÅÅ-MM-DD och tid TT:MM."
        ) from None
    if not in_range(moment.year):
        raise UsageError(f"Ogiltig tid «{day} {clock}»: ett möte kan flyttas inom {YEARS}.")
    return moment


def cmd_move(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services import changes

    # With --organisation, only that district's meetings are moved or cancelled.
    row = changes.occurrence_of(ctx.engine, args.uid, organisation=ctx.organisation_chosen)
    old_start = row.start.astimezone(STOCKHOLM)
    clock = args.time or old_start.strftime("%H:%M")
    start = _local_moment(args.date, clock)
    end = start + (row.end - row.start if not args.minutes else timedelta(minutes=args.minutes))
    change = changes.move(ctx.engine, ctx.settings, args.uid, start=start, end=end,
                          now=args.now or now_utc(), note=args.note or "")  # fmt: skip
    ctx.print(
        f"Flyttat till {start:%Y-%m-%d %H:%M} (version {change.occurrence.sequence}); "
        "kalendrarna uppdateras."
    )
    ctx.print(_told(change))
    return 0


def cmd_cancel(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services import changes

    changes.occurrence_of(ctx.engine, args.uid, organisation=ctx.organisation_chosen)
    change = changes.cancel(
        ctx.engine, ctx.settings, args.uid, now=args.now or now_utc(), note=args.note or ""
    )
    start = change.occurrence.start.astimezone(STOCKHOLM)
    ctx.print(f"Inställt: {start:%Y-%m-%d %H:%M}. Det syns som inställt i kalendrarna.")
    ctx.print(_told(change))
    return 0


def _told(change: Change) -> str:
    from scheduler.services.changes import told

    return told(change)


def cmd_serve(args: argparse.Namespace, ctx: Context) -> int:
    import uvicorn

    from scheduler.mail.delivery import delivery_for
    from scheduler.mail.settings import EmailSettings
    from scheduler.reminders.settings import ReminderSettings
    from scheduler.services.followup import tick as followup_tick
    from scheduler.services.plans import newest_plan_ids
    from scheduler.services.refresh import plans_in_time, refresh_each
    from scheduler.services.runner import DispatcherRunner, PlanTopUp
    from scheduler.web.app import create_app, serving_app, serving_protocol

    host = args.host or ctx.settings.server.host
    port = args.port or ctx.settings.server.port
    try:
        # The plans whose time it is; an installation with only older plans keeps its newest.
        now = now_utc()
        plan_ids = plans_in_time(ctx.engine, now=now) or newest_plan_ids(ctx.engine)
        # A plan over [limits] is told and left out; the server serves every other district.
        for refused in refresh_each(ctx.engine, ctx.settings, plan_ids, now=now):
            print(f"Fel: {refused} Servern startar ändå.", file=sys.stderr)
    except NotFoundError as exc:
        ctx.print(f"Obs: {exc}")
    email = EmailSettings.from_settings(ctx.settings)
    runner = DispatcherRunner(
        ctx.engine,
        config=ctx.settings,
        delivery=delivery_for(email),
        email=email,
        settings=ReminderSettings.from_section(ctx.settings.reminders),
        before_pass=PlanTopUp(
            ctx.engine,
            ctx.settings,
            since=now,
            then=lambda at: followup_tick(ctx.engine, ctx.settings, now=at),
        ),
    )
    where = f"mappen {email.outbox_dir}" if email.backend == "file" else f"SMTP {email.smtp_host}"
    listening = _listening_socket(host, port)
    ctx.print(f"Påminnelser skickas via {where}.")
    ctx.print(f"Servern lyssnar på http://{host}:{port}/ (avsluta med Ctrl+C).")
    # Logging is cli.main's (scheduler.commands.logs): uvicorn's loggers propagate to it, at its level,
    # so the access log shows at info.
    # httptools and uvloop: the C parser and loop, several times h11's and asyncio's speed for the
    # feed polls that are most of the requests (bench/feeds.py); a poll with a prepared response is
    # answered by LeanFeeds, the first ASGI application; in front of uvicorn's protocol, the
    # request limits of [server] (request_limits).
    app = serving_app(create_app(ctx.engine, ctx.settings))
    # X-Forwarded-For names the client only from the proxies trusted (server.trusted_proxies):
    # sign-in attempts are counted per client address, which anyone else could forge.
    config = uvicorn.Config(
        app, host=host, port=port, log_config=None, log_level=logging.getLogger().getEffectiveLevel(),
        http=serving_protocol(ctx.settings), loop="uvloop",
        forwarded_allow_ips=list(ctx.settings.server.trusted_proxies),
    )  # fmt: skip
    runner.start()
    try:
        uvicorn.Server(config).run(sockets=[listening])
    finally:
        runner.shutdown()
        listening.close()
    return 0


def _listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, bound here: uvicorn reports a taken port in English and exits 1."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise UsageError(f"Värddatorn «{host}» finns inte (--host eller server.host).") from None
    listening = socket.socket(family, kind, proto)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind(address)
    except OSError as exc:
        listening.close()
        if exc.errno == errno.EADDRINUSE:
            raise ResourceError(f"porten {port} används redan på {host}; stoppa det som använder "
                                "den eller välj en annan med --port eller server.port.") from exc  # fmt: skip
        raise ResourceError(f"kan inte lyssna på {host}:{port}: {os_reason(exc)}.") from exc
    # Listening from here on: a client that connects while the app starts up waits in the queue.
    listening.listen(2048)
    return listening


def register(commands: Any) -> None:
    feeds = commands.add_parser("feeds", help="kalenderlänkar: list, create, revoke, export")
    actions = feeds.add_subparsers(dest="action", metavar="ÅTGÄRD", required=True)
    sub = actions.add_parser("list", help="visa kalenderlänkarna (och varna för stora kalendrar)")
    sub.add_argument("--now", type=moment_argument, help="kalendrarnas tidpunkt (annars nu)")
    sub.set_defaults(run=cmd_feeds_list)
    sub = actions.add_parser("create", help="skapa en hemlig kalenderlänk för en mottagare")
    sub.add_argument(
        "audience", metavar="MOTTAGARE", help="vem länken ges till, t.ex. «SSP-gruppen»"
    )
    sub.add_argument("--scope", help="bara en kalender, t.ex. roll-kommunpolis (annars alla)")
    sub.add_argument("--replace", action="store_true", help="återkalla mottagarens tidigare länkar")
    sub.set_defaults(run=cmd_feeds_create)
    sub = actions.add_parser("revoke", help="återkalla en kalenderlänk")
    sub.add_argument("id", type=int, metavar="NUMMER")
    sub.set_defaults(run=cmd_feeds_revoke)
    sub = actions.add_parser("export", help="skriv alla kalendrar som filer, för valfri webbserver")
    sub.add_argument("directory", metavar="MAPP")
    sub.add_argument("--year", type=year_argument)
    sub.add_argument("--all", action="store_true",
                     help="varje organisations kalendrar, en mapp per organisation, som länkarna visar dem")  # fmt: skip
    sub.add_argument("--now", type=moment_argument, help="exportens tidpunkt (annars nu)")
    sub.add_argument("--workers", type=workers_argument, metavar="ANTAL",
                     help="med --all: så många processer delar på organisationerna "
                          "(annars en per processor, högst 4, när de är många)")  # fmt: skip
    sub.set_defaults(run=cmd_feeds_export)

    sub = commands.add_parser("move", help="flytta ett möte (behåller UID, höjer SEQUENCE)")
    sub.add_argument("uid", metavar="UID")
    sub.add_argument("date", metavar="DATUM")
    sub.add_argument("time", nargs="?", metavar="TID")
    sub.add_argument("--minutes", type=minutes_argument, help="ny längd i minuter (1–1440)")
    sub.add_argument("--note", help="förklaring som syns i kalendern och i mejlet")
    sub.add_argument("--now", type=moment_argument, help="ändringens tidpunkt (annars nu)")
    sub.set_defaults(run=cmd_move)

    sub = commands.add_parser("cancel", help="ställ in ett möte")
    sub.add_argument("uid", metavar="UID")
    sub.add_argument("--note", help="förklaring som syns i kalendern och i mejlet")
    sub.add_argument("--now", type=moment_argument, help="ändringens tidpunkt (annars nu)")
    sub.set_defaults(run=cmd_cancel)

    sub = commands.add_parser("serve", help="starta webbservern (kalendrar, svar, uppföljning)")
    sub.add_argument("--host")
    sub.add_argument("--port", type=port_argument, help="port att lyssna på (1–65535)")
    sub.set_defaults(run=cmd_serve)
