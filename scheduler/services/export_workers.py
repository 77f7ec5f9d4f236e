"""`feeds export --all` in several processes: the organisations' folders shared out among worker
processes, each with its own connection to the store, their reports gathered here.

Rendering is pure Python and holds the interpreter's lock, so threads would not help; processes
do, one per processor. Workers come from the forkserver (spawn where there is none), never from a
plain fork of this process, whose open connections and threads a child must not share. The
forkserver imports the program once (about a second), and each worker is a fork of it; `prepare`
starts it while this process is still reading the store. Each worker starts from the settings this
process read (not config.toml read again) and opens the store without the schema check this
process has already made.

An organisation is one task, so the workers share the load however it falls, and the order of the
reports is the order they finish in (`export_all` sorts them). Until the first worker has finished
a folder, this process writes folders too. The first error stops the run: the tasks not yet begun
are cancelled, those begun finish (every file whole, as in one process), and the error is raised
here as the worker raised it.

This module imports nothing heavy itself, so the command can start the forkserver first.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from scheduler.base.processors import usable_processors

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from scheduler.settings.model import Settings

Task = TypeVar("Task")
Report = TypeVar("Report")
# What a worker does with one task (`feed_export.export_organisation`): handed in, so that this
# module needs nothing of the export's own (the export imports this one).
Job = Callable[..., Report]

# What a worker needs, imported once by the forkserver rather than by each worker (the holiday
# calendar's country is otherwise imported at its first use).
_PRELOAD = ["scheduler.services.feed_export", "holidays.countries.sweden"]
# Below this many folders to write per process, fewer processes: a worker's start costs about as
# much as rendering a dozen organisations.
FOLDERS_PER_WORKER = 12
MAX_WORKERS = 4


def worker_count(folders: int) -> int:
    """Processes for `folders` folders to write: one per processor this process may use (at most
    `MAX_WORKERS`), as long as each gets `FOLDERS_PER_WORKER`."""
    return max(1, min(usable_processors(), MAX_WORKERS, folders // FOLDERS_PER_WORKER))


def prepare(workers: int) -> None:
    """Start the forkserver now, if `workers` processes are to be used, so that it imports the
    program while this process reads the store; unused, it ends with this process."""
    context = _context()
    if workers > 1 and context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def in_workers(
    engine: Engine, config: Settings, tasks: list[Task], *, now: datetime, workers: int,
    job: Job[Report],
) -> Iterator[Report]:  # fmt: skip
    """Each task's report (`job(engine, config, task, now=now)`) as it is finished. Until the
    first worker has finished a folder (a new worker may still be starting), this process writes
    folders too, from the end of the list, those no worker has been handed."""
    from scheduler.base.errors import ResourceError

    pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_start,
                               initargs=(config, now, job))  # fmt: skip
    try:
        futures: list[Future[Report]] = [pool.submit(_run, task) for task in tasks]
        taken = 0
        for task, future in zip(reversed(tasks), reversed(futures), strict=True):
            if any(f.done() for f in futures) or not future.cancel():
                break
            taken += 1
            yield job(engine, config, task, now=now)
        for future in as_completed(futures[: len(futures) - taken]):
            try:
                yield future.result()
            except BrokenProcessPool as exc:
                raise ResourceError(
                    "En arbetsprocess för exporten avslutades oväntat (minnet slut eller stoppad "
                    "utifrån?); kör exporten igen."
                ) from exc
    finally:
        # Cancelled first, so an error (or a caller that stops reading) ends the run after the
        # folders already begun.
        pool.shutdown(wait=True, cancel_futures=True)


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


# One worker's own: set by `_start` when the worker starts.
_engine: Engine | None = None
_config: Settings | None = None
_now: datetime | None = None
_job: Callable[..., Any] | None = None


def _start(config: Settings, now: datetime, job: Callable[..., Any]) -> None:
    from scheduler.store.engine import create_store_engine

    global _engine, _config, _now, _job
    engine = create_store_engine(config.database_url,
                                 busy_timeout_seconds=config.database.busy_timeout_seconds)  # fmt: skip
    _engine, _config, _now, _job = engine, config, now, job


def _run(task: Any) -> Any:
    assert _engine is not None and _config is not None and _now is not None and _job is not None
    return _job(_engine, _config, task, now=_now)
