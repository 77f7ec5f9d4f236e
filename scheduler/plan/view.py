"""The plan as the coordinator reads it: text for the terminal and the `plan --json` contract."""

from __future__ import annotations

from typing import Any

from scheduler.base.swedish import count
from scheduler.base.time import STOCKHOLM
from scheduler.model.display_words import PLAN_STATE_WORDS
from scheduler.model.policy_overrides import settings_to_mapping
from scheduler.model.stored import PlanState, StoredPlan
from scheduler.plan.roles import Responsibility


def plan_as_json(stored: StoredPlan, read: dict[int, Responsibility]) -> dict[str, Any]:
    """`{"organisation", "year", "state", "areas": [{"name", "measures": [...]}]}`: a contract
    others read. `state` is the Swedish word users read: "utkast", "inlämnad" or "uppföljd"."""
    areas: list[dict[str, Any]] = [
        {"name": area.name, "measures": []} for area in stored.plan.areas
    ]
    by_name = {area["name"]: area for area in areas}
    for item in stored.measures:
        measure = item.measure
        who = read[item.id]
        by_name[item.area]["measures"].append({
            "id": item.id,
            "title": measure.title,
            "cause": measure.cause,
            "action": measure.action,
            "when_text": measure.when_text,
            "responsible_text": measure.responsible_text,
            "followup_text": measure.followup_text,
            "operational_goal": measure.operational_goal,
            "convener": who.convener,
            "convener_rule": who.rule,
            "participants": list(who.participants),
            "schedule": settings_to_mapping(measure.schedule),
        })  # fmt: skip
    return {"organisation": stored.plan.organisation, "year": stored.plan.year,
            "state": PLAN_STATE_WORDS[stored.state], "areas": areas}  # fmt: skip


def state_text(stored: StoredPlan) -> str:
    """ "inlämnad 2024-04-26", "utkast" …: the state and, once there is one, its date."""
    moment = stored.followed_up_at if stored.state == PlanState.FOLLOWED_UP else stored.handed_in_at
    if stored.state == PlanState.DRAFT or moment is None:
        return PLAN_STATE_WORDS[stored.state]
    return f"{PLAN_STATE_WORDS[stored.state]} {moment.astimezone(STOCKHOLM):%Y-%m-%d}"


def plan_as_text(stored: StoredPlan, read: dict[int, Responsibility]) -> str:
    plan = stored.plan
    total = len(stored.measures)
    lines = [f"Åtgärdsplan {plan.year}: {plan.organisation}",
             f"{count(len(plan.areas), 'område')}, {count(total, 'åtgärd')}",
             f"Tillstånd: {state_text(stored)}", ""]  # fmt: skip
    for number, area in enumerate(plan.areas, start=1):
        items = [m for m in stored.measures if m.area == area.name]
        lines.append(f"{number}. {area.name} ({count(len(items), 'åtgärd')})")
        if not items:
            lines.append("     (inga åtgärder)")
        for item in items:
            who = read[item.id]
            when = item.measure.when_text or "saknas"
            who_line = f"Sammankallande: {who.convener}" if who.convener else "Ingen sammankallande"
            lines.append(f"   - {item.measure.title}")
            lines.append(f"       När: {_one_line(when)}  ·  {who_line}")
        lines.append("")
    return "\n".join(lines).rstrip()


def _one_line(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
