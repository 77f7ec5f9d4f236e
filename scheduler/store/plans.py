"""Plans in the database: import (one transaction, idempotent, update in place) and load."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from scheduler.base.errors import NotFoundError, PlanFileError, UsageError
from scheduler.model.measure_keys import keyed_measures
from scheduler.model.plan import Area, Measure, Plan, ScheduleSettings
from scheduler.model.schedule_settings import settings_from_mapping, settings_to_mapping
from scheduler.model.stored import (
    DRAFT,
    FOLLOWED_UP,
    HAND_IN,
    HAND_IN_KEY,
    HANDED_IN,
    PLAN_STATES,
    StoredMeasure,
    StoredPlan,
)
from scheduler.store.bulk import insert_many
from scheduler.store.engine import Bind
from scheduler.store.tables import AreaRow, MeasureRow, PlanRow

_MEASURES: Any = MeasureRow.__table__  # type: ignore[attr-defined]  # SQLModel sets it

_TEXT_FIELDS = ("title", "cause", "action", "when_text", "responsible_text", "followup_text",
                "operational_goal")  # fmt: skip


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
    state: str = DRAFT
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
    retire more than half of the plan's measures unless `force`."""
    _refuse_duplicate_areas(plan, source)
    with Session(bind) as session, session.begin():
        row = session.exec(
            select(PlanRow).where(
                PlanRow.organisation == plan.organisation, PlanRow.year == plan.year
            )
        ).first()
        plan_created = row is None
        if row is None:
            row = PlanRow(organisation=plan.organisation, year=plan.year, source=source,
                          revision=1, created_at=now, updated_at=now)  # fmt: skip
            session.add(row)
            session.flush()
        assert row.id is not None
        plan_id = row.id

        existing = {
            m.key: m
            for m in session.exec(
                select(MeasureRow).where(
                    MeasureRow.plan_id == plan_id, col(MeasureRow.plan_task).is_(None)
                )
            )
        }
        keyed = keyed_measures(plan)
        if not force:
            _refuse_mass_retirement(plan, existing, {key for *_, key in keyed})

        areas = {a.name: a for a in session.exec(select(AreaRow).where(AreaRow.plan_id == plan_id))}
        area_ids: dict[str, int] = {}
        area_changed = False
        for position, area in enumerate(plan.areas):
            area_row = areas.pop(area.name, None)
            if area_row is None:
                area_row = AreaRow(plan_id=plan_id, position=position, name=area.name)
                session.add(area_row)
                area_changed = True
            elif area_row.position != position or area_row.retired:
                area_row.position, area_row.retired = position, False
                area_changed = True
            session.flush()
            assert area_row.id is not None
            area_ids[area.name] = area_row.id
        for gone in areas.values():
            if not gone.retired:
                gone.retired = True
                area_changed = True

        added = changed = unchanged = 0
        new_measures: list[dict[str, Any]] = []
        for _, area, position, measure, key in keyed:
            values = {f: getattr(measure, f) for f in _TEXT_FIELDS}
            values |= {
                "area_id": area_ids[area.name],
                "position": position,
                "convener_override": measure.convener,
                "schedule_json": json.dumps(
                    settings_to_mapping(measure.schedule), ensure_ascii=False, sort_keys=True
                ),
                "retired": False,
            }
            measure_row = existing.pop(key, None)
            if measure_row is None:
                new_measures.append({"plan_id": plan_id, "key": key, "updated_at": now, **values})
                added += 1
            elif any(getattr(measure_row, f) != v for f, v in values.items()):
                for f, v in values.items():
                    setattr(measure_row, f, v)
                measure_row.updated_at = now
                changed += 1
            else:
                unchanged += 1
        retired = 0
        for gone_measure in existing.values():
            if not gone_measure.retired:
                gone_measure.retired = True
                gone_measure.updated_at = now
                retired += 1

        if new_measures:
            # One executemany by the driver (bulk.insert_many), in plan order (ids ascending
            # with it): a new plan is one statement, not an ORM object per measure.
            insert_many(session.connection(), _MEASURES, tuple(new_measures[0]),
                        [tuple(m.values()) for m in new_measures])  # fmt: skip
        # After the measures: a new plan's measures get the first ids, as before there were tasks.
        _ensure_plan_tasks(session, plan_id, now=now)
        if not plan_created and (added or changed or retired or area_changed):
            row.revision += 1
            row.updated_at = now
            row.source = source
        return ImportResult(plan_id, plan.organisation, plan.year, plan_created, added, changed,
                            unchanged, retired, state=row.state, handed_in_at=row.handed_in_at)  # fmt: skip


def set_measure_schedule(
    bind: Bind,
    plan_id: int,
    measure_id: int,
    *,
    convener: str | None,
    schedule: ScheduleSettings,
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


def _ensure_plan_tasks(session: Session, plan_id: int, *, now: datetime) -> None:
    """The plan's own tasks exist once per plan (their texts come from the config when the plan
    is scheduled; the row gives them an id, a UID and reminders like a measure's)."""
    found = session.exec(
        select(MeasureRow.id).where(MeasureRow.plan_id == plan_id, MeasureRow.key == HAND_IN_KEY)
    ).first()
    if found is None:
        task = MeasureRow(plan_id=plan_id, area_id=None, key=HAND_IN_KEY, position=-1,
                          title="Lämna in åtgärdsplanen", plan_task=HAND_IN, updated_at=now)  # fmt: skip
        # The row's values as the model fills them (its defaults), written as one statement
        # rather than an ORM flush (a tenth of a new plan's import).
        columns = tuple(column.key for column in _MEASURES.columns if column.key != "id")
        insert_many(session.connection(), _MEASURES, columns,
                    [tuple(getattr(task, name) for name in columns)])  # fmt: skip


def set_plan_state(bind: Bind, plan_id: int, state: str, *, now: datetime) -> PlanRow:
    """Mark the plan `state` (utkast, inlämnad, uppföljd); a change bumps the revision, so the
    schedule, its reminders and the feeds follow (a handed-in plan's hand-in reminders stop)."""
    if state not in PLAN_STATES:
        raise UsageError(f"okänt tillstånd «{state}» (välj bland {', '.join(PLAN_STATES)}).")
    with Session(bind) as session, session.begin():
        row = session.get(PlanRow, plan_id)
        if row is None:
            raise NotFoundError(f"Plan {plan_id} finns inte.")
        if row.state != state:
            row.state = state
            if state == HANDED_IN and row.handed_in_at is None:
                row.handed_in_at = now
            if state == FOLLOWED_UP:
                row.followed_up_at = row.followed_up_at or now
                row.handed_in_at = row.handed_in_at or now
            row.revision += 1
            row.updated_at = now
        session.flush()
        session.expunge(row)
        return row


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


def _refuse_mass_retirement(plan: Plan, existing: dict[str, MeasureRow], keys: set[str]) -> None:
    """Refuse to retire more than half of the plan's current measures, naming what would go."""
    active = [m for m in existing.values() if not m.retired]
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
    with Session(bind) as session:
        query = select(PlanRow)
        if year is not None:
            query = query.where(PlanRow.year == year)
        if organisation is not None:
            query = query.where(PlanRow.organisation == organisation)
        if prefer is not None:
            query = query.order_by((col(PlanRow.organisation) == prefer).desc())
        query = query.order_by(col(PlanRow.year).desc(), col(PlanRow.updated_at).desc())
        row = session.exec(query).first()
    if row is None or row.id is None:
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
    return row.id


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
    with Session(bind) as session:
        organisation = session.exec(
            select(PlanRow.organisation).where(PlanRow.id == plan_id)
        ).first()
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
    with Session(bind) as session:
        row = session.get(PlanRow, plan_id)
        if row is None:
            raise NotFoundError(f"Plan {plan_id} finns inte.")
        area_rows = session.exec(
            select(AreaRow)
            .where(AreaRow.plan_id == plan_id, col(AreaRow.retired).is_(False))
            .order_by(col(AreaRow.position))
        ).all()
        measure_rows = session.exec(
            select(MeasureRow)
            .where(MeasureRow.plan_id == plan_id, col(MeasureRow.retired).is_(False))
            .order_by(col(MeasureRow.position))
        ).all()
    tasks = tuple(
        StoredMeasure(m.id, m.key, "", _measure_from_row(m))
        for m in measure_rows
        if m.plan_task is not None and m.id is not None
    )
    stored: list[StoredMeasure] = []
    areas: list[Area] = []
    for area_row in area_rows:
        measures = []
        for m in measure_rows:
            if m.area_id != area_row.id:
                continue
            measure = _measure_from_row(m)
            measures.append(measure)
            assert m.id is not None
            stored.append(StoredMeasure(m.id, m.key, area_row.name, measure))
        areas.append(Area(name=area_row.name, measures=tuple(measures)))
    assert row.id is not None
    plan = Plan(organisation=row.organisation, year=row.year, areas=tuple(areas))
    return StoredPlan(row.id, row.revision, row.updated_at, plan, tuple(stored), plan_tasks=tasks,
                      state=row.state, handed_in_at=row.handed_in_at,
                      followed_up_at=row.followed_up_at)  # fmt: skip


def _measure_from_row(row: MeasureRow) -> Measure:
    def fail(message: str) -> Exception:  # stored settings were validated on import
        return ValueError(message)

    settings = settings_from_mapping(json.loads(row.schedule_json or "{}"), fail)
    values = {f.name: getattr(row, f.name) for f in fields(Measure) if f.name in _TEXT_FIELDS}
    return Measure(**values, convener=row.convener_override, schedule=settings)
