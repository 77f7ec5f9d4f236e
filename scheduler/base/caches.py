"""Every memo cache of the program, named here once with its bound and why it is kept.

A pure function whose results are worth remembering is decorated `@memo("name")` (or, for one
made at run time, `memoised("name", function)`), with a name from `KEPT` below: the cache is
functools' `lru_cache` with that entry's bound, so nothing grows without end, and its values
must be frozen (every caller shares one). Each entry says which benchmark figure shows that it
matters (BENCHMARKS.md, "Memo caches"); one that no figure holds up is not kept. `clear_all`
forgets every cached value (a test that must start from nothing, a measurement from cold), and
`entries` tells how many a cache holds.

Nothing else in the program memoises with `functools.cache` or `lru_cache`, which a test checks
(tests/test_public_apis.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, ParamSpec, Protocol, TypeVar, cast

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Kept:
    size: int  # the most entries it holds, the least recently used leaving first
    why: str  # what it saves, and the benchmark figure that shows it


# One place-and-spread of a few hundred plans: each entry is one series' dates or a step of it.
PLACEMENTS = 8192

KEPT: Final[dict[str, Kept]] = {
    # -- the cadence: reading När texts and placing series (`import`, every command's schedule)
    "cadence.parse_when": Kept(4096, "plans repeat their När texts ('4 ggr/år'); the import rows"),
    "cadence.activity_of": Kept(8192, "words repeat across a plan's När texts; the import rows"),
    "cadence.canonical_policy": Kept(
        64, "one policy object per settings: the placement caches find it by identity"
    ),
    "cadence.year_calendar": Kept(64, "every series of every measure asks for the closed days"),
    "cadence.nearest_working_day": Kept(4096, "every reminder asks for its send day"),
    "cadence.naming": Kept(PLACEMENTS, "what a title says about placing, read once per title"),
    "cadence.when_reading": Kept(PLACEMENTS, "a När text's kind, once per text and policy"),
    "cadence.interned_placing": Kept(PLACEMENTS, "equal placings found by identity"),
    "cadence.place": Kept(PLACEMENTS, "a measure's schedule, shared by every plan that has it"),
    "cadence.placed_series": Kept(PLACEMENTS, "a series in a slot, tried by the spread"),
    "cadence.spread_meetings": Kept(PLACEMENTS, "a series' meetings, weighed by the spread"),
    "rrules.bounded": Kept(4096, "dateutil expands a rule slowly; measures share few rules"),
    # -- roles and stored settings (`import`, every command that reads a plan)
    "roles.lexicon": Kept(64, "one role lexicon per set of role names (a pattern per role)"),
    "roles.responsibility": Kept(4096, "the same Vem texts read against every role pattern"),
    "store.stored_settings": Kept(4096, "a measure's stored settings, parsed once per text"),
    # -- writing rows (`import`)
    "store.insert_statement": Kept(256, "an INSERT written once per table and columns"),
    # A year of meeting times across many plans is a few thousand distinct values.
    "store.converted_moment": Kept(16_384, "timestamps converted once per statement and column"),
    # -- emails and pages
    "templates.environment": Kept(4, "a Jinja environment per folder: templates compiled once"),
    # -- feeds: each event's text once, for every feed that holds it (`feeds export`, serving)
    "feeds.vtimezone": Kept(1, "the VTIMEZONE, written by icalendar once"),
    "feeds.organizer_line": Kept(512, "the ORGANIZER line, once per organisation"),
    "feeds.event_text": Kept(16_384, "one event in the plan's, area's, measure's and roles' feeds"),
    "feeds.todo_text": Kept(4096, "one task in several feeds"),
    "feeds.text_line": Kept(4096, "a measure's title and description in each of its events"),
    "feeds.utc_line": Kept(1024, "an import's time in every row it added"),
    "feeds.categories_line": Kept(256, "an area's categories in each of its events"),
    "feeds.rule_split": Kept(
        8192, "a series' dates cut into Outlook template rules: the search meets a group again"
    ),
    # -- values made once per process
    "once.templates_digest": Kept(1, "the email templates read and hashed once per process"),
    "once.dummy_hash": Kept(4, "an argon2 hash (tens of ms) for unknown usernames, per cost"),
    "once.password_hasher": Kept(4, "argon2's hasher, per configured cost"),
    "once.fonts_draw_text": Kept(2, "whether resvg finds a font: two renders"),
    "once.unread_roles": Kept(1, "the default role lexicon for the unread-word check"),
    "once.hand_in_task": Kept(1, "the hand-in task's column values from the model"),
}


class Clearable(Protocol):
    def cache_clear(self) -> None: ...
    def cache_info(self) -> tuple[int, int, int | None, int]: ...


_MADE: dict[str, list[Clearable]] = {}


def memo(name: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator: the function memoised as `KEPT[name]` says."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        return memoised(name, function)

    return decorate


def memoised(name: str, function: Callable[P, R]) -> Callable[P, R]:
    """`function` memoised as `KEPT[name]` says (a KeyError for a name not declared there)."""
    cached = lru_cache(maxsize=KEPT[name].size)(function)
    _MADE.setdefault(name, []).append(cast(Clearable, cached))
    return cast(Callable[P, R], cached)


def clear_all() -> None:
    """Forget every value any memo cache holds."""
    for made in _MADE.values():
        for cached in made:
            cached.cache_clear()


def clear(name: str) -> None:
    for cached in _MADE.get(name, ()):
        cached.cache_clear()


def entries(name: str) -> int:
    """How many values the caches of `name` hold now."""
    return sum(cached.cache_info()[3] for cached in _MADE.get(name, ()))


def made() -> frozenset[str]:
    """The names of the caches made so far (those of the modules imported)."""
    return frozenset(_MADE)
