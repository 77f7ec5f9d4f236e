"""A measure's identity across re-imports, as the store keys it: area, title and its rank among
equal titles. Pure, so that what is computed from a plan file before it is stored (a many-file
import places the next files' plans in worker processes) is keyed as the stored plan will be."""

from __future__ import annotations

import json

from scheduler.model.plan import Area, Measure, Plan


def measure_key(area: str, title: str, nth: int) -> str:
    return json.dumps([area, title, nth], ensure_ascii=False)


def keyed_measures(plan: Plan) -> list[tuple[int, Area, int, Measure, str]]:
    """Every measure in plan order: (area position, area, position in the area, measure, key)."""
    out = []
    for area_position, area in enumerate(plan.areas):
        seen: dict[str, int] = {}
        for position, measure in enumerate(area.measures):
            nth = seen.get(measure.title, 0)
            seen[measure.title] = nth + 1
            out.append(
                (area_position, area, position, measure, measure_key(area.name, measure.title, nth))
            )
    return out
