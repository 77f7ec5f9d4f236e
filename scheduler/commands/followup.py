"""followup start | status | export: the year-end follow-up campaign."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scheduler.base.errors import NotFoundError, UsageError
from scheduler.base.swedish import count
from scheduler.commands.context import Context, moment_argument, now_utc, year_argument


def cmd_start(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.base.templating import swedish_date
    from scheduler.services import followup as followup

    now = args.now or now_utc()
    result = followup.start(ctx.engine, ctx.config, now=now, plan_id=ctx.plan_id(args.year))
    deadline = swedish_date(followup.last_day(result.campaign))
    if result.created:
        ctx.print(f"Uppföljningen har startat; sista svarsdag {deadline}.")
    else:
        ctx.print(
            f"Uppföljningen pågår redan (startad {result.campaign.started_at:%Y-%m-%d}); sista svarsdag {deadline}."
        )
    ctx.print(f"{count(result.emails, 'nytt e-postmeddelande', 'nya e-postmeddelanden')} i utkorgen (inget skickas två gånger); "
              "de går iväg vid nästa utskick («scheduler remind run-due» eller servern).")  # fmt: skip
    for role in result.roles_without_address:
        ctx.print(f"Obs: {role} har ingen e-postadress i config.toml och får inget utskick.")
    ctx.print(
        f"Översikt för samordnaren: {followup.coordinator_link(ctx.engine, ctx.config, result.campaign)}"
    )
    return 0


def cmd_status(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.base.templating import swedish_date
    from scheduler.followup.settings import FollowupSettings
    from scheduler.services import followup as followup
    from scheduler.services.plans import load_plan
    from scheduler.services.refresh import plan_schedule

    plan_id = ctx.plan_id(args.year)
    campaign = followup.campaign_of(ctx.engine, plan_id)
    if campaign is None:
        settings = FollowupSettings.from_section(ctx.config.followup)
        year = load_plan(ctx.engine, plan_id).plan.year
        ctx.print(f"Uppföljningen har inte startat; den startar {swedish_date(settings.start_at(year))} "
                  "eller med «scheduler followup start».")  # fmt: skip
        return 0
    schedule = plan_schedule(ctx.engine, ctx.config, plan_id=plan_id)
    rows = followup.statuses(
        followup.role_tasks(schedule, ctx.config), followup.answers_of(ctx.engine, plan_id)
    )
    done = sum(r.done for r in rows)
    ctx.print(
        f"Uppföljning {schedule.stored.plan.year}: {done} av {count(len(rows), 'roll')} har skickat in allt."
    )
    for row in rows:
        mark = "klar" if row.done else "väntar"
        extra = f", {row.by_coordinator} av samordnaren" if row.by_coordinator else ""
        drafts = row.answered - row.submitted
        ctx.print(f"  {mark:7} {row.task.role}: {row.submitted}/{len(row.task.measures)} inskickade"
                  f"{f', {drafts} utkast' if drafts else ''}{extra}")  # fmt: skip
    ctx.print(f"Översikt: {followup.coordinator_link(ctx.engine, ctx.config, campaign)}")
    return 0


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.followup.export import followed_up, write_report, write_workbook
    from scheduler.services import followup as followup
    from scheduler.services.plans import load_plan

    plan_id = ctx.plan_id(args.year)
    stored = load_plan(ctx.engine, plan_id)
    if followup.campaign_of(ctx.engine, plan_id) is None and not args.force:
        raise NotFoundError("Uppföljningen har inte startats; exportera ändå med --force.")
    result = followed_up(
        stored, followup.answers_of(ctx.engine, plan_id), include_drafts=args.drafts
    )
    path = Path(args.path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        write_workbook(result, path)
    elif suffix in {".md", ".html"}:
        now = args.now or now_utc()
        write_report(
            result, stored, followup.facts_by_measure(ctx.engine, plan_id, now=now), path, now=now
        )
    else:
        raise UsageError("Exportera uppföljningen till .xlsx, .md eller .html.")
    ctx.print(
        f"Skrev uppföljningen {stored.plan.year} till {path} ({count(len(result.statuses), 'åtgärd')} med svar)."
    )
    # Exported after its deadline, the year's follow-up is done: the plan is `uppföljd`.
    if followup.close_after_deadline(ctx.engine, ctx.config, stored, now=args.now or now_utc()):
        ctx.print(f"Planen {stored.plan.organisation} {stored.plan.year} är nu uppföljd.")
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("followup", help="årets uppföljning: start, status, export")
    actions = parser.add_subparsers(dest="action", metavar="ÅTGÄRD", required=True)
    sub = actions.add_parser("start", help="skicka uppföljningen till de ansvariga rollerna")
    sub.add_argument("--now", type=moment_argument)
    sub.add_argument("--year", type=year_argument)
    sub.set_defaults(run=cmd_start)
    sub = actions.add_parser("status", help="vilka roller har svarat")
    sub.add_argument("--year", type=year_argument)
    sub.set_defaults(run=cmd_status)
    sub = actions.add_parser("export", help="skriv den uppföljda planen (.xlsx, .md, .html)")
    sub.add_argument("path", metavar="FIL")
    sub.add_argument("--year", type=year_argument)
    sub.add_argument("--now", type=moment_argument)
    sub.add_argument("--drafts", action="store_true", help="ta med utkast som inte skickats in")
    sub.add_argument(
        "--force", action="store_true", help="exportera även om uppföljningen inte startat"
    )
    sub.set_defaults(run=cmd_export)
