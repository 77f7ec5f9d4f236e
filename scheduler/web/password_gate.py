"""At most a few password checks at once, and a bounded queue for the next ones.

A check is argon2 with 64 MiB (scheduler.services.passwords): a flood of sign-ins must not become
a flood of checks, or the server's memory grows with it. The gate lets `server.password_checks_at_once`
checks run, each in a worker thread of its own limiter (never one of the threads that serve the
pages), and `server.password_check_queue` more wait for a turn on the event loop, where waiting
costs nothing but a coroutine. A request that finds the queue full is told at once (`GateFull`:
503 with Retry-After), and the other requests, `/healthz` among them, are answered as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class GateFull(Exception):
    """Every check is taken and the queue is full: the request is refused, not queued."""


class PasswordGate:
    """Runs password checks in worker threads, `at_once` at a time, `queue` more waiting.

    Used only from the server's event loop (one thread), so the count needs no lock."""

    def __init__(self, *, at_once: int, queue: int) -> None:
        self._limiter = anyio.CapacityLimiter(at_once)
        self._room = at_once + queue
        self._inside = 0

    @property
    def inside(self) -> int:
        """Checks running or waiting now."""
        return self._inside

    async def run(self, check: Callable[[], T]) -> T:
        """`check()` in a worker thread when its turn comes; GateFull when there is no room."""
        if self._inside >= self._room:
            raise GateFull()
        self._inside += 1
        try:
            return await anyio.to_thread.run_sync(check, limiter=self._limiter)
        finally:
            self._inside -= 1
