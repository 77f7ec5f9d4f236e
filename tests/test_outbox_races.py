"""Two `scheduler remind run-due` processes reaching the follow-up step at the same moment (the
campaign's start, a nudge round, the summary) on SQLite and PostgreSQL: both finish cleanly and
every follow-up email exists once. Before, one of them died with `IntegrityError: UNIQUE
constraint failed: outbox.key` (a check-then-insert in `store/followups.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from scheduler.store.engine import open_store
from scheduler.store.outbox import list_outbox
from tests.conftest import ROOT, SEED_PLAN, Cli, write_config

# The seed plan is for 2024: the campaign starts 15 November, nudges a week later, and the
# coordinator's summary is due once the deadline (15 December) has passed.
MOMENTS = ("2024-11-15T09:00", "2024-11-22T09:00", "2024-12-16T09:00")
ROUNDS = 3


# A real `scheduler remind run-due` process that has imported everything and waits for a line on
# stdin before it starts: two of them released together start their passes within a millisecond,
# rather than as far apart as their start-up times differ.
READY_THEN_RUN = (
    "import sys; from scheduler.cli import main; import scheduler.followup.campaign; "
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


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_two_dispatchers_reaching_the_follow_up_step_at_once_both_succeed_and_enqueue_once(
    tmp_path: Path, store_url: str, attempt: int
) -> None:
    config = write_config(
        tmp_path / "config.toml", store_url, extra="[reminders]\nmax_per_pass = 1\n"
    )
    assert Cli(config)("import", str(SEED_PLAN)).code == 0
    engine = open_store(store_url)
    try:
        for now in MOMENTS:
            processes = [run_due(config, now), run_due(config, now)]
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
