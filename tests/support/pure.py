"""`make quick` (`pytest --pure`): only the pure tests, those that need no database, no browser
and no process of their own, as the loop to keep while changing code.

A test is left out when it uses a store (`store_url`, `engine`, `cli`, `sqlite_cli`: SQLite or
PostgreSQL), opens the browser, needs `faketime`, or it is marked `processes` (it starts
`scheduler`, node or Debian's Python): `@pytest.mark.processes`, or for a whole module
`pytestmark = pytest.mark.processes`. The rest run
with process creation refused, so a test that starts one without the mark fails under
`make quick` and says to mark it, rather than the selection going stale unnoticed.
"""

from __future__ import annotations

import subprocess
from typing import Any, NoReturn

import pytest

OPTION = "--pure"
PROCESSES = "processes"
# Fixtures that reach a database (SQLite's too: a migrated store per test is most of the suite's
# time), the browser or a process.
IMPURE_FIXTURES = frozenset({
    "store_url", "engine", "cli", "sqlite_cli", "postgres_url", "postgres_store_url", "browser",
    "faketime",
})  # fmt: skip


def impure_part(item: pytest.Item) -> str | None:
    """What keeps a test out of `--pure`, or None when it is pure."""
    callspec = getattr(item, "callspec", None)
    if callspec is not None and callspec.params.get("store_url") == "postgresql":
        return "PostgreSQL"
    found = IMPURE_FIXTURES.intersection(getattr(item, "fixturenames", ()))
    if found:
        return min(found)
    if item.get_closest_marker(PROCESSES) is not None:
        return "processes"
    return None


def refuse_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Starting a process fails the test, naming the mark it lacks."""

    def refused(self: subprocess.Popen[Any], *args: object, **kwargs: object) -> NoReturn:
        raise AssertionError(
            f"this test starts a process ({args[0] if args else kwargs.get('args')!r}) under "
            f"{OPTION}: mark it `@pytest.mark.{PROCESSES}` (tests/support/pure.py)"
        )

    monkeypatch.setattr(subprocess.Popen, "__init__", refused)
