"""The plan's year without a terminal: /plan's buttons to hand the plan in (/plan/lamna-in, as
`scheduler plan hand-in`) and to roll it over to the year after the one shown (/plan/nytt-ar, as
`scheduler rollover`, with its report of the När texts that give nothing in the new year). Both
are previewed first and done only on the confirming POST (scheduler/web/confirm.py). Marking it
followed up is /plan/uppfoljd (scheduler/web/followup_page.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from scheduler.base.errors import UsageError
from scheduler.base.swedish import count
from scheduler.model.display_words import PLAN_STATE_WORDS
from scheduler.model.stored import PlanState
from scheduler.services.plan_state import mark_plan
from scheduler.services.plans import chosen_plan_id, load_plan
from scheduler.services.rollover import Rollover, roll_over, rollover_preview
from scheduler.web.confirm import Listing, Preview, confirmed, here, preview_page
from scheduler.web.deps import ClockDep, EngineDep, FeedsDep
from scheduler.web.pages import PostedForm
from scheduler.web.plan_page import asked_year, plan_page_response
from scheduler.web.session import Coordinator, checked_form, workspace_coordinator

router = APIRouter()
ITEMS = ("möte eller uppgift", "möten och uppgifter")


@router.post("/plan/lamna-in", response_class=HTMLResponse)
def hand_in(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, clock: ClockDep, feeds: FeedsDep,
) -> Response:  # fmt: skip
    """Hand the plan in: its hand-in task is done and that task's reminders stop."""
    now = clock()
    plan_id = chosen_plan_id(engine, year=asked_year(request), now=now,
                             organisation=coordinator.organisation)  # fmt: skip
    stored = load_plan(engine, plan_id)
    year = stored.plan.year
    if stored.state != PlanState.DRAFT:
        return plan_page_response(request, coordinator, engine, now=now, year=year,
                                  done=[f"Planen {year} är redan {PLAN_STATE_WORDS[stored.state]}; inget ändrades."])  # fmt: skip
    if not confirmed(form):
        return preview_page(request, coordinator, Preview(
            title=f"Lämna in planen {year}?", action=here(request),
            button=f"Ja, lämna in planen {year}", back=f"/plan?ar={year}",
            lines=[f"{stored.plan.organisation}s åtgärdsplan {year} markeras som inlämnad.",
                   "Inlämningsuppgiften blir klar och dess påminnelser till samordnaren slutar. "
                   "Inga andra möten eller påminnelser ändras, och ingen får något mejl om det.",
                   "Planen kan fortfarande ändras efteråt; ändras den, säger sidan till."],
        ), current="/plan")  # fmt: skip
    synced = mark_plan(engine, coordinator.config, plan_id, PlanState.HANDED_IN, now=now)
    feeds.recheck_now()
    lines = [f"Planen {year} är inlämnad."]
    if synced.reminders:
        lines.append(f"{count(synced.reminders, 'påminnelse', 'påminnelser')} ändrades eller "
                     "ställdes in.")  # fmt: skip
    return plan_page_response(request, coordinator, engine, now=now, year=year, done=lines)


def _rollover_preview(request: Request, report: Rollover) -> Preview:
    new, old = report.target_year, report.source_year
    undated = [f"«{title}»: När «{when}»" for title, when in report.undated]
    warnings = []
    if undated:
        warnings.append(f"{count(len(undated), 'När-text', 'När-texter')} ger inga datum {new}. "
                        "Skriv om dem för det nya året när planen är skapad.")  # fmt: skip
    return Preview(
        title=f"Skapa planen för {new}?", action=here(request),
        button=f"Ja, skapa planen för {new}", back=f"/plan?ar={old}",
        lines=[f"Planen för {new} skapas som en kopia av {old}: samma områden och "
               f"{count(report.measures, 'åtgärd')}, utan uppföljningstexterna.",
               f"Den ger {count(report.occurrences, *ITEMS)} {new}. Mötena kommer med i "
               "kalenderlänkarna och påminnelserna går ut när det är dags; planen "
               f"{old} ändras inte."],
        warnings=warnings,
        listings=[Listing(f"När-texter som inte ger några datum {new}", undated,
                          f"Inga: varje När som gav datum {old} ger datum {new} också.")],
    )  # fmt: skip


@router.post("/plan/nytt-ar", response_class=HTMLResponse)
def next_year(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
    form: Annotated[PostedForm, Depends(checked_form)],
    engine: EngineDep, clock: ClockDep, feeds: FeedsDep,
) -> Response:  # fmt: skip
    """The year after the one shown, made from it (never over an existing plan)."""
    now = clock()
    source_id = chosen_plan_id(engine, year=asked_year(request), now=now,
                               organisation=coordinator.organisation)  # fmt: skip
    year = load_plan(engine, source_id).plan.year
    config = coordinator.config
    report = rollover_preview(engine, config, source_id=source_id, year=year + 1)
    if report.exists:
        return plan_page_response(request, coordinator, engine, now=now, year=year, status=409,
                                  error_title="Planen kunde inte skapas",
                                  errors=[f"Planen för {year + 1} finns redan; inget ändrades. "
                                          "Välj den i årsväljaren."])  # fmt: skip
    if not confirmed(form):
        return preview_page(
            request, coordinator, _rollover_preview(request, report), current="/plan"
        )
    try:
        done = roll_over(engine, config, source_id=source_id, year=year + 1, now=now)
    except UsageError as exc:  # made meanwhile, in another tab
        return plan_page_response(request, coordinator, engine, now=now, year=year, status=409,
                                  error_title="Planen kunde inte skapas", errors=[str(exc)])  # fmt: skip
    feeds.recheck_now()
    lines = [f"Planen för {done.target_year} är skapad från {done.source_year} (utan "
             f"uppföljningstexter): {count(done.occurrences, *ITEMS)}."]  # fmt: skip
    lines += [f"Obs: När «{when}» för «{title}» ger inga datum {done.target_year}: skriv om den "
              "för det nya året." for title, when in done.undated]  # fmt: skip
    return plan_page_response(request, coordinator, engine, now=now, year=done.target_year,
                              done=lines)  # fmt: skip
