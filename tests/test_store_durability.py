"""`durable_at_the_end`: the many-file import's commits do not each wait for the disk; the
connections are strict again afterwards, and what was committed inside is there for others."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from scheduler.store.engine import durable_at_the_end, upgrade_store
from scheduler.store.secrets import shared_secret


def _setting(engine: Engine) -> str:
    """synchronous (SQLite: with the WAL pages that make a checkpoint)."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            synchronous = {0: "off", 1: "normal", 2: "full", 3: "extra"}[
                connection.exec_driver_sql("PRAGMA synchronous").scalar_one()
            ]
            pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
            return f"{synchronous} {pages}"
        return str(connection.execute(text("SHOW synchronous_commit")).scalar_one())


def test_commits_inside_wait_for_no_disk_and_the_connections_are_strict_again_after(
    tmp_path: Path, store_url: str
) -> None:
    engine = upgrade_store(store_url)[0]
    # SQLite: checkpoints ten times further apart inside, SQLite's default again after.
    strict = "full 1000" if engine.dialect.name == "sqlite" else "on"
    relaxed = "normal 10000" if engine.dialect.name == "sqlite" else "off"
    assert _setting(engine) == strict
    with durable_at_the_end(engine):
        assert _setting(engine) == relaxed
        key = shared_secret(engine, "durability-test")  # a commit made inside the block
        assert _setting(engine) == relaxed
    assert _setting(engine) == strict
    other = upgrade_store(store_url)[0]  # another engine (another process would see the same)
    assert shared_secret(other, "durability-test") == key
    assert _setting(other) == strict
    other.dispose()
    engine.dispose()


class Stopped(Exception):
    """What stops the block part-way (in life: Ctrl-C, an unexpected error)."""


def test_a_block_stopped_part_way_keeps_its_commits_and_tells_its_own_error(
    store_url: str,
) -> None:
    engine = upgrade_store(store_url)[0]
    strict = "full 1000" if engine.dialect.name == "sqlite" else "on"
    try:
        with durable_at_the_end(engine):
            key = shared_secret(engine, "stopped-part-way")
            raise Stopped("the user pressed Ctrl-C")
    except Stopped as stopped:
        assert str(stopped) == "the user pressed Ctrl-C"  # not an error of the final sync
    else:
        raise AssertionError("the block's error did not come out")
    assert _setting(engine) == strict
    other = upgrade_store(store_url)[0]
    assert shared_secret(other, "stopped-part-way") == key
    other.dispose()
    engine.dispose()
