"""Two `scheduler remind run-due` processes reaching the follow-up step at the same moment (the
campaign's start, a nudge round, the summary) on SQLite and PostgreSQL: both finish cleanly and
every follow-up email exists once. Before, one of them died with `IntegrityError: UNIQUE
constraint failed: outbox.key` (a check-then-insert in `store/followups.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from scheduler.services import followup as campaign
from scheduler.services.refresh import plan_schedule
from scheduler.store.engine import open_store
from scheduler.store.followups import AnswerInput, answers, save_answers
from scheduler.store.outbox import list_outbox
from tests.support.cli import upgraded_cli, write_config
from tests.support.followup_fixture import followup_world, local
from tests.support.helpers import poll_until
from tests.support.seed import ROOT, SEED_PLAN

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`

# The seed plan is for 2024: the campaign starts 15 November, nudges a week later, and the
# coordinator's summary is due once the deadline (15 December) has passed.
MOMENTS = ("2024-11-15T09:00", "2024-11-22T09:00", "2024-12-16T09:00")
ROUNDS = 3  # on SQLite, where the two are only started together, the race is won by chance


# A real `scheduler remind run-due` process that has imported everything and waits for a line on
# stdin before it starts: two of them released together start their passes within a millisecond,
# rather than as far apart as their start-up times differ.
READY_THEN_RUN = (
    "import sys; from scheduler.cli import main; import scheduler.services.followup; "
    "print('ready', flush=True); sys.stdin.readline(); sys.exit(main(sys.argv[1:]))"
)


def run_due(config: Path, now: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEDULER_")}
    process = subprocess.Popen(
        [sys.executable, "-c", READY_THEN_RUN, "--config", str(config), "remind", "run-due", "--now", now],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    return process


def release(processes: list[subprocess.Popen[str]]) -> None:
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()


def release_together_at_the_follow_up_step(
    engine: Engine, processes: list[subprocess.Popen[str]]
) -> None:
    """On PostgreSQL the two can be held at the follow-up step itself: with its campaign table
    locked, both wait at their first read of it (seen in pg_locks), then go on together."""
    with engine.connect() as gatekeeper:
        holding = gatekeeper.begin()
        gatekeeper.execute(text("LOCK TABLE followup_campaign IN ACCESS EXCLUSIVE MODE"))
        release(processes)
        with engine.connect() as watcher:
            waiting = text("SELECT count(*) FROM pg_locks "
                           "WHERE relation = 'followup_campaign'::regclass AND NOT granted")  # fmt: skip
            poll_until(lambda: watcher.execute(waiting).scalar_one() == len(processes), timeout=60)
        holding.commit()


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_two_dispatchers_reaching_the_follow_up_step_at_once_on_sqlite(
    tmp_path: Path, attempt: int
) -> None:
    """On SQLite the two can only be started together: the race is won by chance, so rounds."""
    _two_dispatchers_at_the_follow_up_step(tmp_path, f"sqlite:///{tmp_path / 'races.sqlite3'}")


def test_two_dispatchers_held_at_the_follow_up_step_together_on_postgresql(
    tmp_path: Path, postgres_store_url: str
) -> None:
    """On PostgreSQL both are held at the follow-up step itself: one round is certain."""
    _two_dispatchers_at_the_follow_up_step(tmp_path, postgres_store_url)


def _two_dispatchers_at_the_follow_up_step(tmp_path: Path, store_url: str) -> None:
    """Both finish cleanly and every follow-up email exists once."""
    config = write_config(
        tmp_path / "config.toml", store_url, extra="[reminders]\nmax_per_pass = 1\n"
    )
    assert upgraded_cli(config)("import", str(SEED_PLAN)).code == 0
    engine = open_store(store_url)
    try:
        for now in MOMENTS:
            processes = [run_due(config, now), run_due(config, now)]
            if store_url.startswith("postgresql"):
                release_together_at_the_follow_up_step(engine, processes)
            else:
                release(processes)
            for process in processes:
                _out, err = process.communicate(timeout=120)
                assert process.returncode == 0, f"{now}: {err}"
                assert "Traceback" not in err and "IntegrityError" not in err, err
            keys = Counter(
                row.key for row in list_outbox(engine) if row.key.startswith("followup|")
            )
            assert keys and max(keys.values()) == 1
        kinds = Counter(row.kind for row in list_outbox(engine) if row.key.startswith("followup|"))
        assert kinds["followup-start"] == 7 and kinds["followup-nudge"] >= 1
        assert kinds["followup-summary"] == 1
    finally:
        engine.dispose()


def test_a_submitted_answer_does_not_cancel_a_nudge_a_dispatcher_has_claimed(
    tmp_path: Path, postgres_store_url: str
) -> None:
    """The role submits while a dispatcher is claiming its nudge: the claim wins, the nudge is
    being sent and stays so (it is not marked cancelled under the dispatcher's feet). PostgreSQL
    only: there the two transactions can be interleaved for sure (the submit waits on the claim's
    row lock, seen in pg_locks); SQLite has one writer at a time."""
    world = followup_world(tmp_path, url=postgres_store_url)
    try:
        campaign.start(world.engine, world.config, now=local("2024-11-15T08:00"))
        assert campaign.tick(world.engine, world.config, now=local("2024-11-22T09:00")) >= 1
        nudge = next(r for r in list_outbox(world.engine) if r.kind == "followup-nudge")
        tasks = campaign.role_tasks(
            plan_schedule(world.engine, world.config, plan_id=world.plan_id), world.config
        )
        task = campaign.find_role(tasks, nudge.role)
        items = [AnswerInput(m.stored.id, "genomford", "Klart.") for m in task.measures]
        with world.engine.connect() as dispatcher:
            claiming = dispatcher.begin()
            dispatcher.execute(text("UPDATE outbox SET status = 'sending', claimed_by = 'annan' WHERE id = :id"),
                               {"id": nudge.id})  # fmt: skip
            xid = dispatcher.execute(text("SELECT pg_current_xact_id()::text")).scalar_one()

            def submit() -> None:
                save_answers(world.engine, plan_id=world.plan_id, role=task.role, items=items, submit=True,
                             by_coordinator=False, now=local("2024-11-22T10:00"),
                             nudge_keys_prefix=f"followup|{world.plan_id}|{task.slug}|nudge")  # fmt: skip

            submitting = threading.Thread(target=submit)
            submitting.start()
            with world.engine.connect() as watcher:
                poll_until(lambda: watcher.execute(text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' "
                    "AND transactionid::text = :xid AND NOT granted"), {"xid": xid}).scalar_one() == 1)  # fmt: skip
            claiming.commit()
            submitting.join(timeout=60)
            assert not submitting.is_alive()
        (after,) = [r for r in list_outbox(world.engine) if r.id == nudge.id]
        assert (after.status, after.claimed_by) == ("sending", "annan")
        assert all(answer.submitted for answer in answers(world.engine, world.plan_id).values())
    finally:
        world.close()
