"""A reminder (or a change notice) rendered when it is claimed for sending, from the data as it
is then.

The planning stores who gets a reminder, when, and its subject; the bodies (and the answer links
of the held/done questions) and the .ics are made here, just before sending, so a meeting whose
place or agenda changed since goes out as it is now. The plan's schedule is computed once per
state of the plan (its revision and its occurrences) for all rows of a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.exc import NoResultFound

from scheduler.base.errors import NotFoundError
from scheduler.feeds.ical import PUBLISH, Attendee
from scheduler.model.mail import (
    MailKind,
    OutboxMail,
    RenderedEmail,
    change_known_start,
    is_change,
    rendered_at_claim,
)
from scheduler.model.occurrence import Occurrence
from scheduler.reminders.changes import render_change
from scheduler.reminders.planning import MailContext, UnknownKind, render_digest, render_reminder
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule
from scheduler.services.refresh import mail_context, plan_schedule
from scheduler.services.review import review_findings
from scheduler.settings.model import Settings
from scheduler.store.occurrences import list_occurrences, schedule_state
from scheduler.store.plans import plan_organisation

# Schedules kept by a renderer that outlives a pass (the one of `scheduler serve`'s runner).
KEPT_PLANS = 64


@dataclass(frozen=True)
class MailContent:
    email: RenderedEmail
    attachment: str | None  # .ics text
    method: str = PUBLISH  # the attached VCALENDAR's METHOD
    filename: str | None = None  # else named by the row's kind


class Gone(Exception):
    """The row's meeting, task or measure no longer exists: the reason, in Swedish."""


@dataclass(frozen=True)
class _PlanState:
    schedule: PlanSchedule
    measures: dict[int, MeasureSchedule]
    occurrences: dict[int, Occurrence]


@dataclass
class ReminderRenderer:
    """Renders claimed rows. Its cache (each plan's schedule, by the plan's state; each
    organisation's mail context) lives as long as it does: one pass, or all the passes of
    `scheduler serve`'s runner, so a pass of a few rows does not compute the schedule anew."""

    engine: Engine
    config: Settings
    _contexts: dict[str, MailContext] = field(default_factory=dict)  # by organisation
    _plans: dict[int, tuple[str, _PlanState]] = field(default_factory=dict)
    _organisations: dict[int, str] = field(default_factory=dict)  # by plan id

    def content(self, row: OutboxMail, *, plan_state: str | None = None) -> MailContent:
        """What to send for `row`: as stored when it was rendered ahead (a follow-up email), else
        rendered now: a reminder from its occurrence, a digest from the weeks it covers. Raises
        Gone when that is no more. `plan_state`: the plan's `schedule_state` when the caller
        has just read it (in the claim's transaction), else it is read here."""
        if not rendered_at_claim(row.body_text, row.body_html):
            return MailContent(
                RenderedEmail(row.subject, row.body_text, row.body_html), row.attachment
            )
        if row.kind == MailKind.DIGEST:
            return self._digest(row)
        if row.plan_id is None or row.occurrence_id is None:
            raise Gone("Mötet eller uppgiften finns inte längre.")
        state = self._state(row.plan_id, plan_state)
        occurrence = state.occurrences.get(row.occurrence_id)
        if occurrence is None:
            raise Gone("Mötet eller uppgiften finns inte längre.")
        item = state.measures.get(occurrence.measure_id)
        if item is None:
            raise Gone("Åtgärden finns inte längre i planen.")
        if is_change(row.kind):  # a move or cancellation, told as the occurrence is now
            change = render_change(item, occurrence, change_known_start(row.key),
                                   Attendee(row.recipient, row.role),
                                   self._mail_context(state.schedule).config)  # fmt: skip
            return MailContent(change.email, change.calendar, change.method, change.filename)
        findings = self._findings(state.schedule) if item.is_plan_task else None
        try:
            email, attachment = render_reminder(
                item,
                occurrence,
                row.kind,
                self._mail_context(state.schedule),
                lead_days=row.lead_days,
                findings=findings,
            )
        except UnknownKind:
            raise Gone(f"Okänd sorts påminnelse: {row.kind}.") from None
        return MailContent(email, attachment)

    def _findings(self, schedule: PlanSchedule) -> list[str]:
        """What `scheduler check` reports about the plan now, one line each."""
        found = review_findings(schedule, self._mail_context(schedule).config)
        return [f"{f.area} › {f.measure}: {f.message}" if f.measure else f.message for f in found]

    def sender_name(self, row: OutboxMail) -> str | None:
        """The name mail is sent in: with several districts and no [email] from_name, the
        row's plan's organisation, so a role that serves two districts sees which one writes.
        None: the installation's one name."""
        if self.config.email.from_name or not self.config.several_organisations:
            return None
        if row.plan_id is None:
            return None
        if row.plan_id not in self._organisations:
            try:
                self._organisations[row.plan_id] = plan_organisation(self.engine, row.plan_id)
            except NotFoundError:
                return None
        return self._organisations[row.plan_id]

    def _digest(self, row: OutboxMail) -> MailContent:
        """A role's weekly digest, from what is coming as the week begins."""
        if row.plan_id is None:
            raise Gone("Planen finns inte längre.")
        iso_year, _, iso_week = row.key.rpartition("|")[2].partition("-W")
        monday = date.fromisocalendar(int(iso_year), int(iso_week), 1)
        state = self._state(row.plan_id)
        email = render_digest(state.schedule, state.occurrences.values(),
                              self._mail_context(state.schedule), role=row.role, monday=monday)  # fmt: skip
        if email is None:
            raise Gone("Inget är på gång de närmaste veckorna längre.")
        return MailContent(email, None)

    def _mail_context(self, schedule: PlanSchedule) -> MailContext:
        """The plan's organisation's: its name and roles. Made once per organisation, and only
        when a row needs it (the link key)."""
        organisation = schedule.stored.plan.organisation
        if organisation not in self._contexts:
            config = self.config.for_organisation(organisation)
            self._contexts[organisation] = mail_context(self.engine, config)
        return self._contexts[organisation]

    def _state(self, plan_id: int, known: str | None = None) -> _PlanState:
        try:
            current = known or schedule_state(self.engine, plan_id=plan_id)
        except NoResultFound:
            raise Gone("Planen finns inte längre.") from None
        cached = self._plans.get(plan_id)
        if cached is not None and cached[0] == current:
            return cached[1]
        schedule = plan_schedule(self.engine, self.config, plan_id=plan_id)
        state = _PlanState(
            schedule,
            {item.stored.id: item for item in schedule.measures},
            {o.id: o for o in list_occurrences(self.engine, plan_id=plan_id) if o.id is not None},
        )
        self._plans.pop(plan_id, None)
        self._plans[plan_id] = (current, state)
        while len(self._plans) > KEPT_PLANS:  # the plan used longest ago goes first
            del self._plans[next(iter(self._plans))]
        return state
