"""remind run-due (one dispatcher pass, for cron and tests) and remind list."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from scheduler.commands.context import Context, moment_argument, now_utc
from scheduler.errors import NotFoundError
from scheduler.feeds.ical import STOCKHOLM
from scheduler.followup.campaign import tick as followup_tick
from scheduler.planning import refresh_occurrences
from scheduler.reminders.delivery import delivery_for
from scheduler.reminders.dispatch import run_due
from scheduler.reminders.settings import EmailSettings, ReminderSettings, check_role_addresses
from scheduler.store.outbox import STATUSES, list_outbox

STATUS_SV = {"pending": "väntar", "sending": "skickas", "sent": "skickat", "failed": "misslyckat",
             "skipped": "hoppat över", "cancelled": "inställt"}  # fmt: skip


def cmd_run_due(args: argparse.Namespace, ctx: Context) -> int:
    now = args.now or now_utc()
    email = EmailSettings.from_config(ctx.config)
    settings = ReminderSettings.from_config(ctx.config)
    check_role_addresses(ctx.config)
    # Without a plan there is nothing to remind of, but the outbox may still hold other mail.
    with contextlib.suppress(NotFoundError):
        refresh_occurrences(ctx.engine, ctx.config, plan_id=ctx.plan_id(), now=now)
    followup_tick(ctx.engine, ctx.config, now=now)
    result = run_due(ctx.engine, delivery=delivery_for(email), email=email, settings=settings, now=now,
                     clock=None if args.now else now_utc)  # fmt: skip
    cancelled = f", inställda {result.cancelled}" if result.cancelled else ""
    ctx.print(f"Skickade {result.sent}, försöker igen senare {result.retried}, misslyckade {result.failed}, "
              f"hoppade över {result.skipped}{cancelled}.")  # fmt: skip
    for error in result.errors:
        ctx.print(f"  Fel: {error}")
    return 0


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    rows = list_outbox(ctx.engine, status=args.status)
    if not rows:
        ctx.print("Inga påminnelser" + (f" med status {args.status}." if args.status else "."))
        return 0
    for row in rows:
        due = row.due_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
        note = f"  ({row.last_error})" if row.last_error and row.status != "sent" else ""
        ctx.print(
            f"{due}  {STATUS_SV.get(row.status, row.status):12} {row.role}: {row.subject}{note}"
        )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    ctx.print("\n" + ", ".join(f"{STATUS_SV.get(k, k)}: {v}" for k, v in sorted(counts.items())))
    return 0


def register(commands: Any) -> None:
    remind = commands.add_parser("remind", help="påminnelser: run-due, list")
    actions = remind.add_subparsers(dest="action", metavar="ÅTGÄRD", required=True)
    sub = actions.add_parser("run-due", help="skicka det som är dags att skicka (en gång)")
    sub.add_argument(
        "--now", type=moment_argument, help="tidpunkt att räkna från, t.ex. 2025-03-01T08:00"
    )
    sub.set_defaults(run=cmd_run_due)
    sub = actions.add_parser("list", help="visa påminnelser och deras status")
    sub.add_argument("--status", choices=STATUSES)
    sub.set_defaults(run=cmd_list)
