"""The order the suite's tests are handed to the workers: the long ones first.

pytest-xdist hands out tests in the order they were collected, and a worker that meets a
half-minute process test near the end runs it alone while the other cores idle. Started first,
the long tests (real processes, the browser, PostgreSQL) overlap with the many short ones, and
`--dist worksteal` (the Makefile) evens out what is left. The sort is stable: within a rank,
modules and their tests keep their order (module fixtures are made once).
"""

from __future__ import annotations

import pytest

from tests.support.pure import impure_part

# What keeps a test out of `make quick`, ranked by how long such tests take.
RANKS = {"processes": 0, "faketime": 0, "browser": 1, "PostgreSQL": 2}
REST = 3


def rank(item: pytest.Item) -> int:
    part = impure_part(item)
    return RANKS.get(part, REST) if part is not None else REST


def longest_first(items: list[pytest.Item]) -> None:
    items.sort(key=rank)
