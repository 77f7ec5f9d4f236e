"""SQLModel tables. Timestamps are timezone-aware; texts are stored verbatim.

A measure's identity across re-imports is `key`: area name, title and the how-many-th measure of
that title in the area (the seed has two "Våld i nära relation/Barn"). Anything later stages attach
to a measure hangs off `measure.id`, which an edited re-import keeps.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class PlanRow(SQLModel, table=True):
    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("organisation", "year", name="uq_plan_organisation_year"),)

    id: int | None = Field(default=None, primary_key=True)
    organisation: str = Field(sa_column=Column(Text, nullable=False))
    year: int = Field(index=True)
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Bumped whenever anything in the plan changes: feeds use it for DTSTAMP and cache keys.
    revision: int = Field(default=1)
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class AreaRow(SQLModel, table=True):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("plan_id", "name", name="uq_area_plan_name"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    position: int
    name: str = Field(sa_column=Column(Text, nullable=False))
    retired: bool = Field(default=False)


class MeasureRow(SQLModel, table=True):
    __tablename__ = "measure"
    __table_args__ = (UniqueConstraint("plan_id", "key", name="uq_measure_plan_key"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True, ondelete="CASCADE")
    area_id: int = Field(foreign_key="area.id", index=True, ondelete="CASCADE")
    key: str = Field(sa_column=Column(Text, nullable=False))
    position: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    cause: str = Field(default="", sa_column=Column(Text, nullable=False))
    action: str = Field(default="", sa_column=Column(Text, nullable=False))
    when_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    responsible_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    followup_text: str = Field(default="", sa_column=Column(Text, nullable=False))
    operational_goal: str = Field(default="", sa_column=Column(Text, nullable=False))
    convener_override: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The plan file's per-measure schedule overrides, as JSON (see planfile.settings).
    schedule_json: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # A measure that left the plan is retired, not deleted: what was recorded about it stays.
    retired: bool = Field(default=False)
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
