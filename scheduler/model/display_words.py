"""The Swedish words users read for the codes the system stores and compares.

Codes are stable English values (`OccurrenceKind`, `OutboxStatus`, `PlanState`); pages, emails,
the command line and calendar entries translate them here, in one place, and nowhere else.
"""

from __future__ import annotations

from typing import Final

from scheduler.model.mail import OutboxStatus
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.stored import PlanState

# "möte" or "uppgift"; capitalised where it begins a line or names a calendar category.
OCCURRENCE_KIND_WORDS: Final[dict[OccurrenceKind, str]] = {
    OccurrenceKind.MEETING: "möte",
    OccurrenceKind.TASK: "uppgift",
}
# A När's kind (`scheduler.cadence.model.Cadence.kind`), as `scheduler cadence` and the
# workspace's plan page say it.
CADENCE_KIND_WORDS: Final[dict[str, str]] = {
    "recurring": "återkommande",
    "as_needed": "vid behov",
    "continuous": "löpande",
    "deadline": "klart senast",
    "triggered": "vid händelse",
    "unspecified": "ej tolkad",
}
# An outbox row's status (the CLI's `remind list`, the workspace's /paminnelser).
OUTBOX_STATUS_WORDS: Final[dict[OutboxStatus, str]] = {
    OutboxStatus.PENDING: "väntar",
    OutboxStatus.SENDING: "skickas",
    OutboxStatus.SENT: "skickat",
    OutboxStatus.FAILED: "misslyckat",
    OutboxStatus.SKIPPED: "hoppat över",
    OutboxStatus.CANCELLED: "inställt",
}
# A plan's state through its year (the plan page, `scheduler plan`, the plan as text).
PLAN_STATE_WORDS: Final[dict[PlanState, str]] = {
    PlanState.DRAFT: "utkast",
    PlanState.HANDED_IN: "inlämnad",
    PlanState.FOLLOWED_UP: "uppföljd",
}


def kind_word(kind: str) -> str:
    """ "möte" or "uppgift" for an occurrence kind."""
    return OCCURRENCE_KIND_WORDS[OccurrenceKind(kind)]
