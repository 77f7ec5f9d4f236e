"""Stored values are stable English codes, and users still read Swedish words: migration 0012
turns the plan states stored as words ("utkast", "inlämnad", "uppföljd") into codes, and a
reminder's days ahead out of its kind ("meeting-14d") into a column of their own, on SQLite and
PostgreSQL; its downgrade gives the old values back. The words come from one module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from scheduler.model.display_words import (
    OCCURRENCE_KIND_WORDS,
    OUTBOX_STATUS_WORDS,
    PLAN_STATE_WORDS,
)
from scheduler.model.mail import OutboxStatus
from scheduler.model.occurrence import OccurrenceKind
from scheduler.model.stored import PlanState
from scheduler.store.engine import (
    _alembic_config,
    create_store_engine,
    head_revision,
    upgrade_store,
)
from scheduler.store.outbox import list_outbox
from scheduler.store.plans import load_plan

MADE = datetime(2024, 2, 1, 8, 0, tzinfo=UTC)
# What a database at 0011 holds: each plan's state as the Swedish word, and the outbox's kinds
# with a reminder's days ahead in them (by the rows' keys).
OLD_STATES = {"Norrby": "utkast", "Söderby": "inlämnad", "Österby": "uppföljd"}
OLD_KINDS = {"a|meeting-14d": "meeting-14d", "a|meeting-2d": "meeting-2d", "b|task-0d": "task-0d",
             "a|held": "held", "b|task-overdue": "task-overdue", "digest|x": "digest",
             "change|a|2": "change-moved", "followup|1|start": "followup-start"}  # fmt: skip
# The same rows from 0012 on: (kind, lead_days).
NEW_KINDS = {
    "a|meeting-14d": ("meeting-reminder", 14),
    "a|meeting-2d": ("meeting-reminder", 2),
    "b|task-0d": ("task-reminder", 0),
    "a|held": ("held", None),
    "b|task-overdue": ("task-overdue", None),
    "digest|x": ("digest", None),
    "change|a|2": ("change-moved", None),
    "followup|1|start": ("followup-start", None),
}


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    from alembic import command

    engine = create_store_engine(url)
    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)
    engine.dispose()


def _states(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("select organisation, state from plan")).all()
    return {organisation: state for organisation, state in rows}


def _add_plan(engine: Engine, organisation: str, state: str | None) -> int:
    """A plan row as the code of its revision wrote it; no state: the column's default."""
    columns = "organisation, year, source, revision, schedule_fingerprint, created_at, updated_at"
    values = ":organisation, 2024, '', 1, '', :made, :made"
    if state is not None:
        columns, values = f"{columns}, state", f"{values}, :state"
    with engine.begin() as connection:
        return int(
            connection.execute(
                text(f"insert into plan ({columns}) values ({values}) returning id"),
                {"organisation": organisation, "made": MADE, "state": state},
            ).scalar_one()
        )


def _add_mail(engine: Engine, key: str, kind: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "insert into outbox (key, kind, role, recipient, due_at, subject, body_text,"
                " body_html, status, attempts, last_error, created_at, updated_at) values (:key,"
                " :kind, '', 'a@example.org', :made, 'Ämne', '', '', 'pending', 0, '', :made, :made)"
            ),
            {"key": key, "kind": kind, "made": MADE},
        )


def _kinds(engine: Engine, *, lead_days: bool = True) -> dict[str, object]:
    columns = "key, kind, lead_days" if lead_days else "key, kind"
    with engine.connect() as connection:
        rows = connection.execute(text(f"select {columns} from outbox")).all()
    return {row[0]: tuple(row[1:]) if lead_days else row[1] for row in rows}


@pytest.fixture
def old_store(store_url: str) -> Iterator[str]:
    """A database at revision 0011 holding plans in each state, as words, and mail of each kind."""
    _migrate(store_url, "0011")
    engine = create_store_engine(store_url)
    for organisation, state in OLD_STATES.items():
        _add_plan(engine, organisation, state)
    for key, kind in OLD_KINDS.items():
        _add_mail(engine, key, kind)
    engine.dispose()
    yield store_url


def test_upgrade_turns_stored_words_into_codes_and_downgrade_gives_them_back(
    old_store: str,
) -> None:
    engine, before, after = upgrade_store(old_store)
    try:
        assert (before, after) == ("0011", head_revision())
        assert _states(engine) == {
            "Norrby": "draft",
            "Söderby": "handed_in",
            "Österby": "followed_up",
        }
        with engine.connect() as connection:
            rows = connection.execute(text("select organisation, id from plan")).all()
        ids = {str(name): int(plan_id) for name, plan_id in rows}
        assert {name: load_plan(engine, ids[name]).state for name in OLD_STATES} == {
            "Norrby": PlanState.DRAFT,
            "Söderby": PlanState.HANDED_IN,
            "Österby": PlanState.FOLLOWED_UP,
        }
        added = _add_plan(engine, "Västerby", None)
        assert load_plan(engine, added).state is PlanState.DRAFT  # the column's new default
        assert _kinds(engine) == NEW_KINDS
        assert {mail.key: (mail.kind, mail.lead_days) for mail in list_outbox(engine)} == NEW_KINDS
    finally:
        engine.dispose()

    _migrate(old_store, "0011", down=True)
    engine = create_store_engine(old_store)
    try:
        assert _states(engine) == {**OLD_STATES, "Västerby": "utkast"}
        assert _kinds(engine, lead_days=False) == OLD_KINDS
        _add_plan(engine, "Nyby", None)
        assert _states(engine)["Nyby"] == "utkast"  # the old default is back
    finally:
        engine.dispose()


def test_every_code_has_its_swedish_word_and_the_words_are_the_ones_users_read() -> None:
    assert set(OCCURRENCE_KIND_WORDS) == set(OccurrenceKind)
    assert set(OUTBOX_STATUS_WORDS) == set(OutboxStatus)
    assert set(PLAN_STATE_WORDS) == set(PlanState)
    assert PLAN_STATE_WORDS == {
        PlanState.DRAFT: "utkast",
        PlanState.HANDED_IN: "inlämnad",
        PlanState.FOLLOWED_UP: "uppföljd",
    }
    # The codes are what the store holds and what templates compare ("task"), so each is its value.
    assert [str(kind) for kind in OccurrenceKind] == ["meeting", "task"]
    assert f"{PlanState.HANDED_IN}" == "handed_in"
