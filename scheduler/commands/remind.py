"""remind run-due (one dispatcher pass, for cron and tests) and remind list."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from scheduler.base.errors import NotFoundError
from scheduler.base.time import STOCKHOLM
from scheduler.commands.context import Choice, Context, moment_argument, now_utc
from scheduler.mail.delivery import delivery_for
from scheduler.mail.settings import EmailSettings
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.dispatch import run_due
from scheduler.services.followup import tick as followup_tick
from scheduler.services.refresh import refresh_occurrences
from scheduler.store.outbox import STATUSES, list_outbox
from scheduler.store.plans import find_plan_id

STATUS_SV = {"pending": "väntar", "sending": "skickas", "sent": "skickat", "failed": "misslyckat",
             "skipped": "hoppat över", "cancelled": "inställt"}  # fmt: skip
STATUS_CHOICE = Choice({status: STATUS_SV.get(status, status) for status in STATUSES})


def cmd_run_due(args: argparse.Namespace, ctx: Context) -> int:
    now = args.now or now_utc()
    email = EmailSettings.from_settings(ctx.config)
    settings = ReminderSettings.from_section(ctx.config.reminders)
    # Without a plan there is nothing to remind of, but the outbox may still hold other mail.
    with contextlib.suppress(NotFoundError):
        refresh_occurrences(ctx.engine, ctx.config, plan_id=find_plan_id(ctx.engine), now=now)
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
        shown = f" med status {STATUS_SV.get(args.status, args.status)}" if args.status else ""
        ctx.print(f"Inga påminnelser{shown}.")
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
    sub.add_argument("--status", type=STATUS_CHOICE, metavar="STATUS",
                     help=f"bara påminnelser med den statusen: {STATUS_CHOICE.listing()}")  # fmt: skip
    sub.set_defaults(run=cmd_list)
