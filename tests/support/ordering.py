"""The order the suite's tests are handed to the workers: the long ones first.

pytest-xdist hands out tests in the order they were collected, and a worker that meets a
half-minute process test near the end runs it alone while the other cores idle. Started first,
the long tests (real processes, the browser, PostgreSQL) overlap with the many short ones;
handing them out two at a time (`--maxschedchunk 2`, the Makefile) keeps them spread over the
workers. The sort is stable: within a rank, modules and their tests keep their order.
"""

from __future__ import annotations

import pytest

from tests.support.pure import PROCESSES as PROCESSES_MARK

PROCESSES, BROWSER, POSTGRESQL, REST = range(4)  # ranks, the longest tests first


def rank(item: pytest.Item) -> int:
    """Real processes (the mark, or `faketime`), then the browser, then PostgreSQL, then the
    rest; a test that is several of these takes the first rank it has."""
    fixtures = set(getattr(item, "fixturenames", ()))
    if item.get_closest_marker(PROCESSES_MARK) is not None or "faketime" in fixtures:
        return PROCESSES
    if "browser" in fixtures:
        return BROWSER
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("store_url") == "postgresql":
        return POSTGRESQL
    return REST


def longest_first(items: list[pytest.Item]) -> None:
    items.sort(key=rank)
