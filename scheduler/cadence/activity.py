"""Is a recurring item a meeting (a time and a room) or a task (something due on a day)?

Decided by keywords: the När text first (it is the most specific: "Möten 4 ggr/år"), then the
measure's title, then its action. Within one text the keyword that comes first wins, because the
head noun of a Swedish phrase usually comes first ("Möte för att ta fram en kartläggning").
Nothing found: a meeting, the common case in a collaboration plan.
"""

from __future__ import annotations

import re
from typing import Final

from scheduler.base.caches import memo
from scheduler.base.swedish import LETTER_RUN
from scheduler.base.swedish import LETTERS as _L
from scheduler.model.occurrence import OccurrenceKind

# Work that is delivered, not attended. Long stems also match inside compounds
# ("informationsutskick", "trygghetsenkät").
_TASK = re.compile(
    rf"(?<![{_L}]){LETTER_RUN}?(?:nyhetsbrev|utskick|enkät|survey|kartläggning|kartlägga|implementer"
    rf"|rapport|sammanställ|redovis|inventer|publicer|informationsblad|nyhetsmejl|uppdatera"
    rf"|revider|utvärder|analys|ansökan|upphandl|beställ|lägesbild|affisch|kampanj)"
    rf"|(?<![{_L}])(?:skicka|ta\s+fram|påbörja|starta|införa|ta\s+in)(?![{_L}])"
)
# Things people attend. "råd" and "est" only as whole words or known compounds: "område" and
# "bestämma" must not count.
_MEETING = re.compile(
    rf"(?<![{_L}]){LETTER_RUN}?(?:möte|möten|mötet|mötena|träff|forum|nätverk|vandring|avstämning"
    rf"|styrgrupp|arbetsgrupp|referensgrupp|workshop|seminari|konferens|dialog|samråd"
    rf"|sammanträd|utbildning|föreläsning|samverkan|samverkansforum|säkerhetsråd|trygghetsråd"
    rf"|pensionärsråd|funktionshinderråd|besök)"
    rf"|(?<![{_L}])(?:råd|rådet|råden|ssp|est)(?![{_L}])"
)


def activity_kind(
    when: str, title: str = "", action: str = "", override: str | None = None
) -> OccurrenceKind:
    """A meeting or a task for a series; `override` (settings.kind) wins when it is valid."""
    return series_kind(text_kind(when), named_kind(title, action), override)


def text_kind(text: str) -> OccurrenceKind | None:
    """The kind the text's keywords name (the first one wins), or None."""
    return _first_keyword(text.lower())


def named_kind(title: str, action: str) -> OccurrenceKind | None:
    """The kind a measure's title, else its action, names; None when neither names one."""
    return text_kind(title) or text_kind(action)


def series_kind(
    when_kind: str | None, named: str | None, override: str | None = None
) -> OccurrenceKind:
    """`activity_kind` from what the När text (`text_kind`) and the title and action
    (`named_kind`) name, read once."""
    if override is not None and override in tuple(OccurrenceKind):
        return OccurrenceKind(override)
    return OccurrenceKind(when_kind or named or OccurrenceKind.MEETING)


def _first_keyword(low: str) -> OccurrenceKind | None:
    task = _TASK.search(low)
    meeting = _MEETING.search(low)
    if task and (meeting is None or task.start() < meeting.start()):
        return OccurrenceKind.TASK
    return OccurrenceKind.MEETING if meeting else None


def keyword_spans(low: str) -> list[tuple[int, int]]:
    """Where the meeting and task words of `low` are: the reading uses them to decide the kind."""
    return [m.span() for pattern in (_TASK, _MEETING) for m in pattern.finditer(low)]


# What a count is of, when the text counts the activity itself ("åtta tillsyner", "tre
# föräldraträffar"): each form (the noun, or the head of a compound: "föräldraträffar" ends in
# "träffar") → the kind of activity. The longest form that ends a word decides, so
# "tillsynsbesök" is an inspection though "besök" alone is a meeting. Adding a noun is a line
# here and a phrase in the corpus.
WALK: Final = "walk"
INSPECTION: Final = "inspection"
EVENT: Final = "event"
ACTIVITY_KINDS: Final = (OccurrenceKind.MEETING, WALK, INSPECTION, EVENT, OccurrenceKind.TASK)
ACTIVITY_NOUNS: Final[dict[str, str]] = {
    **dict.fromkeys(
        ("möte", "möten", "mötet", "träff", "träffar", "sammanträde", "sammanträden",
         "avstämning", "avstämningar", "workshop", "workshops", "workshoppar", "samråd",
         "dialogmöte", "dialogmöten", "medborgardialog", "medborgardialoger", "genomgång",
         "genomgångar", "sittning", "sittningar", "besök", "överläggning", "överläggningar",
         "nätverksträffar", "forumträffar", "lägesbildsmöten"),
        OccurrenceKind.MEETING,
    ),
    **dict.fromkeys(
        ("vandring", "vandringar", "promenad", "promenader", "rond", "ronder",
         "trygghetsronder", "rundvandring", "rundvandringar"),
        WALK,
    ),
    **dict.fromkeys(
        ("tillsyn", "tillsyner", "tillsynsbesök", "tillsynsinsatser", "kontroll", "kontroller",
         "inspektion", "inspektioner", "besiktning", "besiktningar", "kontrollköp",
         "krogbesök", "restaurangbesök"),
        INSPECTION,
    ),
    **dict.fromkeys(
        ("seminarium", "seminarier", "seminarie", "föreläsning", "föreläsningar", "utbildning",
         "utbildningar", "utbildningstillfälle", "utbildningstillfällen", "konferens",
         "konferenser", "temadag", "temadagar", "aktivitet", "aktiviteter", "evenemang",
         "insats", "insatser", "kurs", "kurser", "föräldrakväll", "föräldrakvällar",
         "temakväll", "temakvällar", "informationskväll", "informationskvällar",
         "informationsträff", "informationsträffar", "mässa", "mässor", "festival",
         "festivaler", "lovaktivitet", "lovaktiviteter"),
        EVENT,
    ),
    **dict.fromkeys(
        ("utskick", "nyhetsbrev", "nummer", "rapport", "rapporter", "enkät", "enkäter",
         "mätning", "mätningar", "kampanj", "kampanjer", "kartläggning", "kartläggningar"),
        OccurrenceKind.TASK,
    ),
}  # fmt: skip
_LONGEST_NOUN: Final = max(len(form) for form in ACTIVITY_NOUNS)


@memo("cadence.activity_of")  # words repeat across a plan's När texts
def activity_of(word: str) -> str | None:
    """The kind of activity a noun names (the word, or its compound's head), else None."""
    word = word.lower()
    for start in range(max(0, len(word) - _LONGEST_NOUN), len(word)):
        kind = ACTIVITY_NOUNS.get(word[start:])
        if kind is not None:
            return kind
    return None


_LETTER_WORD = re.compile(rf"[{_L}]+")


def activity_spans(low: str) -> list[tuple[int, int]]:
    """Where the activity nouns of `low` are: the reading uses them to say what is counted."""
    return [m.span() for m in _LETTER_WORD.finditer(low) if activity_of(m.group()) is not None]
