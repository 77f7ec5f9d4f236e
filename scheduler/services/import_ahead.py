"""A many-file import's reading ahead: worker processes read the next plan files and place their
plans while this process writes the current one to the store.

Reading a file and placing its meetings (the spread over the meeting weekdays) need nothing from
the store, and are about a fifth of an import; the writing is one transaction per file in one
process (SQLite has one writer). So on a machine with cores to spare, `import a.toml b.toml …`
hands the reading and placing to other processes, a few files ahead, and takes their results in
file order.

What a worker makes is only ever a head start: the file is read as `read_plan` reads it, and the
placement is used only if it was made for exactly the measures, year and policy the stored plan
gives (`PlacedPlan.made_for`), else the import places the plan itself. A file a worker could not
read is read again here, so what is wrong with it is told exactly as without workers.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from scheduler.base.processors import usable_processors
from scheduler.cadence import CalendarPolicy
from scheduler.model.measure_keys import keyed_measures
from scheduler.model.stored import StoredMeasure
from scheduler.plan.budget import PlanBudget
from scheduler.plan.files import PlanRead, read_plan
from scheduler.plan.files.limits import ReadLimits
from scheduler.plan.review import lexicon_for, responsibilities
from scheduler.schedule.occurrences import PlacedPlan, place_within_budget, plan_items
from scheduler.settings.model import Settings

# Files handed to a worker at a time: each hand-over wakes the pool's threads, which costs the
# writing process more than the reading of a small file.
FILES_PER_TASK = 4
# Tasks handed out ahead per worker: enough that a worker never waits for the next, few enough
# that results waiting to be written hold little memory.
TASKS_AHEAD_PER_WORKER = 2


@dataclass(frozen=True)
class ReadOptions:
    """What `read_plan` is told besides the path (the command's --year and --organisation, the
    config's default organisation and limits)."""

    year: int | None
    organisation: str | None
    default_organisation: str | None
    limits: ReadLimits

    def read(self, path: Path) -> PlanRead:
        return read_plan(path, year=self.year, organisation=self.organisation,
                         default_organisation=self.default_organisation, limits=self.limits)  # fmt: skip


@dataclass(frozen=True)
class ReadAhead:
    """A plan file read, and its measures placed, by a worker."""

    read: PlanRead
    placed: PlacedPlan | None  # None: the plan's organisation is not configured


def default_workers(files: int) -> int:
    """One worker per core but the one that writes; none for a file or two (a worker's start
    costs about what it saves) or on a single core."""
    return 0 if files < 3 else max(0, min(usable_processors() - 1, files - 1))


def place_read_plan(read: PlanRead, settings: Settings) -> PlacedPlan | None:
    """The plan's measures placed as the import will place them once stored: keyed as the store
    keys them, read with its organisation's roles and calendar policy. None when the plan's
    organisation is not one of several configured (the import refuses it); PlanBudgetError when
    it is over `[limits]` (the importing process reads it again and says so)."""
    plan = read.plan
    found = settings.find_organisation(plan.organisation)
    if found is None and settings.several_organisations:
        return None
    config = settings.for_organisation(found or plan.organisation)
    # Stand-in ids (the store gives the real ones): only the responsibilities are keyed by them.
    measures = [
        StoredMeasure(index, key, area.name, measure)
        for index, (_, area, _, measure, key) in enumerate(keyed_measures(plan))
    ]
    items = plan_items(measures, responsibilities(measures, lexicon_for(config)))
    return place_within_budget(plan, measures, items,
                               policy=CalendarPolicy.from_section(config.calendar),
                               budget=PlanBudget.from_section(config.limits))  # fmt: skip


# The worker's share of what its pool was started with: sent once per worker, not per file.
_worker: tuple[Settings, ReadOptions] | None = None


def _start_worker(settings: Settings, options: ReadOptions) -> None:
    global _worker
    _worker = (settings, options)


def _read_ahead(paths: Sequence[Path]) -> list[ReadAhead | None]:
    """In a worker: each file read and placed, or None when anything went wrong with it (the
    importing process then reads it itself and tells what is wrong)."""
    assert _worker is not None
    settings, options = _worker
    made: list[ReadAhead | None] = []
    for path in paths:
        try:
            read = options.read(path)
            made.append(ReadAhead(read, place_read_plan(read, settings)))
        except Exception:  # told by the importing process, which reads it again
            made.append(None)
    return made


@contextmanager
def read_ahead(
    paths: Sequence[Path], settings: Settings, options: ReadOptions, *, workers: int
) -> Iterator[Iterator[ReadAhead | None]]:
    """The files' ReadAheads in file order (None for a file to be read here), made by `workers`
    processes a few files ahead of the caller; with no workers, None for every file. Leaving the
    block early (an error, Ctrl-C) cancels what was not started."""
    if workers <= 0:
        yield iter([None] * len(paths))
        return
    # Spawned, not forked: the importing process holds database connections a fork would share.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                               initializer=_start_worker, initargs=(settings, options))  # fmt: skip
    try:
        yield _in_order(pool, paths, ahead=workers * TASKS_AHEAD_PER_WORKER)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _in_order(
    pool: ProcessPoolExecutor, paths: Sequence[Path], *, ahead: int
) -> Iterator[ReadAhead | None]:
    """The tasks' results file by file, `ahead` tasks handed out before the one being taken."""
    tasks = [paths[i : i + FILES_PER_TASK] for i in range(0, len(paths), FILES_PER_TASK)]
    pending: deque[tuple[int, Future[list[ReadAhead | None]] | None]] = deque()
    upcoming = iter(tasks)

    def hand_out(task: Sequence[Path]) -> None:
        try:
            pending.append((len(task), pool.submit(_read_ahead, task)))
        except BrokenProcessPool:  # a worker died (killed, out of memory): read here instead
            pending.append((len(task), None))

    for task in upcoming:
        hand_out(task)
        if len(pending) >= ahead:
            break
    while pending:
        size, done = pending.popleft()
        next_task = next(upcoming, None)
        if next_task is not None:
            hand_out(next_task)
        try:
            made = [None] * size if done is None else done.result()
        except Exception:  # a worker died, or could not send its result: read here
            made = [None] * size
        yield from made
