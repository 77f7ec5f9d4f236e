"""The seed plan the tests import, and the moments and config text they share."""

from __future__ import annotations

from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED_PLAN = ROOT / "db" / "seed" / "kungsholmen-2024.toml"
SEED_ORGANISATION = "Kungsholmens stadsdelsförvaltning"  # the seed plan's, and the test config's
# The real plan the project is built from, as text (a copy of shared/seed/atgardsplan-2024.txt):
# the tests carry their own fixtures and need nothing outside the repository.
SEED_TEXT = ROOT / "tests" / "data" / "atgardsplan-2024.txt"

# Config text that plans the plan's whole year of reminders at once (the planning horizon at its
# longest, two years), for tests that look at reminders months ahead without a refresh between.
YEAR_OF_REMINDERS = "[reminders]\nhorizon_weeks = 104\n"

# When the tests' CLI imports of the 2024 plans happen (`import --now`, Swedish local time): at the
# start of the plan's year, so its reminders are ahead of the import.
IMPORT_NOW = "2024-01-08T08:00"


def upcoming_seed(folder: Path) -> tuple[Path, int]:
    """The seed plan rolled over to next year, written as a plan file in `folder`: all of its
    meetings ahead of the real now, whenever the tests run. Returns the file and its year."""
    from scheduler.plan.files import read_plan, write_plan
    from scheduler.services.refresh import rolled_over

    year = date.today().year + 1
    path = folder / f"kungsholmen-{year}.toml"
    write_plan(rolled_over(read_plan(SEED_PLAN).plan, year), path)
    return path, year
