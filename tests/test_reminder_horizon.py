"""Reminders are planned a horizon ahead (`reminders.horizon_weeks`, issue 14): a refresh stores
what is due before the Monday after the horizon and still of use, and later refreshes (every
`remind run-due`, hourly in `scheduler serve`) top the outbox up as the horizon moves. What
arrives is the same as with the whole year planned at once: tests/test_reminders_year.py walks
a year through real SMTP with the default horizon.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scheduler.base.time import STOCKHOLM
from scheduler.model.mail import OutboxMail, OutboxStatus
from scheduler.reminders.settings import ReminderSettings
from scheduler.services.runner import PlanTopUp
from scheduler.settings.model import Reminders
from scheduler.store.engine import create_store_engine
from tests.support.seed import YEAR_OF_REMINDERS
from tests.support.smtp_server import BEFORE_EVERYTHING, SmtpServer, World, make_world

EIGHT_WEEKS = "[reminders]\nhorizon_weeks = 8\n"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _planned(world: World) -> dict[str, tuple[datetime, str]]:
    """Key → (due, status) of the plan's reminder rows."""
    return {r.key: (_aware(r.due_at), r.status) for r in world.outbox()}


def _fields(row: OutboxMail) -> tuple[object, ...]:
    return (row.kind, row.recipient, _aware(row.due_at), row.subject, row.status)


def test_the_horizon_is_the_monday_after_the_weeks_at_midnight_in_stockholm() -> None:
    settings = ReminderSettings.from_section(Reminders(horizon_weeks=8))
    # Friday 1 December 2023, 08:00 in Stockholm: eight weeks on is Friday 26 January 2024.
    until = settings.horizon(BEFORE_EVERYTHING)
    assert until == datetime(2024, 1, 29, 0, 0, tzinfo=STOCKHOLM)
    # The same all week; it moves on the Monday.
    assert settings.horizon(BEFORE_EVERYTHING + timedelta(days=2)) == until
    assert settings.horizon(datetime(2023, 12, 4, 0, 0, tzinfo=STOCKHOLM)) == until + timedelta(
        weeks=1
    )


def test_an_import_stores_exactly_the_reminders_due_before_the_horizon(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    """The same rows as with the whole year planned at once, cut at the horizon."""
    short = make_world(tmp_path / "short", f"sqlite:///{tmp_path / 'short.sqlite3'}", smtp,
                       extra=EIGHT_WEEKS)  # fmt: skip
    whole = make_world(tmp_path / "whole", f"sqlite:///{tmp_path / 'whole.sqlite3'}", smtp,
                       extra=YEAR_OF_REMINDERS)  # fmt: skip
    until = datetime(2024, 1, 29, 0, 0, tzinfo=STOCKHOLM)
    everything = {r.key: r for r in whole.outbox()}
    within = {key: row for key, row in everything.items() if _aware(row.due_at) < until}
    assert len(everything) > 150 and 10 < len(within) < len(everything) / 3
    stored = {r.key: r for r in short.outbox()}
    assert set(stored) == set(within)
    assert {key: _fields(row) for key, row in stored.items()} == {
        key: _fields(row) for key, row in within.items()
    }


def test_a_refresh_in_the_same_week_writes_nothing_and_the_next_week_tops_up(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'topup.sqlite3'}", smtp, extra=EIGHT_WEEKS)
    before = _planned(world)
    same_week = BEFORE_EVERYTHING + timedelta(days=1)
    assert not world.refresh_result(same_week).changed_anything
    assert _planned(world) == before

    next_week = BEFORE_EVERYTHING + timedelta(days=7)
    result = world.refresh_result(next_week)
    after = _planned(world)
    old_until = datetime(2024, 1, 29, 0, 0, tzinfo=STOCKHOLM)
    new_until = old_until + timedelta(weeks=1)
    added = {key: value for key, value in after.items() if key not in before}
    assert added, "the seed plan has reminders due in the week the horizon moved over"
    assert result.reminders == len(added)
    assert all(
        old_until <= due < new_until and status == OutboxStatus.PENDING
        for due, status in added.values()
    )
    assert {key: after[key] for key in before} == before  # nothing cancelled or moved


def test_a_shorter_horizon_leaves_the_rows_beyond_it_as_they_are(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    """A refresh speaks for its own window only: rows planned earlier with a longer horizon stay
    pending (they are checked again when the horizon reaches them, and the dispatcher checks the
    meeting at claim)."""
    url = f"sqlite:///{tmp_path / 'shrink.sqlite3'}"
    whole = make_world(tmp_path / "whole", url, smtp, extra=YEAR_OF_REMINDERS)
    before = _planned(whole)
    short = make_world(tmp_path / "short", url, smtp, extra=EIGHT_WEEKS)  # the same plan, again
    later = BEFORE_EVERYTHING + timedelta(days=14)
    short.refresh(later)
    after = _planned(short)
    assert after == before
    assert any(due >= datetime(2024, 6, 1, tzinfo=UTC) for due, _ in after.values())


def test_a_downtime_longer_than_the_horizon_is_caught_up_when_the_passes_return(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    """Imported on 1 December, no pass until 11 March (past the horizon of 29 January): the
    first pass plans what is due up to its own horizon, sends what is still of use (oldest
    first) and plans nothing whose time has passed."""
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'down.sqlite3'}", smtp, extra=EIGHT_WEEKS)
    planned_at_import = set(_planned(world))
    back = datetime(2024, 3, 11, 9, 0, tzinfo=STOCKHOLM).astimezone(UTC)
    result = world.run(back)
    rows = world.outbox()
    new = [r for r in rows if r.key not in planned_at_import]
    assert new, "the pass planned the weeks the horizon had not reached"
    # Nothing planned at the return was already of no use then; what it sent was due.
    assert all(r.useful_until is None or _aware(r.useful_until) > back for r in new)
    sent = [r for r in rows if r.status == OutboxStatus.SENT]
    assert result.sent == len(sent) >= 1
    assert all(_aware(r.due_at) <= back for r in sent)
    assert len(smtp.handler.snapshot()) == len(sent)
    # The rows of the import that had their time are skipped with the reason, not cancelled.
    for row in rows:
        if row.key in planned_at_import and row.status != OutboxStatus.SENT:
            assert row.status in (OutboxStatus.SKIPPED, OutboxStatus.PENDING), (row.key, row.status)
            if row.status == OutboxStatus.SKIPPED:
                assert row.last_error is not None and "passerat" in row.last_error
    assert not [r for r in rows if r.status == OutboxStatus.CANCELLED]
    assert max(_aware(r.due_at) for r in rows) < datetime(2024, 5, 13, tzinfo=STOCKHOLM)
    # Each reminder once: a second pass at the same time sends nothing more.
    assert world.run(back).sent == 0


def test_serve_tops_the_plans_up_at_most_hourly_and_runs_the_follow_up_step_every_pass(
    tmp_path: Path, smtp: SmtpServer
) -> None:
    world = make_world(tmp_path, f"sqlite:///{tmp_path / 'serve.sqlite3'}", smtp, extra=EIGHT_WEEKS)
    steps: list[datetime] = []
    top_up = PlanTopUp(world.engine, world.config, since=BEFORE_EVERYTHING, then=steps.append)
    before = _planned(world)
    a_week_on = BEFORE_EVERYTHING + timedelta(days=7)
    # The same process, a week later but within the hour of its last refresh (a clock that
    # jumped): nothing is refreshed; the follow-up step still runs.
    top_up.last = a_week_on - timedelta(minutes=30)
    top_up(a_week_on)
    assert _planned(world) == before
    top_up(a_week_on + timedelta(minutes=31))
    assert len(_planned(world)) > len(before)
    assert steps == [a_week_on, a_week_on + timedelta(minutes=31)]


def test_a_failed_top_up_is_logged_and_the_follow_up_step_runs_anyway(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from scheduler.settings.config import load_settings
    from tests.support.cli import write_config

    url = f"sqlite:///{tmp_path / 'no-schema.sqlite3'}"  # no tables: every query fails
    config = load_settings(str(write_config(tmp_path / "config.toml", url)), environ={})
    engine = create_store_engine(url)
    steps: list[datetime] = []
    top_up = PlanTopUp(engine, config, since=BEFORE_EVERYTHING, then=steps.append)
    later = BEFORE_EVERYTHING + timedelta(hours=2)
    with caplog.at_level(logging.ERROR):
        top_up(later)
    assert steps == [later]
    assert any("bringing the plans in step failed" in r.getMessage() for r in caplog.records)
    engine.dispose()
