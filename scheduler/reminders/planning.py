"""Which emails the schedule calls for, with when each is due, and how each is rendered. Pure.

Planning covers a window: what is due before the planning horizon (`ReminderSettings.horizon`)
and still of use; later refreshes plan the rest as the horizon moves.
Planning makes a reminder's subject only (what `remind list` shows and what tells a change);
`render_reminder` makes its bodies and .ics when the dispatcher claims it, from the data as it is
then. The weekly digest is still rendered whole when it is planned.

Per meeting, to the convener: reminders N days before (default 14 and 2) at the send time, and
after it one question: was it held? Per task: 28 days before when its period is long, 7 when short,
and on the day; after the due day one question: was it done? Optionally a weekly digest per role.
The key of a reminder names the occurrence, the kind and the start it was made for: a moved
meeting gets new reminders (the old pending ones are cancelled), an unchanged one never twice.

Mail goes out on working days only (calendar.is_working_day: no weekend, holiday, julafton,
nyårsafton, midsommarafton or blackout day). A reminder before something that would fall on a
closed day goes out on the working day before, never after what it is for (two leads that land on
the same day become one, the longer); a question after it waits for the next working day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from scheduler.base.links import LinkSigner
from scheduler.base.text import one_line
from scheduler.base.time import STOCKHOLM
from scheduler.cadence import CalendarPolicy
from scheduler.cadence.calendar import working_day_after, working_day_before
from scheduler.cadence.policy import canonical
from scheduler.feeds.content import event_for, summary
from scheduler.feeds.ical import PUBLISH, Attendee, FeedHeader, render_events
from scheduler.mail.render import render_email, render_subject
from scheduler.model.mail import MailKind, PlannedMail, RenderedEmail, reminder_key, subject_only
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus
from scheduler.model.stored import PlanState
from scheduler.reminders.settings import ReminderSettings
from scheduler.schedule.occurrences import MeasureSchedule, PlanSchedule
from scheduler.settings.model import RoleConfig, Settings

ANSWER_PURPOSE = "answer"
HELD, NOT_HELD, DONE, NOT_DONE = "held", "cancelled", "done", "not_done"


@dataclass(frozen=True)
class MailContext:
    """What every reminder needs besides the schedule."""

    config: Settings
    settings: ReminderSettings
    signer: LinkSigner

    @cached_property
    def policy(self) -> CalendarPolicy:
        """The calendar policy, for which days are working days. The canonical one: the working
        days are cached by policy, and an equal but other object compares every field."""
        return canonical(CalendarPolicy.from_section(self.config.calendar))


def _at(day: date, context: MailContext) -> datetime:
    return datetime.combine(day, context.settings.send_time, tzinfo=STOCKHOLM)


class _SendDays:
    """When mail goes out, by day, for one planning pass: the send time on a day or the working
    day before it, and the next working day. A plan's reminders ask about the same few hundred
    days tens of thousands of times; kept per `planned_mails` call (one context, so one policy
    and send time), never beyond it."""

    def __init__(self, context: MailContext) -> None:
        self._context = context
        self._before: dict[date, datetime] = {}
        self._after: dict[date, date] = {}

    def on_or_before(self, day: date) -> datetime:
        """The send time on `day`, or on the working day before it."""
        due = self._before.get(day)
        if due is None:
            due = self._before[day] = _at(
                working_day_before(day, self._context.policy), self._context
            )
        return due

    def next_working(self, day: date) -> date:
        """`day` when it is a working day, else the next working day."""
        found = self._after.get(day)
        if found is None:
            found = self._after[day] = working_day_after(day, self._context.policy)
        return found


def _before(day: date, start: datetime, days: _SendDays) -> datetime:
    """Send time on `day`, or on the working day before it; always before `start`."""
    due = days.on_or_before(day)
    while due >= start:
        due = days.on_or_before(due.date() - timedelta(days=1))
    return due


def _after(moment: datetime, context: MailContext, days: _SendDays) -> datetime:
    """`moment` if it is on a working day, else the send time of the next working day."""
    day = _local_day(moment)
    working = days.next_working(day)
    if working == day:
        return moment
    return _at(working, context)


def _one_per_due(
    leads: tuple[int, ...], due: Callable[[int], datetime]
) -> list[tuple[int, datetime]]:
    """Each lead with its due time; of leads due at the same time only the longest is kept."""
    seen: dict[datetime, int] = {}
    for days in sorted(leads, reverse=True):
        seen.setdefault(due(days), days)
    return sorted(((days, moment) for moment, days in seen.items()), reverse=True)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(STOCKHOLM).date()


def answer_link(context: MailContext, row: Occurrence, answer: str) -> str:
    expires = row.end + timedelta(days=context.settings.link_days)
    token = context.signer.sign({"uid": row.uid, "answer": answer}, expires=expires)
    return f"{context.config.base_url}/svar/{token}"


def mail_facts(item: MeasureSchedule, row: Occurrence, config: Settings) -> dict[str, Any]:
    """What every email about one meeting or task shows of it (the templates' shared context)."""
    measure = item.stored.measure
    who = item.responsibility
    return {
        "organisation": config.organisation.name or item.stored.area,
        "role": who.convener,
        "title": measure.title,
        "series": row.series_label,
        "summary": summary(item, row.series_label, row.kind, False),
        "area": item.stored.area,
        "action": measure.action,
        "when_text": measure.when_text,
        "responsible_text": measure.responsible_text,
        "participants": [r for r in who.participants if r != who.convener],
        "start": row.start,
        "end": row.end,
        "all_day": row.all_day,
        "location": row.location,
        "uid": row.uid,
        "kind": row.kind,  # a meeting or a task: the wording differs
        "findings": None,  # the plan's check, in the reminders to hand the plan in
    }


def calendar_file(
    item: MeasureSchedule,
    row: Occurrence,
    config: Settings,
    *,
    method: str = PUBLISH,
    attendees: tuple[Attendee, ...] = (),
) -> str:
    """The occurrence as an .ics to attach: as in the feeds (UID, SEQUENCE, DTSTAMP, ORGANIZER),
    a copy to keep (PUBLISH) or an update of the entry in the recipient's calendar (REQUEST,
    CANCEL: iTIP, with the recipient as ATTENDEE)."""
    # One line each: calendar-level properties take no line breaks (a workbook title may have one).
    header = FeedHeader(
        name=one_line(item.stored.measure.title),
        description=one_line(f"{item.stored.measure.title} ({item.stored.area})"),
        organizer_name=one_line(config.organisation.name or "Åtgärdsplanen"),
        organizer_email=config.organisation.email,
        refresh=timedelta(hours=config.feeds.refresh_hours),
        method=method,
    )
    event = replace(event_for(item, row, None), attendees=attendees)
    return render_events(header, [event]).decode("utf-8")


def _attachment(item: MeasureSchedule, row: Occurrence, config: Settings) -> str:
    return calendar_file(item, row, config)


def _series_gaps(rows: Iterable[Occurrence]) -> dict[int, timedelta | None]:
    """For each occurrence, the time since the previous one of its series (None: the first)."""
    by_series: dict[tuple[int, str], list[Occurrence]] = defaultdict(list)
    for row in rows:
        by_series[(row.measure_id, row.series_label)].append(row)
    gaps: dict[int, timedelta | None] = {}
    for series in by_series.values():
        series.sort(key=lambda r: r.start)
        for index, row in enumerate(series):
            assert row.id is not None
            gaps[row.id] = row.start - series[index - 1].start if index else None
    return gaps


class UnknownKind(ValueError):
    """An outbox kind that is no reminder this version renders."""


def _content_for(kind: str, lead_days: int | None, row: Occurrence, context: MailContext, *,
                 links: bool) -> tuple[str, dict[str, Any], bool]:  # fmt: skip
    """A reminder kind's template, what it adds to the shared context, and whether the
    occurrence goes along as an .ics. The answer links are signed only when `links`: the body
    needs them, the subject does not."""
    if kind == MailKind.MEETING_REMINDER and lead_days is not None:
        return "meeting_reminder", {"days_before": lead_days}, True
    if kind == MailKind.TASK_REMINDER and lead_days is not None:
        return "task_reminder", {"days_before": lead_days}, lead_days > 0
    if kind == MailKind.HELD_QUESTION:
        extra = ({"held_link": answer_link(context, row, HELD),
                  "cancelled_link": answer_link(context, row, NOT_HELD)} if links else {})  # fmt: skip
        return "held_question", extra, False
    if kind == MailKind.TASK_DONE_QUESTION:
        extra = ({"done_link": answer_link(context, row, DONE),
                  "not_done_link": answer_link(context, row, NOT_DONE)} if links else {})  # fmt: skip
        return "task_done_question", extra, False
    raise UnknownKind(kind)


def reminder_subject(
    item: MeasureSchedule,
    row: Occurrence,
    kind: str,
    context: MailContext,
    *,
    lead_days: int | None = None,
    facts: dict[str, Any] | None = None,
) -> str:
    """The subject alone (one line, cheap): what the planning stores and compares. `lead_days`:
    a reminder ahead's days ahead. `facts`: `mail_facts` of the occurrence, when the caller has
    them (its other reminders share them)."""
    template, extra, _attach = _content_for(kind, lead_days, row, context, links=False)
    shared = facts if facts is not None else mail_facts(item, row, context.config)
    return render_subject(template, {**shared, **extra})


def render_reminder(
    item: MeasureSchedule,
    row: Occurrence,
    kind: str,
    context: MailContext,
    *,
    lead_days: int | None = None,
    findings: Sequence[str] | None = None,
) -> tuple[RenderedEmail, str | None]:
    """The whole reminder, from the occurrence as it is now: subject, bodies and, for a meeting or
    a task ahead, its .ics. Made when the email is claimed for sending, not when it is planned.
    `findings`: what `scheduler check` reports, for the reminders to hand the plan in."""
    template, extra, attach = _content_for(kind, lead_days, row, context, links=True)
    if findings is not None:
        extra = {**extra, "findings": list(findings)}
    email = render_email(template, {**mail_facts(item, row, context.config), **extra})
    return email, _attachment(item, row, context.config) if attach else None


@dataclass(frozen=True)
class _Occurrence:
    """One occurrence with what its mails share; `mail` makes one of them."""

    item: MeasureSchedule
    row: Occurrence
    role: RoleConfig
    context: MailContext

    @cached_property
    def facts(self) -> dict[str, Any]:
        return mail_facts(self.item, self.row, self.context.config)

    def mail(self, kind: MailKind, due: datetime, until: datetime | None,
             lead_days: int | None = None) -> PlannedMail:  # fmt: skip
        """Who gets it, when, and its subject; the bodies are rendered at claim."""
        row = self.row
        subject = reminder_subject(self.item, row, kind, self.context, lead_days=lead_days,
                                   facts=self.facts)  # fmt: skip
        return PlannedMail(
            key=reminder_key(row, kind, lead_days), kind=kind, occurrence_id=row.id,
            role=self.role.name, recipient=self.role.email or "", due_at=due, useful_until=until,
            email=subject_only(subject), attachment=None, lead_days=lead_days,
        )  # fmt: skip


def _meeting_mails(
    one: _Occurrence, leads: tuple[int, ...], window: _PlanningHorizon, days: _SendDays
) -> list[PlannedMail]:
    row, context = one.row, one.context
    day = _local_day(row.start)
    if leads and _before(day - timedelta(days=max(leads)), row.start, days) >= window.until:
        # The longest lead is the earliest of its mails (the held question comes after it):
        # nothing of this meeting is due within the window. Most of a year's meetings, cheaply.
        return []
    dues = _one_per_due(leads, lambda lead: _before(day - timedelta(days=lead), row.start, days))
    # Only what the window holds is made (its subject rendered): the rest comes with a later
    # refresh, or has had its time.
    mails = [
        one.mail(MailKind.MEETING_REMINDER, due, row.start, lead)
        for lead, due in dues if window.holds(due, row.start)
    ]  # fmt: skip
    if context.settings.held_question:
        asked = _after(row.end + timedelta(hours=1), context, days)
        useful = row.end + timedelta(days=context.settings.link_days)
        if window.holds(asked, useful):
            mails.append(one.mail(MailKind.HELD_QUESTION, asked, useful))
    return mails


def _task_mails(
    one: _Occurrence, leads: tuple[int, ...], window: _PlanningHorizon, days: _SendDays
) -> list[PlannedMail]:
    row, context = one.row, one.context
    day = _local_day(row.start)
    end = row.start + timedelta(days=1)
    if leads and _before(day - timedelta(days=max(leads)), end, days) >= window.until:
        return []  # as for a meeting: its earliest mail is beyond the window
    dues = _one_per_due(leads, lambda lead: _before(day - timedelta(days=lead), end, days))
    mails = [
        one.mail(MailKind.TASK_REMINDER, due, end, lead)
        for lead, due in dues if window.holds(due, end)
    ]  # fmt: skip
    if context.settings.held_question:
        overdue = _at(day + timedelta(days=context.settings.overdue_days), context)
        asked = _after(overdue, context, days)
        useful = row.end + timedelta(days=context.settings.link_days)
        if window.holds(asked, useful):
            mails.append(one.mail(MailKind.TASK_DONE_QUESTION, asked, useful))
    return mails


class _OwnLeads:
    """The plan file's reminder days of a series (None: config's leads), for one planning pass:
    the same series has many rows, and its settings are merged anew at every ask."""

    def __init__(self) -> None:
        self._found: dict[tuple[int, str], tuple[int, ...] | None] = {}

    def __call__(self, item: MeasureSchedule, label: str) -> tuple[int, ...] | None:
        key = (item.stored.id, label)
        if key not in self._found:
            self._found[key] = item.stored.measure.schedule.for_series(label).reminder_days
        return self._found[key]


@dataclass(frozen=True)
class _PlanningHorizon:
    """Which reminders a refresh at `now` plans: those due before `until` (the planning horizon)
    and still of use at `now`."""

    now: datetime
    until: datetime

    def holds(self, due: datetime, useful_until: datetime | None) -> bool:
        return due < self.until and (useful_until is None or useful_until > self.now)


def planned_mails(
    schedule: PlanSchedule, rows: list[Occurrence], context: MailContext, *, now: datetime,
    until: datetime,
) -> list[PlannedMail]:  # fmt: skip
    """The reminders the schedule calls for that are due before `until` (the planning horizon,
    `ReminderSettings.horizon`) and still of use at `now`. Only these are made (their subjects
    rendered): later ones come with a later refresh, so a plan keeps weeks of rows in the outbox,
    not a year's; one whose time has passed (a plan imported in March has January behind it)
    would only be skipped."""
    window = _PlanningHorizon(now, until)
    days = _SendDays(context)
    by_measure = {item.stored.id: item for item in schedule.measures}
    if (
        schedule.stored.state != PlanState.DRAFT
    ):  # handed in: its hand-in task needs no more reminders
        by_measure = {key: item for key, item in by_measure.items() if not item.is_plan_task}
    settings = context.settings
    gaps = _series_gaps(r for r in rows if r.status != OccurrenceStatus.CANCELLED)
    mails: list[PlannedMail] = []
    roles: dict[str, RoleConfig | None] = {}  # by convener: a plan has few, and many rows
    own_leads = _OwnLeads()
    for row in rows:
        item = by_measure.get(row.measure_id)
        if item is None or row.status == OccurrenceStatus.CANCELLED or row.id is None:
            continue
        convener = item.responsibility.convener
        if convener and convener not in roles:
            roles[convener] = context.config.role(convener)
        role = roles[convener] if convener else None
        if role is None or not role.email:
            continue  # `scheduler check` reports a convener without an address
        one = _Occurrence(item, row, role, context)
        override = own_leads(item, row.series_label)
        single = settings.digest != "instead"  # with "instead", the digest replaces the leads
        if row.kind == OccurrenceKind.MEETING:
            leads = override if override is not None else settings.meeting_days
            mails += _meeting_mails(one, leads if single else (), window, days)
        else:
            gap = gaps.get(row.id)
            long = gap is None or gap >= timedelta(days=settings.long_period_days)
            default = settings.task_long_days if long else settings.task_short_days
            leads = override if override is not None else default
            mails += _task_mails(one, leads if single else (), window, days)
    if settings.digest != "off":
        mails += _digests(schedule, rows, context, window, days)
    return mails


def _digests(
    schedule: PlanSchedule,
    rows: list[Occurrence],
    context: MailContext,
    window: _PlanningHorizon,
    days: _SendDays,
) -> list[PlannedMail]:
    """Monday 08:00 (send time) per convening role: what is coming in the next weeks. Planned
    with its subject only; `render_digest` makes it from the schedule as it is when claimed."""
    mails = []
    year = schedule.stored.plan.year
    monday = date(year, 1, 1) - timedelta(days=date(year, 1, 1).weekday())
    roles = {role.name: role for role in _digest_roles(schedule, context)}
    while monday.year <= year:
        start = _at(monday, context)
        # On a closed Monday (annandag påsk, in the Christmas blackout) the working day before.
        due = days.on_or_before(monday)
        if due >= window.until:
            break
        if not window.holds(due, start + timedelta(days=7)):
            monday += timedelta(days=7)
            continue
        for role in roles.values():
            entries = digest_entries(schedule, rows, context, role=role.name, monday=monday)
            if not entries:
                continue
            iso_year, iso_week, _ = monday.isocalendar()
            mails.append(PlannedMail(
                key=f"digest|{role.name}|{iso_year}-W{iso_week:02d}", kind=MailKind.DIGEST, occurrence_id=None,
                role=role.name, recipient=str(role.email), due_at=due,
                useful_until=start + timedelta(days=7),
                email=subject_only(render_subject("digest", _digest_context(role.name, monday, entries, context))),
                attachment=None,
            ))  # fmt: skip
        monday += timedelta(days=7)
    return mails


def _digest_roles(schedule: PlanSchedule, context: MailContext) -> list[RoleConfig]:
    """The convening roles with an address: those that get a digest."""
    found: dict[str, RoleConfig] = {}
    for item in schedule.measures:
        convener = item.responsibility.convener
        role = context.config.role(convener) if convener else None
        if role is not None and role.email:
            found[role.name] = role
    return list(found.values())


def digest_entries(
    schedule: PlanSchedule,
    rows: Iterable[Occurrence],
    context: MailContext,
    *,
    role: str,
    monday: date,
) -> list[dict[str, Any]]:
    """What `role` convenes in the `digest_weeks` from `monday`, in time order."""
    start = _at(monday, context)
    end = start + timedelta(weeks=context.settings.digest_weeks)
    by_measure = {item.stored.id: item for item in schedule.measures}
    coming = []
    for row in rows:
        item = by_measure.get(row.measure_id)
        if (
            item is None
            or row.status == OccurrenceStatus.CANCELLED
            or not item.responsibility.convener
        ):
            continue
        convening = context.config.role(item.responsibility.convener)
        if convening is None or convening.name != role or not start <= row.start < end:
            continue
        coming.append((row, item))
    return [{"summary": summary(i, r.series_label, r.kind, False), "start": r.start,
             "all_day": r.all_day, "area": i.stored.area}
            for r, i in sorted(coming, key=lambda pair: (pair[0].start, pair[0].uid))]  # fmt: skip


def _digest_context(
    role: str, monday: date, entries: list[dict[str, Any]], context: MailContext
) -> dict[str, Any]:
    return {"role": role, "week": monday.isocalendar()[1], "entries": entries,
            "weeks": context.settings.digest_weeks,
            "organisation": context.config.organisation.name or ""}  # fmt: skip


def render_digest(
    schedule: PlanSchedule,
    rows: Iterable[Occurrence],
    context: MailContext,
    *,
    role: str,
    monday: date,
) -> RenderedEmail | None:
    """The digest of `role` for the week of `monday`, from the schedule as it is now; None when
    nothing is coming any more."""
    entries = digest_entries(schedule, rows, context, role=role, monday=monday)
    if not entries:
        return None
    return render_email("digest", _digest_context(role, monday, entries, context))
