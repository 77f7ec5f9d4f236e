"""A plan's areas and measures by id, written as a whole (the workspace's edits and restores),
and the plan's revisions.

`store_contents` makes the stored plan what the contents say: texts, order, areas and their
names, measures added (a new row, or a removed one of the same key brought back) and removed
(retired, not deleted: what was recorded about a measure stays). Each measure's key is made again
from its area and title, as an import would key it, so a later import of the exported file
matches the measures by the names they have now."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, update
from sqlalchemy import select as sa_select

from scheduler.base.errors import NotFoundError
from scheduler.model.measure_keys import measure_key
from scheduler.model.plan_contents import AreaContents, MeasureContents, PlanContents
from scheduler.model.policy_overrides import settings_to_mapping
from scheduler.store.engine import Bind, connection_of
from scheduler.store.plans import load_plan
from scheduler.store.tables import AreaRow, MeasureRow, PlanRevisionRow, PlanRow

_PLAN_ROWS: Any = PlanRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it
_AREA_ROWS: Any = AreaRow.__table__  # type: ignore[attr-defined]
_MEASURE_ROWS: Any = MeasureRow.__table__  # type: ignore[attr-defined]
_REVISIONS: Any = PlanRevisionRow.__table__  # type: ignore[attr-defined]

_TEXTS = ("title", "cause", "action", "when_text", "responsible_text", "followup_text",
          "operational_goal")  # fmt: skip
# What is written of a measure, compared with its row first.
_WRITTEN = ("key", *_TEXTS, "area_id", "position", "convener_override", "schedule_json", "retired")


@dataclass(frozen=True)
class Revision:
    number: int
    author: str
    note: str
    created_at: datetime
    snapshot: str


def load_plan_contents(bind: Bind, plan_id: int) -> PlanContents:
    """The plan's active areas (empty ones too) and measures, with their ids, in order."""
    stored = load_plan(bind, plan_id)
    with connection_of(bind) as connection:
        area_rows = connection.execute(
            sa_select(_AREA_ROWS.c.id, _AREA_ROWS.c.name)
            .where(_AREA_ROWS.c.plan_id == plan_id, _AREA_ROWS.c.retired.is_(False))
            .order_by(_AREA_ROWS.c.position)
        ).all()
    by_area: dict[str, list[MeasureContents]] = {}
    for item in stored.measures:
        by_area.setdefault(item.area, []).append(MeasureContents(item.id, item.measure))
    return PlanContents(
        tuple(
            AreaContents(area_id, name, tuple(by_area.get(name, ()))) for area_id, name in area_rows
        )
    )


def store_contents(connection: Connection, plan_id: int, contents: PlanContents, *,
                   now: datetime) -> bool:  # fmt: skip
    """Make the stored plan `contents`; True when anything changed (the plan's revision is then
    bumped, so its schedule and feeds follow). A measure or area id not of this plan raises
    NotFoundError, and nothing of the transaction is kept."""
    area_ids, areas_changed = _store_areas(connection, plan_id, contents)
    rows = {row.id: row for row in connection.execute(
        sa_select(_MEASURE_ROWS.c.id, *(_MEASURE_ROWS.c[name] for name in _WRITTEN))
        .where(_MEASURE_ROWS.c.plan_id == plan_id, _MEASURE_ROWS.c.plan_task.is_(None))
    )}  # fmt: skip
    by_key = {row.key: row for row in rows.values()}
    wanted: dict[int, dict[str, Any]] = {}
    new: list[dict[str, Any]] = []
    for area_index, area in enumerate(contents.areas):
        seen: dict[str, int] = {}
        for position, item in enumerate(area.measures):
            measure = item.measure
            nth = seen.get(measure.title, 0)
            seen[measure.title] = nth + 1
            values = {
                "key": measure_key(area.name, measure.title, nth),
                **{name: getattr(measure, name) for name in _TEXTS},
                "area_id": area_ids[area_index],
                "position": position,
                "convener_override": measure.convener,
                "schedule_json": json.dumps(settings_to_mapping(measure.schedule),
                                            ensure_ascii=False, sort_keys=True),
                "retired": False,
            }  # fmt: skip
            row_id = item.id
            if row_id is None:
                # A removed measure of the same key comes back with its id and history.
                found = by_key.get(values["key"])
                row_id = found.id if found is not None and found.retired else None
            if row_id is None:
                new.append(values)
            elif row_id not in rows or row_id in wanted:
                raise NotFoundError(f"Åtgärd {row_id} finns inte i planen.")
            else:
                wanted[row_id] = values
    taken = {values["key"] for values in [*wanted.values(), *new]}
    for row_id, row in rows.items():
        if row_id in wanted:
            continue
        # Left out: removed (retired, not deleted). Keys are unique per plan, so one whose key
        # a measure now has keeps it under another name.
        values = {name: getattr(row, name) for name in _WRITTEN}
        wanted[row_id] = {**values, "retired": True,
                          "key": f"{row.key}#{row_id}" if row.key in taken else row.key}  # fmt: skip
    changed = {row_id: values for row_id, values in wanted.items()
               if tuple(values[name] for name in _WRITTEN) != tuple(rows[row_id][1:])}  # fmt: skip
    # Keys that change go through a placeholder first, so two measures can swap theirs.
    moving_keys = [
        row_id for row_id, values in changed.items() if values["key"] != rows[row_id].key
    ]
    statement = update(_MEASURE_ROWS).where(_MEASURE_ROWS.c.id == bindparam("row_id"))
    if moving_keys:
        connection.execute(statement, [{"row_id": i, "key": f"edit:{i}"} for i in moving_keys])
    if changed:
        connection.execute(statement, [{"row_id": i, "updated_at": now, **values}
                                       for i, values in changed.items()])  # fmt: skip
    if new:
        connection.execute(insert(_MEASURE_ROWS),
                           [{"plan_id": plan_id, "updated_at": now, **values} for values in new])  # fmt: skip
    if not (changed or new or areas_changed):
        return False
    connection.execute(
        update(_PLAN_ROWS).where(_PLAN_ROWS.c.id == plan_id)
        .values(revision=_PLAN_ROWS.c.revision + 1, updated_at=now)
    )  # fmt: skip
    return True


def _store_areas(
    connection: Connection, plan_id: int, contents: PlanContents
) -> tuple[list[int], bool]:
    """The areas stored in the contents' order, renamed, added or retired: their ids in order,
    and whether anything changed."""
    rows = {row.id: row for row in connection.execute(
        sa_select(_AREA_ROWS.c.id, _AREA_ROWS.c.name, _AREA_ROWS.c.position, _AREA_ROWS.c.retired)
        .where(_AREA_ROWS.c.plan_id == plan_id)
    )}  # fmt: skip
    by_name = {row.name: row for row in rows.values()}
    ids: list[int] = []
    wanted: dict[int, dict[str, Any]] = {}
    new: list[tuple[int, str]] = []
    for position, area in enumerate(contents.areas):
        row_id = area.id
        if row_id is None:
            found = by_name.get(area.name)
            row_id = found.id if found is not None and found.retired else None
        if row_id is None:
            new.append((position, area.name))
            ids.append(-1)
            continue
        if row_id not in rows or row_id in wanted:
            raise NotFoundError(f"Området {row_id} finns inte i planen.")
        wanted[row_id] = {"name": area.name, "position": position, "retired": False}
        ids.append(row_id)
    names = {values["name"] for values in wanted.values()} | {name for _, name in new}
    for row_id, row in rows.items():
        if row_id not in wanted:
            wanted[row_id] = {"name": row.name if row.name not in names else f"{row.name}#{row_id}",
                              "position": row.position, "retired": True}  # fmt: skip
    changed = {row_id: values for row_id, values in wanted.items()
               if (values["name"], values["position"], values["retired"])
               != (rows[row_id].name, rows[row_id].position, rows[row_id].retired)}  # fmt: skip
    renamed = [row_id for row_id, values in changed.items() if values["name"] != rows[row_id].name]
    statement = update(_AREA_ROWS).where(_AREA_ROWS.c.id == bindparam("row_id"))
    if renamed:  # names are unique per plan: through a placeholder, so two areas can swap
        connection.execute(statement, [{"row_id": i, "name": f"edit:{i}"} for i in renamed])
    if changed:
        connection.execute(statement, [{"row_id": i, **values} for i, values in changed.items()])
    for position, name in new:
        ids[position] = connection.execute(
            insert(_AREA_ROWS).values(plan_id=plan_id, position=position, name=name, retired=False)
            .returning(_AREA_ROWS.c.id)
        ).scalar_one()  # fmt: skip
    return ids, bool(changed or new)


def add_revision(connection: Connection, plan_id: int, *, author: str, note: str,
                 snapshot: str, now: datetime) -> int:  # fmt: skip
    """The next revision of the plan; its number."""
    last = connection.execute(
        sa_select(func.max(_REVISIONS.c.number)).where(_REVISIONS.c.plan_id == plan_id)
    ).scalar()
    number = (last or 0) + 1
    connection.execute(insert(_REVISIONS).values(plan_id=plan_id, number=number, author=author,
                                                 note=note, snapshot=snapshot, created_at=now))  # fmt: skip
    return number


_REVISION_COLUMNS = (_REVISIONS.c.number, _REVISIONS.c.author, _REVISIONS.c.note,
                     _REVISIONS.c.created_at, _REVISIONS.c.snapshot)  # fmt: skip


def revisions(bind: Bind, plan_id: int) -> list[Revision]:
    """The plan's revisions, newest first."""
    with connection_of(bind) as connection:
        rows = connection.execute(
            sa_select(*_REVISION_COLUMNS).where(_REVISIONS.c.plan_id == plan_id)
            .order_by(_REVISIONS.c.number.desc())
        ).all()  # fmt: skip
    return [Revision(*row) for row in rows]


def latest_revision(bind: Bind, plan_id: int) -> Revision | None:
    with connection_of(bind) as connection:
        row = connection.execute(
            sa_select(*_REVISION_COLUMNS).where(_REVISIONS.c.plan_id == plan_id)
            .order_by(_REVISIONS.c.number.desc()).limit(1)
        ).first()  # fmt: skip
    return Revision(*row) if row is not None else None


def revision_of(bind: Bind, plan_id: int, number: int) -> Revision:
    with connection_of(bind) as connection:
        row = connection.execute(
            sa_select(*_REVISION_COLUMNS)
            .where(_REVISIONS.c.plan_id == plan_id, _REVISIONS.c.number == number)
        ).first()  # fmt: skip
    if row is None:
        raise NotFoundError(f"Version {number} av planen finns inte.")
    return Revision(*row)
