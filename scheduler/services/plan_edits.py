"""Editing the plan in place: a measure's texts, measures added, removed and moved, areas added
and renamed, and an earlier revision restored.

Every edit is the plan's whole contents (`scheduler.model.plan_contents.PlanContents`) saved as
an import saves a file: one transaction that stores the contents, re-plans the occurrences and
reminders (the past left alone) and writes a revision with who and when. A preview runs the very
same transaction and rolls it back, so what it shows is what saving would do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine

from scheduler.base.text_safety import describe_control_character
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus
from scheduler.model.plan_contents import (
    TEXT_FIELDS,
    MeasureChange,
    PlanContents,
    area_changes,
    changes_between,
    contents_from_json,
    contents_to_json,
)
from scheduler.plan.files.limits import ReadLimits
from scheduler.plan.review import lexicon_for
from scheduler.plan.roles import read_responsibility
from scheduler.services.refresh import mail_context, replan, settings_for_plan
from scheduler.settings.model import Settings
from scheduler.store.engine import write_transaction
from scheduler.store.occurrences import SyncResult, list_occurrences
from scheduler.store.plan_contents import (
    Revision as Revision,
)
from scheduler.store.plan_contents import (
    add_revision,
    latest_revision,
    load_plan_contents,
    revision_of,
    revisions,
    store_contents,
)

# An edit: the plan's contents as stored, to the contents wanted.
Edit = Callable[[PlanContents], PlanContents]
# Who saved the state the history starts from: the plan as imported, before the first edit.
IMPORTED = ""
TITLE_CHARS = 500


@dataclass(frozen=True)
class MeetingChange:
    """A meeting or task from now on that a save adds, moves or cancels."""

    title: str
    kind: OccurrenceKind
    start: datetime
    what: str  # "ny", "flyttad" or "inställd"
    moved_from: datetime | None = None


@dataclass(frozen=True)
class EditOutcome:
    """What a save did, or (a preview) would do."""

    saved: bool
    changed: bool
    revision: int | None = None
    synced: SyncResult = field(default_factory=lambda: SyncResult(0, 0, 0, 0))
    measures: list[MeasureChange] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    meetings: list[MeetingChange] = field(default_factory=list)
    told: list[str] = field(default_factory=list)


class _Preview(Exception):
    """Raised inside the transaction to roll it back with what it did."""

    def __init__(self, outcome: EditOutcome) -> None:
        self.outcome = outcome


def contents_of(engine: Engine, plan_id: int) -> PlanContents:
    return load_plan_contents(engine, plan_id)


def revisions_of(engine: Engine, plan_id: int) -> list[Revision]:
    """The plan's revisions, newest first."""
    return revisions(engine, plan_id)


def revision(engine: Engine, plan_id: int, number: int) -> Revision:
    return revision_of(engine, plan_id, number)


def checked_texts(
    texts: dict[str, str], limits: ReadLimits
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The texts as an import keeps them (line breaks as \\n, trimmed at both ends) and the
    refusals (form field, Swedish message naming the field); `texts` by form name."""
    labels = {form: label for form, _, label in TEXT_FIELDS} | {"rubrik": "Rubrik"}
    kept: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for name, value in texts.items():
        label = labels[name]
        text = value.replace("\r\n", "\n").replace("\r", "\n")
        most = TITLE_CHARS if name == "rubrik" else limits.max_text_chars
        if problem := describe_control_character(text):
            errors.append((name, f"{label}: texten har ett {problem}. Skriv om den utan det tecknet."))  # fmt: skip
        elif len(text.strip()) > most:
            errors.append((name, f"{label}: {len(text.strip())} tecken; högst {most} får plats."))
        kept[name] = text.strip()
    if "rubrik" in kept and not kept["rubrik"]:
        errors.append(("rubrik", "Rubrik: skriv en rubrik för åtgärden."))
    return kept, errors


def checked_area_name(
    name: str, contents: PlanContents, *, area_id: int | None = None
) -> str | None:
    """Why `name` cannot be an area's name (Swedish), or None."""
    if not name:
        return "Namn: skriv ett namn på området."
    if problem := describe_control_character(name):
        return f"Namn: texten har ett {problem}. Skriv om den utan det tecknet."
    if len(name) > TITLE_CHARS:
        return f"Namn: {len(name)} tecken; högst {TITLE_CHARS} får plats."
    if any(area.name == name and area.id != area_id for area in contents.areas):
        return f"Namn: planen har redan ett område som heter «{name}». Välj ett annat namn."
    return None


def save_contents(
    engine: Engine,
    config: Settings,
    *,
    plan_id: int,
    edit: Edit,
    author: str,
    note: str,
    now: datetime,
    confirmed: bool = True,
) -> EditOutcome:
    """The plan's contents changed by `edit`, stored, re-planned and written as a revision, in
    one transaction. `edit` is given the contents as they are inside the transaction, so two
    coordinators saving at once each change only what they edited (neither undoes the other's
    save with what their page showed). Not `confirmed`: the same work, rolled back, and what it
    would do returned (nothing changes)."""
    context = mail_context(engine, settings_for_plan(engine, config, plan_id=plan_id))
    try:
        with write_transaction(engine) as connection:
            before = load_plan_contents(connection, plan_id)
            _record_imported_state(connection, plan_id, before, now=now)
            occurrences_before = list_occurrences(connection, plan_id=plan_id)
            if not store_contents(connection, plan_id, edit(before), now=now):
                # Nothing to save: not even the imported state is kept.
                raise _Preview(EditOutcome(saved=confirmed, changed=False))
            synced = replan(connection, context, plan_id=plan_id, now=now)
            after = load_plan_contents(connection, plan_id)
            number = add_revision(connection, plan_id, author=author, note=note,
                                  snapshot=contents_to_json(after), now=now)  # fmt: skip
            meetings, told = _meetings_changed(
                occurrences_before, list_occurrences(connection, plan_id=plan_id),
                before, after, context.config, now=now,
            )  # fmt: skip
            outcome = EditOutcome(confirmed, True, number, synced, changes_between(before, after),
                                  area_changes(before, after), meetings, told)  # fmt: skip
            if not confirmed:
                raise _Preview(outcome)
            return outcome
    except _Preview as preview:
        return preview.outcome


def restore(
    engine: Engine,
    config: Settings,
    *,
    plan_id: int,
    number: int,
    author: str,
    now: datetime,
    confirmed: bool = True,
) -> EditOutcome:
    """The plan as it was at revision `number`, saved as a new revision."""
    earlier = contents_from_json(revision_of(engine, plan_id, number).snapshot)
    return save_contents(engine, config, plan_id=plan_id, edit=lambda _: earlier, author=author,
                         note=f"Återställde version {number}", now=now, confirmed=confirmed)  # fmt: skip


def _record_imported_state(
    connection: Connection, plan_id: int, current: PlanContents, *, now: datetime
) -> None:
    """Before the first edit, and after an import changed the plan since the last one, the
    plan as it stands is kept as a revision of its own: the history can go back to it."""
    snapshot = contents_to_json(current)
    latest = latest_revision(connection, plan_id)
    if latest is None or latest.snapshot != snapshot:
        note = "Planen som den var före ändringarna i arbetsytan" if latest is None else \
            "Planen efter en uppladdning eller import"  # fmt: skip
        add_revision(connection, plan_id, author=IMPORTED, note=note, snapshot=snapshot, now=now)


def _meetings_changed(
    before: list[Occurrence],
    after: list[Occurrence],
    old: PlanContents,
    new: PlanContents,
    config: Settings,
    *,
    now: datetime,
) -> tuple[list[MeetingChange], list[str]]:
    """The meetings and tasks from now on that are new, moved or cancelled, and who hears of it."""
    titles = {
        item.id: item.measure.title for c in (old, new) for a in c.areas for item in a.measures
    }
    was = {o.uid: o for o in before if o.status == OccurrenceStatus.PLANNED and o.start >= now}
    out: list[MeetingChange] = []
    measures: set[int] = set()
    for o in after:
        if o.start < now and o.uid not in was:
            continue
        title = titles.get(o.measure_id)
        if title is None:  # the plan's own task
            continue
        earlier = was.get(o.uid)
        if o.status != OccurrenceStatus.PLANNED:
            if earlier is not None:
                out.append(MeetingChange(title, o.kind, earlier.start, "inställd"))
                measures.add(o.measure_id)
        elif earlier is None:
            out.append(MeetingChange(title, o.kind, o.start, "ny"))
            measures.add(o.measure_id)
        elif earlier.start != o.start:
            out.append(MeetingChange(title, o.kind, o.start, "flyttad", earlier.start))
            measures.add(o.measure_id)
    out.sort(key=lambda change: change.start)
    told = []
    if out:
        told.append("Alla som prenumererar på planens kalendrar ser ändringarna vid nästa "
                    "hämtning; inställda möten visas som inställda.")  # fmt: skip
        lexicon = lexicon_for(config)
        conveners = {
            read_responsibility(item.measure.responsible_text, lexicon,
                                explicit_convener=item.measure.convener).convener
            for c in (old, new) for a in c.areas for item in a.measures if item.id in measures
        }  # fmt: skip
        for name in sorted(name for name in conveners if name):
            role = config.role(name)
            who = f"{name} ({role.email})" if role is not None and role.email else name
            told.append(f"{who}: påminnelserna följer de nya datumen; påminnelser om inställda "
                        "möten skickas inte.")  # fmt: skip
    return out, told
