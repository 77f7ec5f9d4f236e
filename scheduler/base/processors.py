"""How many processors this process may run on: what worker pools are sized by."""

from __future__ import annotations

import os


def usable_processors() -> int:
    """The processors this process may use (its CPU affinity, which a container or `taskset`
    may narrow), or every processor where the system does not say (not Linux); at least one."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
