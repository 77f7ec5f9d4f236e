"""arshjul: the plan's year as a wheel, written as .svg or .png."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from scheduler.base.errors import UsageError
from scheduler.base.swedish import count
from scheduler.commands.context import Context, date_argument, now_utc, year_argument

IMAGE_SUFFIXES = (".svg", ".png")


def cmd_arshjul(args: argparse.Namespace, ctx: Context) -> int:
    from scheduler.arshjul.svg import render_svg
    from scheduler.arshjul.wheel import build_wheel, choose_area, choose_role
    from scheduler.base.files import write_bytes_atomically
    from scheduler.base.time import STOCKHOLM
    from scheduler.plan.review import lexicon_for
    from scheduler.services.plans import list_occurrences
    from scheduler.services.refresh import plan_schedule, refresh_occurrences

    path = Path(args.path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise UsageError(f"skriv årshjulet till en .svg- eller .png-fil (fick «{path.name}»).")
    now = now_utc()
    plan_id = ctx.plan_id(args.year)
    refresh_occurrences(ctx.engine, ctx.config, plan_id=plan_id, now=now)
    schedule = plan_schedule(ctx.engine, ctx.config, plan_id=plan_id)
    area = choose_area(schedule, args.area) if args.area else None
    role = None
    if args.role:  # as `agenda --role`: "kommunpolisen" is Kommunpolis
        role = choose_role(schedule, lexicon_for(ctx.config).canonical(args.role) or args.role)
    today = args.today or now.astimezone(STOCKHOLM).date()
    wheel = build_wheel(schedule, list_occurrences(ctx.engine, plan_id=plan_id),
                        today=today, area=area, role=role)  # fmt: skip
    svg = render_svg(wheel)
    if suffix == ".png":
        from scheduler.arshjul.png import svg_to_png

        data = svg_to_png(svg)
    else:
        data = svg.encode("utf-8")
    write_bytes_atomically(path, data)
    marks = count(len(wheel.marks), "möte eller uppgift", "möten och uppgifter")
    chosen = f" ({wheel.chosen})" if wheel.chosen else ""
    ctx.print(f"Skrev årshjulet {wheel.year}{chosen} till {path}: {marks}.")
    return 0


def register(commands: Any) -> None:
    sub = commands.add_parser(
        "arshjul", help="årshjulet: årets möten och uppgifter runt ett hjul, som .svg eller .png"
    )
    sub.add_argument("path", metavar="FIL", help="filen att skriva: .svg eller .png")
    sub.add_argument("--year", type=year_argument, metavar="ÅR",
                     help="vilket års plan (annars årets plan, annars den senaste)")  # fmt: skip
    chosen = sub.add_mutually_exclusive_group()
    chosen.add_argument("--omrade", dest="area", metavar="NAMN",
                        help="bara ett område (som planen namnger det)")  # fmt: skip
    chosen.add_argument("--roll", dest="role", metavar="ROLL",
                        help="bara det rollen sammankallar eller deltar i")  # fmt: skip
    sub.add_argument("--idag", dest="today", type=date_argument, metavar="DATUM",
                     help="dagen visaren pekar på, ÅÅÅÅ-MM-DD (annars i dag)")  # fmt: skip
    sub.set_defaults(run=cmd_arshjul)
