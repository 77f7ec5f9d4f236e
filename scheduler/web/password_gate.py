"""At most a few password checks at once, and a bounded queue for the next ones.

A check is argon2 with 64 MiB and four threads of its own (scheduler.services.passwords): a flood
of sign-ins must not become a flood of checks, or the server's memory and processors go with it.
The gate runs checks in a pool of `server.password_checks_at_once` worker threads of its own
(never the threads that serve the pages), and lets `server.password_check_queue` more wait for a
turn on the event loop, where waiting costs nothing but a coroutine. A request that finds the
queue full is told at once (`GateFull`: 503 with Retry-After).

The workers run at a lower scheduling priority (nice 10, where the system has it): a check takes
its tenths of a second all the same, and the event loop, `/healthz` and the other pages are
answered first when the processors are busy.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

# How much lower the workers' priority is (Linux: per thread, inherited by argon2's threads).
WORKER_NICENESS = 10


class GateFull(Exception):
    """Every check is taken and the queue is full: the request is refused, not queued."""


def _lower_priority() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed: normal priority
        log.debug("password checks at normal priority: %s", exc)


class PasswordGate:
    """Runs password checks in worker threads, `at_once` at a time, `queue` more waiting.

    Used only from the server's event loop (one thread), so the count needs no lock."""

    def __init__(self, *, at_once: int, queue: int) -> None:
        self._at_once = at_once
        self._room = at_once + queue
        self._inside = 0
        self._workers: ThreadPoolExecutor | None = None  # made at the first check

    async def run(self, check: Callable[[], T]) -> T:
        """`check()` in a worker thread when its turn comes; GateFull when there is no room."""
        if self._inside >= self._room:
            raise GateFull()
        if self._workers is None:
            self._workers = ThreadPoolExecutor(self._at_once, thread_name_prefix="password-check",
                                               initializer=_lower_priority)  # fmt: skip
        self._inside += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._workers, check)
        finally:
            self._inside -= 1
