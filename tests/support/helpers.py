"""Small things many tests need: a free port, a bounded wait, a clock the test moves by hand."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def poll_until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait (bounded) for something another thread or process does."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout}s")
        time.sleep(0.02)


@dataclass
class Clock:
    """`now` for the web app and the dispatcher: the test sets it; nothing reads the real clock."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now
