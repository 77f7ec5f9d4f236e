"""Plan files: the municipal workbook (.xlsx) and the TOML plan file, read and written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scheduler.base.errors import PlanFileError
from scheduler.base.files import write_atomically
from scheduler.model.plan import Plan
from scheduler.plan.budget import (
    NOTHING_CHANGED,
    first_measure_over,
    measures_of,
    too_many_measures,
)
from scheduler.plan.files.limits import ReadLimits, default_limits
from scheduler.plan.files.toml_file import plan_to_toml, read_toml_plan

PLAN_FILE_SUFFIXES = (".toml", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class PlanRead:
    plan: Plan
    notes: tuple[str, ...] = ()


def read_plan(
    path: Path,
    *,
    year: int | None = None,
    organisation: str | None = None,
    default_organisation: str | None = None,
    limits: ReadLimits | None = None,
    name: str | None = None,
) -> PlanRead:
    """Read a plan file; `year` and `organisation` override what the file says (--year,
    --organisation); `default_organisation` (the config's) is used only when the file names none.
    `limits` (from `[limits]` in config.toml) bound what is read, and how many measures the
    plan may have. `name`: the file as its user named it, for every message, when `path` is not
    (an upload's temporary file); it never names a path of the server's."""
    shown = name or str(path)
    if not path.exists():
        raise PlanFileError("filen finns inte", path=shown)
    if path.is_dir():
        raise PlanFileError("är en mapp, inte en planfil", path=shown)
    limits = limits or default_limits()
    read = _read(path, year=year, organisation=organisation,
                 default_organisation=default_organisation, limits=limits, name=name)  # fmt: skip
    # Counted as soon as the file is read, before anything is stored or placed (plan/budget.py).
    over = first_measure_over(measures_of(read.plan), limits.max_measures_per_plan)
    if over is not None:
        number, area, title = over
        raise PlanFileError(
            f"{too_many_measures(number, area, title, limits.max_measures_per_plan)}. "
            f"{NOTHING_CHANGED}",
            path=shown,
        )
    return read


def _read(
    path: Path,
    *,
    year: int | None,
    organisation: str | None,
    default_organisation: str | None,
    limits: ReadLimits,
    name: str | None,
) -> PlanRead:
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return PlanRead(
            read_toml_plan(path, year=year, organisation=organisation,
                           default_organisation=default_organisation, limits=limits, name=name)
        )  # fmt: skip
    if suffix in {".xlsx", ".xlsm", ".xls"}:
        # Imported here: openpyxl is a tenth of a second that a TOML import does without.
        from scheduler.plan.files.workbook import read_workbook_plan

        read = read_workbook_plan(path, year=year, organisation=organisation,
                                  default_organisation=default_organisation, limits=limits,
                                  name=name)  # fmt: skip
        return PlanRead(read.plan, read.notes)
    raise PlanFileError(
        f"okänd filtyp «{path.suffix or '(ingen)'}»: en plan är en .xlsx-arbetsbok eller en .toml-fil",
        path=name or str(path),
    )


def write_plan(plan: Plan, path: Path) -> None:
    """Write the plan in the format the suffix names, atomically: a reader never sees half a file."""
    suffix = path.suffix.lower()
    if suffix not in {".toml", ".xlsx"}:
        raise PlanFileError("exportera till .xlsx eller .toml", path=str(path))
    if suffix == ".toml":
        text = plan_to_toml(plan)
        write_atomically(path, lambda target: target.write_text(text, encoding="utf-8"))
    else:
        from scheduler.plan.files.workbook import plan_to_workbook

        workbook = plan_to_workbook(plan)
        write_atomically(path, lambda target: workbook.save(target))
