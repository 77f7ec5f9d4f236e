"""remind run-due (one dispatcher pass, for cron and tests) and remind list."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from typing import Any

from scheduler.base.errors import SchedulerError
from scheduler.base.time import STOCKHOLM
from scheduler.commands.context import Choice, Context, moment_argument, now_utc
from scheduler.model.display_words import OUTBOX_STATUS_WORDS
from scheduler.model.mail import OutboxStatus

log = logging.getLogger(__name__)

STATUS_CHOICE = Choice({status: OUTBOX_STATUS_WORDS[status] for status in OutboxStatus})


def cmd_run_due(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.mail.delivery import delivery_for
    from scheduler.mail.settings import EmailSettings
    from scheduler.reminders.settings import ReminderSettings
    from scheduler.services.dispatch import run_due
    from scheduler.services.refresh import refresh_plans_in_time

    now = args.now or now_utc()
    email = EmailSettings.from_settings(ctx.settings)
    settings = ReminderSettings.from_section(ctx.settings.reminders)
    # Every plan whose time it is (the closing year's too, after a rollover), its reminders
    # topped up to the planning horizon; without a plan there is nothing to remind of, but the
    # outbox may still hold other mail.
    refused = refresh_plans_in_time(ctx.engine, ctx.settings, now=now)
    for plan in refused:  # the other plans' reminders are sent all the same
        print(f"Fel: {plan} Dess påminnelser planeras inte förrän den ryms.", file=sys.stderr)
    followup_failed = not _followup_step(ctx, now)
    result = run_due(ctx.engine, config=ctx.settings, delivery=delivery_for(email), email=email, settings=settings, now=now,
                     clock=None if args.now else now_utc)  # fmt: skip
    cancelled = f", inställda {result.cancelled}" if result.cancelled else ""
    ctx.print(f"Skickade {result.sent}, försöker igen senare {result.retried}, misslyckade {result.failed}, "
              f"hoppade över {result.skipped}{cancelled}.")  # fmt: skip
    for error in result.errors:
        ctx.print(f"  Fel: {error}")
    return 2 if refused else 1 if followup_failed else 0


def _followup_step(ctx: Context, now: datetime) -> bool:
    """The follow-up step (campaign start, nudges, summary), apart from the reminder pass: when it
    fails, what is due is still sent; the failure is one line here and the traceback goes to the
    log. False when it failed."""
    from scheduler.services.followup import tick as followup_tick

    try:
        followup_tick(ctx.engine, ctx.settings, now=now)
    except SchedulerError as exc:
        log.warning("follow-up step refused: %s", exc)
        print(f"Fel: uppföljningssteget: {exc} Påminnelserna skickas ändå.", file=sys.stderr)
        return False
    except Exception as exc:
        log.exception("follow-up step failed; the reminder pass runs anyway")
        print(f"Fel: uppföljningssteget misslyckades ({exc.__class__.__name__}); påminnelserna "
              "skickas ändå. Se loggen.", file=sys.stderr)  # fmt: skip
        return False
    return True


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.services.outbox import outbox_mails

    # With several districts one district's (--organisation), else the whole installation's.
    organisation = ctx.organisation_chosen or (
        ctx.organisation if not ctx.settings.several_organisations else None
    )
    rows = outbox_mails(ctx.engine, status=args.status, organisation=organisation)
    if not rows:
        shown = (
            f" med status {OUTBOX_STATUS_WORDS[OutboxStatus(args.status)]}" if args.status else ""
        )
        ctx.print(f"Inga påminnelser{shown}.")
        return 0
    for row in rows:
        due = row.due_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
        note = f"  ({row.last_error})" if row.last_error and row.status != "sent" else ""
        ctx.print(f"{due}  {OUTBOX_STATUS_WORDS[row.status]:12} {row.role}: {row.subject}{note}")
    counts: dict[OutboxStatus, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    ctx.print("\n" + ", ".join(f"{OUTBOX_STATUS_WORDS[k]}: {v}" for k, v in sorted(counts.items())))
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
