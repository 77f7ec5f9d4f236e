"""Made-up plans at national scale: `count` organisations, each with a plan of `measures` measures,
and a config.toml that configures all of them (the issue's "300 plans × 25 measures").

The texts are real: each measure is one of the seed plan's (Orsak, Åtgärd, Vem as Kungsholmen
wrote them) with a När drawn from the seed's and the golden corpus's phrases
(tests/cadence_corpus.tsv), so reading, placing and reminding cost what they cost for real plans.
Each organisation gets the seed config's roles with addresses of its own, so every convener has
an address and reminders are planned. Deterministic: the same arguments write the same files.

    write_plans(folder, database_url="sqlite:////tmp/x.sqlite3")  # → folder/config.toml
    python -m bench.generate FOLDER [COUNT] [MEASURES]             # the same, with a SQLite file
"""

from __future__ import annotations

import random
import sys
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import tomli_w

from scheduler.model.plan import Area, Measure, Plan
from scheduler.plan.files import read_plan, write_plan

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "db" / "seed" / "kungsholmen-2024.toml"
CORPUS = ROOT / "tests" / "cadence_corpus.tsv"
YEAR = 2025  # the corpus is read and placed in 2025
AREAS_PER_PLAN = 5

# Place names are made of two parts, as many Swedish ones are: 20 × 15 = 300 distinct names.
_FIRST = ("Norr", "Söder", "Väster", "Öster", "Berg", "Sjö", "Ek", "Björk", "Lind", "Ås",
          "Dal", "Hög", "Mal", "Sand", "Strand", "Fors", "Hag", "Vik", "Holm", "Ny")  # fmt: skip
_SECOND = ("by", "köping", "vik", "sund", "berga", "dal", "holm", "torp", "hult", "näs",
           "å", "stad", "fors", "ås", "tuna")  # fmt: skip
_ASCII = str.maketrans({"å": "a", "ä": "a", "ö": "o", "Å": "A", "Ä": "A", "Ö": "O"})


def organisation_names(count: int) -> list[tuple[str, str]]:
    """(short name, full name) of `count` made-up municipalities, short names ASCII."""
    places = [first + second for first in _FIRST for second in _SECOND]
    names = []
    for index in range(count):
        place = places[index % len(places)]
        if index >= len(places):
            place += f" {index // len(places) + 1}"
        short = place.lower().translate(_ASCII).replace(" ", "-")
        names.append((short, f"{place} kommun"))
    return names


def when_phrases() -> list[str]:
    """The När texts of the seed plan and of the golden corpus, as written there."""
    seed = [measure.when_text for _, measure in read_plan(SEED).plan.measures()]
    corpus = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            corpus.append(line.split("\t", 1)[0])
    return seed + corpus


def generated_plan(
    organisation: str, *, measures: int, rng: random.Random, phrases: list[str], seed: Plan
) -> Plan:
    """A plan of `measures` measures in AREAS_PER_PLAN areas: the seed's measures, each with a
    När drawn from `phrases` (a measure title is unique within its area)."""
    models = [measure for _, measure in seed.measures()]
    area_names = [area.name for area in seed.areas]
    areas: list[list[Measure]] = [[] for _ in range(min(AREAS_PER_PLAN, measures) or 1)]
    for index in range(measures):
        model = rng.choice(models)
        areas[index % len(areas)].append(
            replace(model, title=f"{model.title} ({index + 1})", when_text=rng.choice(phrases),
                    followup_text="")
        )  # fmt: skip
    return Plan(
        organisation=organisation,
        year=YEAR,
        areas=tuple(Area(f"{area_names[i % len(area_names)]} ({i + 1})", tuple(found))
                    for i, found in enumerate(areas)),
    )  # fmt: skip


def organisation_config(short: str, name: str, roles: dict[str, Any]) -> dict[str, Any]:
    """[organisations.<short>]: the seed config's roles, with addresses of this organisation."""
    own = {
        key: {**role, "email": f"{key}@{short}.example.org"} if "email" in role else dict(role)
        for key, role in roles.items()
    }
    return {"name": name, "coordinator_role": "Trygghetssamordnare",
            "email": f"trygghet@{short}.example.org", "roles": own}  # fmt: skip


def write_plans(
    folder: Path, count: int = 300, measures: int = 25, seed: int = 1, *, database_url: str
) -> Path:
    """Write `count` plan files (folder/plans/<short>.toml) and folder/config.toml configuring
    every organisation with `database_url`; returns the config's path."""
    rng = random.Random(seed)
    phrases = when_phrases()
    seed_plan = read_plan(SEED).plan
    roles = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))["roles"]
    plans = folder / "plans"
    plans.mkdir(parents=True, exist_ok=True)
    organisations = {}
    for short, name in organisation_names(count):
        organisations[short] = organisation_config(short, name, roles)
        plan = generated_plan(name, measures=measures, rng=rng, phrases=phrases, seed=seed_plan)
        write_plan(plan, plans / f"{short}.toml")
    config = {
        "organisation": {"base_url": "http://127.0.0.1:8000",
                         "email": "trygghet@example.org"},
        "database": {"url": database_url},
        "organisations": organisations,
    }  # fmt: skip
    path = folder / "config.toml"
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path


def plan_files(folder: Path) -> list[Path]:
    """The plan files `write_plans` wrote in `folder`, in name order."""
    return sorted((folder / "plans").glob("*.toml"))


def main(argv: list[str]) -> None:
    folder = Path(argv[0]).resolve()
    count = int(argv[1]) if len(argv) > 1 else 300
    measures = int(argv[2]) if len(argv) > 2 else 25
    config = write_plans(folder, count, measures,
                         database_url=f"sqlite:///{folder / 'scheduler.sqlite3'}")  # fmt: skip
    print(f"{count} planer × {measures} åtgärder i {folder / 'plans'}; konfiguration: {config}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("användning: python -m bench.generate MAPP [ANTAL] [ÅTGÄRDER]")
    main(sys.argv[1:])
