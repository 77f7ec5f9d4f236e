"""Plans in the database: import (one transaction, idempotent, update in place) and load."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from scheduler.base.caches import memo
from scheduler.base.errors import NotFoundError, PlanFileError, UsageError
from scheduler.model.measure_keys import keyed_measures
from scheduler.model.plan import Area, Measure, Plan, PolicyOverrides
from scheduler.model.policy_overrides import settings_from_mapping, settings_to_mapping
from scheduler.model.stored import HAND_IN, HAND_IN_KEY, PlanState, StoredMeasure, StoredPlan
from scheduler.store.bulk import insert_many
from scheduler.store.engine import Bind, connection_of, transaction_of
from scheduler.store.tables import AreaRow, MeasureRow, PlanRow

_PLANS: Any = PlanRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it
_AREAS: Any = AreaRow.__table__  # type: ignore[attr-defined]
_MEASURES: Any = MeasureRow.__table__  # type: ignore[attr-defined]

_TEXT_FIELDS = ("title", "cause", "action", "when_text", "responsible_text", "followup_text",
                "operational_goal")  # fmt: skip
# What an import writes of a measure, in this order: what is compared with the stored row.
_COMPARED_COLUMNS = (*_TEXT_FIELDS, "area_id", "position", "convener_override", "schedule_json",
             "retired")  # fmt: skip
_NEW_MEASURE_COLUMNS = ("plan_id", "key", "updated_at", *_COMPARED_COLUMNS)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # a placeholder: the hand-in task's own is `now`

# The import's statements, built once (Core caches their compiled form).
_PLAN_BY_NAME = sa_select(
    _PLANS.c.id, _PLANS.c.revision, _PLANS.c.state, _PLANS.c.handed_in_at
).where(_PLANS.c.organisation == bindparam("organisation"), _PLANS.c.year == bindparam("year"))
# Every column, as the ORM's flush of a new PlanRow sent them (its model defaults).
_INSERT_PLAN = (
    insert(_PLANS)
    .values(
        revision=1,
        schedule_fingerprint="",
        state=PlanState.DRAFT,
        handed_in_at=None,
        followed_up_at=None,
    )
    .returning(_PLANS.c.id)
)
# Updates set the columns their parameters name (Core's executemany form).
_BUMP_PLAN = update(_PLANS).where(_PLANS.c.id == bindparam("plan_id"))
_MEASURES_OF_PLAN = (
    sa_select(_MEASURES.c.id, _MEASURES.c.key, *(_MEASURES.c[name] for name in _COMPARED_COLUMNS))
    .where(_MEASURES.c.plan_id == bindparam("plan_id"), _MEASURES.c.plan_task.is_(None))
    .order_by(_MEASURES.c.id)
)
_UPDATE_MEASURE = update(_MEASURES).where(_MEASURES.c.id == bindparam("row_id"))
_RETIRE_MEASURE = _UPDATE_MEASURE.values(retired=True)
_HAND_IN_OF_PLAN = sa_select(_MEASURES.c.id).where(
    _MEASURES.c.plan_id == bindparam("plan_id"), _MEASURES.c.key == HAND_IN_KEY
)
_AREAS_OF_PLAN = (
    sa_select(_AREAS.c.id, _AREAS.c.name, _AREAS.c.position, _AREAS.c.retired)
    .where(_AREAS.c.plan_id == bindparam("plan_id"))
    .order_by(_AREAS.c.id)
)
_AREA_IDS_OF_PLAN = sa_select(_AREAS.c.id, _AREAS.c.name).where(
    _AREAS.c.plan_id == bindparam("plan_id")
)
_UPDATE_AREA = update(_AREAS).where(_AREAS.c.id == bindparam("row_id"))


@dataclass(frozen=True)
class ImportResult:
    plan_id: int
    organisation: str
    year: int
    plan_created: bool
    added: int
    changed: int
    unchanged: int
    retired: int
    state: PlanState = PlanState.DRAFT
    handed_in_at: datetime | None = None

    @property
    def changed_anything(self) -> bool:
        return self.plan_created or bool(self.added or self.changed or self.retired)


# An import that would retire more than this share of a plan's measures needs `force`: a
# workbook with only its headers, or the wrong file, would otherwise empty the plan silently.
RETIRE_SHARE_LIMIT = 0.5
_NAMED_AT_MOST = 5


def import_plan(
    bind: Bind, plan: Plan, *, source: str, now: datetime, force: bool = False
) -> ImportResult:
    """Store the plan; the same plan again changes nothing, an edited one updates in place.

    Raises UsageError (nothing stored) for two areas of one name, and for an import that would
    retire more than half of the plan's measures unless `force`.

    Core statements on the tables, rows read as tuples: the ORM's flushes (one per new area),
    identity map and objects were a tenth of importing many plans. The rows written are those
    the ORM wrote (tests/test_plan_import_rows.py holds them to it): the same ids in the same
    order, the same values, the revision bumped only for a change."""
    _refuse_duplicate_areas(plan, source)
    with transaction_of(bind) as connection:
        found = connection.execute(
            _PLAN_BY_NAME, {"organisation": plan.organisation, "year": plan.year}
        ).first()
        plan_created = found is None
        if found is None:
            plan_id = connection.execute(
                _INSERT_PLAN,
                {"organisation": plan.organisation, "year": plan.year, "source": source,
                 "created_at": now, "updated_at": now},
            ).scalar_one()  # fmt: skip
            revision, state, handed_in_at = 1, PlanState.DRAFT, None
        else:
            plan_id, revision, stored_state, handed_in_at = found
            state = PlanState(stored_state)

        # A new plan has nothing stored yet: no need to ask.
        existing: dict[str, Any] = (
            {}
            if plan_created
            else {
                row.key: row for row in connection.execute(_MEASURES_OF_PLAN, {"plan_id": plan_id})
            }
        )
        keyed = keyed_measures(plan)
        if not force:
            _refuse_mass_retirement(plan, existing.values(), {key for *_, key in keyed})

        area_ids, area_changed = _store_areas(connection, plan_id, plan, created=plan_created)

        added = changed = unchanged = 0
        new_measures: list[tuple[Any, ...]] = []
        changed_measures: list[dict[str, Any]] = []
        for _, area, position, measure, key in keyed:
            values = (
                *(getattr(measure, f) for f in _TEXT_FIELDS),
                area_ids[area.name],
                position,
                measure.convener,
                json.dumps(
                    settings_to_mapping(measure.schedule), ensure_ascii=False, sort_keys=True
                ),
                False,
            )
            measure_row = existing.pop(key, None)
            if measure_row is None:
                new_measures.append((plan_id, key, now, *values))
                added += 1
            elif tuple(measure_row[2:]) != values:
                changed_measures.append(
                    {
                        "row_id": measure_row.id,
                        "updated_at": now,
                        **dict(zip(_COMPARED_COLUMNS, values, strict=True)),
                    }
                )
                changed += 1
            else:
                unchanged += 1
        retiring = [{"row_id": row.id, "updated_at": now}
                    for row in existing.values() if not row.retired]  # fmt: skip
        retired = len(retiring)

        if changed_measures:
            connection.execute(_UPDATE_MEASURE, changed_measures)
        if retiring:
            connection.execute(_RETIRE_MEASURE, retiring)
        if new_measures:
            # One executemany by the driver (bulk.insert_many), in plan order (ids ascending
            # with it): a new plan is one statement, not an ORM object per measure.
            insert_many(connection, _MEASURES, _NEW_MEASURE_COLUMNS, new_measures)
        # After the measures: a new plan's measures get the first ids, as before there were tasks.
        _ensure_plan_tasks(connection, plan_id, now=now, created=plan_created)
        if not plan_created and (added or changed or retired or area_changed):
            connection.execute(
                _BUMP_PLAN,
                {"plan_id": plan_id, "revision": revision + 1, "updated_at": now,
                 "source": source},
            )  # fmt: skip
        return ImportResult(plan_id, plan.organisation, plan.year, plan_created, added, changed,
                            unchanged, retired, state=state, handed_in_at=handed_in_at)  # fmt: skip


def _store_areas(
    connection: Connection, plan_id: int, plan: Plan, *, created: bool
) -> tuple[dict[str, int], bool]:
    """The plan's areas stored in its order: new ones added (ids ascending in plan order, as
    one by one), moved or returning ones updated, missing ones retired. Returns each area's id
    by name and whether anything changed."""
    stored: dict[str, Any] = (
        {}
        if created
        else {row.name: row for row in connection.execute(_AREAS_OF_PLAN, {"plan_id": plan_id})}
    )
    area_ids: dict[str, int] = {}
    new_areas: list[tuple[int, int, str, bool]] = []
    updates: list[dict[str, Any]] = []
    for position, area in enumerate(plan.areas):
        row = stored.pop(area.name, None)
        if row is None:
            new_areas.append((plan_id, position, area.name, False))
        else:
            if row.position != position or row.retired:
                updates.append({"row_id": row.id, "position": position, "retired": False})
            area_ids[area.name] = row.id
    retiring = [{"row_id": row.id, "position": row.position, "retired": True}
                for row in stored.values() if not row.retired]  # fmt: skip
    if updates or retiring:
        connection.execute(_UPDATE_AREA, updates + retiring)
    if new_areas:
        insert_many(connection, _AREAS, ("plan_id", "position", "name", "retired"), new_areas)
        names = {name for _, _, name, _ in new_areas}
        for area_id, name in connection.execute(_AREA_IDS_OF_PLAN, {"plan_id": plan_id}):
            if name in names:
                area_ids[name] = area_id
    return area_ids, bool(new_areas or updates or retiring)


def set_measure_schedule(
    bind: Bind,
    plan_id: int,
    measure_id: int,
    *,
    convener: str | None,
    schedule: PolicyOverrides,
    now: datetime,
) -> bool:
    """Store a measure's convener and schedule overrides (as editing the plan file would): the
    plan's revision goes up when anything changed, so its schedule and feeds follow. False when
    the values were already these."""
    with Session(bind) as session, session.begin():
        row = session.get(MeasureRow, measure_id)
        if row is None or row.plan_id != plan_id or row.retired or row.plan_task is not None:
            raise NotFoundError(f"Åtgärd {measure_id} finns inte i planen.")
        schedule_json = json.dumps(settings_to_mapping(schedule), ensure_ascii=False,
                                   sort_keys=True)  # fmt: skip
        if row.convener_override == convener and row.schedule_json == schedule_json:
            return False
        row.convener_override, row.schedule_json, row.updated_at = convener, schedule_json, now
        plan = session.get(PlanRow, plan_id)
        assert plan is not None
        plan.revision += 1
        plan.updated_at = now
        return True


def _ensure_plan_tasks(
    connection: Connection, plan_id: int, *, now: datetime, created: bool
) -> None:
    """The plan's own tasks exist once per plan (their texts come from the config when the plan
    is scheduled; the row gives them an id, a UID and reminders like a measure's). A plan just
    created has none yet."""
    if not created:
        found = connection.execute(_HAND_IN_OF_PLAN, {"plan_id": plan_id}).first()
        if found is not None:
            return
    columns, values = _hand_in_task()
    insert_many(connection, _MEASURES, columns, [(plan_id, now, *values)])


@memo("once.hand_in_task")
def _hand_in_task() -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """The hand-in task's columns (plan and change time first) and its other values, as the
    model fills them (its defaults): made once, not an ORM object per plan."""
    task = MeasureRow(plan_id=0, area_id=None, key=HAND_IN_KEY, position=-1,
                      title="Lämna in åtgärdsplanen", plan_task=HAND_IN, updated_at=_EPOCH)  # fmt: skip
    others = tuple(column.key for column in _MEASURES.columns
                   if column.key not in ("id", "plan_id", "updated_at"))  # fmt: skip
    return ("plan_id", "updated_at", *others), tuple(getattr(task, name) for name in others)


def set_plan_state(bind: Bind, plan_id: int, state: PlanState, *, now: datetime) -> None:
    """Mark the plan `state` (draft, handed in, followed up); a change bumps the revision, so the
    schedule, its reminders and the feeds follow (a handed-in plan's hand-in reminders stop)."""
    with Session(bind) as session, session.begin():
        row = session.get(PlanRow, plan_id)
        if row is None:
            raise NotFoundError(f"Plan {plan_id} finns inte.")
        if row.state != state:
            row.state = state
            if state == PlanState.HANDED_IN and row.handed_in_at is None:
                row.handed_in_at = now
            if state == PlanState.FOLLOWED_UP:
                row.followed_up_at = row.followed_up_at or now
                row.handed_in_at = row.handed_in_at or now
            row.revision += 1
            row.updated_at = now


def _refuse_duplicate_areas(plan: Plan, source: str) -> None:
    seen: set[str] = set()
    for area in plan.areas:
        if area.name in seen:
            raise PlanFileError(
                f"området «{area.name}» finns två gånger; ett område per namn (slå ihop dem eller "
                "byt namn på det ena). Inget ändrades.",
                path=source,
            )
        seen.add(area.name)


def _refuse_mass_retirement(plan: Plan, existing: Iterable[Any], keys: set[str]) -> None:
    """Refuse to retire more than half of the plan's current measures, naming what would go.
    `existing`: the stored measures' rows (key, retired, position and title)."""
    active = [m for m in existing if not m.retired]
    leaving = sorted((m for m in active if m.key not in keys), key=lambda m: m.position)
    if not active or len(leaving) <= len(active) * RETIRE_SHARE_LIMIT:
        return
    named = ", ".join(f"«{m.title.splitlines()[0] if m.title else ''}»"
                      for m in leaving[:_NAMED_AT_MOST])  # fmt: skip
    more = len(leaving) - _NAMED_AT_MOST
    rest = f" och {more} till" if more > 0 else ""
    raise UsageError(
        f"importen skulle ta bort {len(leaving)} av {len(active)} åtgärder i planen "
        f"{plan.organisation} {plan.year} ({named}{rest}). Kontrollera att det är rätt fil och år; "
        "kör med --force om de ska tas bort. Inget ändrades."
    )


def find_plan_id(
    bind: Bind,
    *,
    year: int | None = None,
    organisation: str | None = None,
    prefer: str | None = None,
) -> int:
    """The plan a command works on: the one of `year`, else the newest year imported.

    `organisation` restricts the choice to that organisation's plans; `prefer` (the config's
    organisation) only puts its plans first, so an installation with plans of one organisation
    acts on them as always, whatever other organisation's file was imported besides."""
    query = sa_select(_PLANS.c.id)
    if year is not None:
        query = query.where(_PLANS.c.year == year)
    if organisation is not None:
        query = query.where(_PLANS.c.organisation == organisation)
    if prefer is not None:
        query = query.order_by((_PLANS.c.organisation == prefer).desc())
    query = query.order_by(_PLANS.c.year.desc(), _PLANS.c.updated_at.desc())
    with connection_of(bind) as connection:
        row = connection.execute(query.limit(1)).first()
    if row is None:
        whose = f" för {organisation}" if organisation is not None else ""
        if year is not None:
            raise NotFoundError(
                f"Det finns ingen plan{whose} för {year}. Importera en med «scheduler import FIL»."
                if organisation is None
                else f"Det finns ingen plan för {organisation} {year}. Importera en med "
                "«scheduler import FIL»."
            )
        raise NotFoundError(
            f"Ingen plan{whose} är importerad ännu. Importera en med «scheduler import FIL»."
        )
    plan_id: int = row.id
    return plan_id


def plan_ids_of_years(
    bind: Bind, *, years: tuple[int, ...], organisation: str | None = None
) -> list[int]:
    """Every plan of those years (of `organisation` only, when given), by organisation and year."""
    query = select(PlanRow.id).where(col(PlanRow.year).in_(years))
    if organisation is not None:
        query = query.where(PlanRow.organisation == organisation)
    query = query.order_by(col(PlanRow.organisation), col(PlanRow.year))
    with Session(bind) as session:
        return [plan_id for plan_id in session.exec(query) if plan_id is not None]


def newest_plan_ids(bind: Bind) -> list[int]:
    """Each organisation's newest plan."""
    with Session(bind) as session:
        rows = session.exec(select(PlanRow.id, PlanRow.organisation, PlanRow.year)).all()
    newest: dict[str, tuple[int, int]] = {}
    for plan_id, organisation, year in rows:
        if plan_id is not None and year >= newest.get(organisation, (year, plan_id))[0]:
            newest[organisation] = (year, plan_id)
    return [plan_id for _, plan_id in sorted(newest.values())]


def plan_organisation(bind: Bind, plan_id: int) -> str:
    with connection_of(bind) as connection:
        organisation: str | None = connection.execute(
            _ORGANISATION_OF_PLAN, {"plan_id": plan_id}
        ).scalar()
    if organisation is None:
        raise NotFoundError(f"Plan {plan_id} finns inte.")
    return organisation


def plans_of(bind: Bind, organisation: str) -> list[tuple[int, int]]:
    """(plan id, year) of every plan of `organisation`, oldest year first."""
    with Session(bind) as session:
        rows = session.exec(
            select(PlanRow.id, PlanRow.year)
            .where(PlanRow.organisation == organisation)
            .order_by(col(PlanRow.year))
        ).all()
    return [(plan_id, year) for plan_id, year in rows if plan_id is not None]


def plans_by_organisation(bind: Bind) -> dict[str, list[int]]:
    """Every organisation's plan ids, oldest year first, in one query."""
    with Session(bind) as session:
        rows = session.exec(
            select(PlanRow.id, PlanRow.organisation).order_by(
                col(PlanRow.organisation), col(PlanRow.year)
            )
        ).all()
    found: dict[str, list[int]] = {}
    for plan_id, organisation in rows:
        if plan_id is not None:
            found.setdefault(organisation, []).append(plan_id)
    return found


def load_plan(bind: Bind, plan_id: int) -> StoredPlan:
    """The stored plan, read as tuples (Core): every import and refresh reads its plan."""
    with connection_of(bind) as connection:
        row = connection.execute(_PLAN_BY_ID, {"plan_id": plan_id}).first()
        if row is None:
            raise NotFoundError(f"Plan {plan_id} finns inte.")
        area_rows = connection.execute(_ACTIVE_AREAS, {"plan_id": plan_id}).all()
        measure_rows = connection.execute(_ACTIVE_MEASURES, {"plan_id": plan_id}).all()
    tasks = tuple(
        StoredMeasure(m.id, m.key, "", _measure_from_row(m))
        for m in measure_rows
        if m.plan_task is not None and m.id is not None
    )
    by_area: dict[int, list[Any]] = {}
    for m in measure_rows:
        by_area.setdefault(m.area_id, []).append(m)
    stored: list[StoredMeasure] = []
    areas: list[Area] = []
    for area_id, area_name in area_rows:
        measures = []
        for m in by_area.get(area_id, ()):
            measure = _measure_from_row(m)
            measures.append(measure)
            stored.append(StoredMeasure(m.id, m.key, area_name, measure))
        areas.append(Area(name=area_name, measures=tuple(measures)))
    plan = Plan(organisation=row.organisation, year=row.year, areas=tuple(areas))
    return StoredPlan(row.id, row.revision, row.updated_at, plan, tuple(stored), plan_tasks=tasks,
                      state=PlanState(row.state), handed_in_at=row.handed_in_at,
                      followed_up_at=row.followed_up_at)  # fmt: skip


def _measure_from_row(row: Any) -> Measure:
    """A measure from its row (a tuple with the measure's columns by name)."""
    values = {name: getattr(row, name) for name in _MEASURE_TEXTS}
    return Measure(**values, convener=row.convener_override,
                   schedule=_stored_settings(row.schedule_json or "{}"))  # fmt: skip


@memo("store.stored_settings")
def _stored_settings(schedule_json: str) -> PolicyOverrides:
    """Stored settings, read once per distinct text (most measures have none, "{}"): the value
    is frozen, so measures can share it."""

    def fail(message: str) -> Exception:  # stored settings were validated on import
        return ValueError(message)

    return settings_from_mapping(json.loads(schedule_json), fail)


_ORGANISATION_OF_PLAN = sa_select(_PLANS.c.organisation).where(_PLANS.c.id == bindparam("plan_id"))
# The Measure fields stored as texts, in Measure's order.
_MEASURE_TEXTS = tuple(f.name for f in fields(Measure) if f.name in _TEXT_FIELDS)
_PLAN_BY_ID = sa_select(
    _PLANS.c.id, _PLANS.c.revision, _PLANS.c.updated_at, _PLANS.c.organisation, _PLANS.c.year,
    _PLANS.c.state, _PLANS.c.handed_in_at, _PLANS.c.followed_up_at,
).where(_PLANS.c.id == bindparam("plan_id"))  # fmt: skip
_ACTIVE_AREAS = (
    sa_select(_AREAS.c.id, _AREAS.c.name)
    .where(_AREAS.c.plan_id == bindparam("plan_id"), _AREAS.c.retired.is_(False))
    .order_by(_AREAS.c.position)
)
_ACTIVE_MEASURES = (
    sa_select(
        *(_MEASURES.c[name] for name in ("id", "key", "area_id", "plan_task", *_TEXT_FIELDS)),
        _MEASURES.c.convener_override,
        _MEASURES.c.schedule_json,
    )
    .where(_MEASURES.c.plan_id == bindparam("plan_id"), _MEASURES.c.retired.is_(False))
    .order_by(_MEASURES.c.position)
)
