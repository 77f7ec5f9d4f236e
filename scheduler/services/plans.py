"""The plans and their occurrences as the edges read them: which plan, the stored plan, whose it
is, its dated meetings and tasks.

Read only, and as the store gives them (plain values): every change goes through a service of its
own (`refresh`, `changes`, `plan_state`, `followup`, …). The edges (CLI and web) never import the
store; these are the lookups they share.
"""

from __future__ import annotations

from datetime import datetime

from scheduler.base.errors import NotFoundError
from scheduler.base.time import STOCKHOLM
from scheduler.store.engine import Bind
from scheduler.store.occurrences import SyncResult as SyncResult
from scheduler.store.occurrences import get_occurrence as get_occurrence
from scheduler.store.occurrences import list_occurrences as list_occurrences
from scheduler.store.occurrences import schedule_state as schedule_state
from scheduler.store.plans import find_plan_id as find_plan_id
from scheduler.store.plans import load_plan as load_plan
from scheduler.store.plans import newest_plan_ids as newest_plan_ids
from scheduler.store.plans import plan_organisation as plan_organisation
from scheduler.store.plans import plans_of as plans_of


def chosen_plan_id(
    bind: Bind,
    *,
    year: int | None,
    now: datetime,
    organisation: str | None = None,
    prefer: str | None = None,
) -> int:
    """The plan a command or a page acts on: of `year`; without one, by date: this year's plan,
    else the newest (in December, after a rollover, the follow-up is about the closing year).
    Only `organisation`'s when given; `prefer`: its plans first (`find_plan_id`)."""
    if year is None:
        this_year = now.astimezone(STOCKHOLM).year
        try:
            return find_plan_id(bind, year=this_year, organisation=organisation, prefer=prefer)
        except NotFoundError:
            pass
    return find_plan_id(bind, year=year, organisation=organisation, prefer=prefer)
