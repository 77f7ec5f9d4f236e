"""What the scheduler already knows about a measure's year: meetings planned, held, cancelled and
not reported; tasks done, not done, overdue. Pure. It pre-fills the follow-up form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from scheduler.base.swedish import count, noun
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus

STATUSES = {
    "genomford": "Genomförd enligt plan",
    "delvis": "Delvis genomförd",
    "ej": "Ej genomförd",
    "pagaende": "Pågående, linjearbete",
}
# Brå's follow-up colours: green done, yellow partly or ongoing, red not done.
STATUS_COLOURS = {"genomford": "C6EFCE", "delvis": "FFEB9C", "pagaende": "FFEB9C", "ej": "FFC7CE"}


@dataclass(frozen=True)
class MeasureFacts:
    meetings_planned: int = 0
    meetings_held: int = 0
    meetings_not_held: int = 0  # the convener answered: cancelled
    meetings_cancelled: int = 0  # cancelled in the schedule beforehand
    meetings_unreported: int = 0  # past, no answer
    meetings_upcoming: int = 0
    tasks_planned: int = 0
    tasks_done: int = 0
    tasks_not_done: int = 0
    tasks_overdue: int = 0  # past its day, no answer
    tasks_upcoming: int = 0

    @property
    def dated(self) -> bool:
        return bool(self.meetings_planned or self.tasks_planned or self.meetings_cancelled)

    def sentences(self) -> list[str]:
        out = []
        if self.meetings_planned or self.meetings_cancelled:
            parts = [f"{self.meetings_held} hölls"]
            if self.meetings_not_held:
                parts.append(f"{self.meetings_not_held} ställdes in")
            if self.meetings_cancelled:
                parts.append(f"{self.meetings_cancelled} ströks ur schemat")
            if self.meetings_unreported:
                parts.append(f"{self.meetings_unreported} utan rapport")
            if self.meetings_upcoming:
                parts.append(f"{self.meetings_upcoming} återstår")
            planned = count(self.meetings_planned, "planerat", "planerade")
            out.append(f"Möten: {planned}; " + ", ".join(parts) + ".")
        if self.tasks_planned:
            parts = [count(self.tasks_done, "klar", "klara")]
            if self.tasks_not_done:
                parts.append(
                    f"{self.tasks_not_done} inte {noun(self.tasks_not_done, 'klar', 'klara')}"
                )
            if self.tasks_overdue:
                parts.append(f"{count(self.tasks_overdue, 'försenad', 'försenade')} utan rapport")
            if self.tasks_upcoming:
                parts.append(f"{self.tasks_upcoming} återstår")
            planned = count(self.tasks_planned, "planerad", "planerade")
            out.append(f"Uppgifter: {planned}; " + ", ".join(parts) + ".")
        return out


def measure_facts(rows: Iterable[Occurrence], *, now: datetime) -> MeasureFacts:
    counts = dict.fromkeys(MeasureFacts.__dataclass_fields__, 0)
    for row in rows:
        if row.kind == OccurrenceKind.MEETING:
            if row.status == OccurrenceStatus.CANCELLED:
                counts["meetings_cancelled"] += 1
                continue
            counts["meetings_planned"] += 1
            if row.held is True:
                counts["meetings_held"] += 1
            elif row.held is False:
                counts["meetings_not_held"] += 1
            elif row.start < now:
                counts["meetings_unreported"] += 1
            else:
                counts["meetings_upcoming"] += 1
        else:
            if row.status == OccurrenceStatus.CANCELLED:
                continue
            counts["tasks_planned"] += 1
            if row.held is True:
                counts["tasks_done"] += 1
            elif row.held is False:
                counts["tasks_not_done"] += 1
            elif row.start < now:
                counts["tasks_overdue"] += 1
            else:
                counts["tasks_upcoming"] += 1
    return MeasureFacts(**counts)


def prefill(facts: MeasureFacts) -> str:
    """The text the form starts from: the facts, for the role to turn into an account."""
    return " ".join(facts.sentences())
