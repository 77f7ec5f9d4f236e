"""The roles a coordinator set in the workspace, per organisation (scheduler/services/roles.py
lays them over config.toml's)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from scheduler.model.role import StoredRole
from scheduler.store.engine import Bind
from scheduler.store.tables import RoleRow


def stored_roles(bind: Bind, organisation: str) -> list[StoredRole]:
    with Session(bind) as session:
        rows = session.exec(
            select(RoleRow).where(RoleRow.organisation == organisation).order_by(col(RoleRow.role))
        ).all()
        return [StoredRole(r.organisation, r.role, r.person, r.email, r.updated_at) for r in rows]


def save_role(bind: Bind, *, organisation: str, role: str, person: str | None,
              email: str | None, now: datetime) -> bool:  # fmt: skip
    """Add the role or change its person and address; False when they were already these."""
    with Session(bind) as session, session.begin():
        row = session.exec(
            select(RoleRow).where(RoleRow.organisation == organisation, RoleRow.role == role)
        ).first()
        if row is None:
            session.add(RoleRow(organisation=organisation, role=role, person=person, email=email,
                                updated_at=now))  # fmt: skip
            return True
        if (row.person, row.email) == (person, email):
            return False
        row.person, row.email, row.updated_at = person, email, now
        return True
