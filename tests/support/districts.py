"""Two districts in one installation: Kungsholmen's table in config.toml, Norrmalm's in a file of
its own, and Norrmalm's plan (Kungsholmen's, with another organisation and its SSP measure
renamed, so each district has a calendar the other lacks)."""

from __future__ import annotations

import json
import tomllib
from dataclasses import replace
from pathlib import Path

from scheduler.model.plan import Plan
from scheduler.plan.files import read_plan
from tests.support.seed import ROOT, SEED_PLAN

KUNGSHOLMEN = "Kungsholmens stadsdelsförvaltning"
NORRMALM = "Norrmalms stadsdelsförvaltning"
DOMAINS = {KUNGSHOLMEN: "kungsholmen.example.org", NORRMALM: "norrmalm.example.org"}


def _roles_toml(prefix: str, domain: str) -> str:
    """The repo's roles, every address moved to `domain`, as tables under `prefix`."""
    roles = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))["roles"]
    lines = []
    for key, entry in roles.items():
        lines.append(f"[{prefix}.{key}]")
        for name, value in entry.items():
            if name == "email":
                value = f"{value.split('@')[0]}@{domain}"
            lines.append(f"{name} = {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def write_two_district_config(folder: Path, url: str, extra: str = "") -> Path:
    (folder / "norrmalm.toml").write_text(
        f'[organisation]\nname = "{NORRMALM}"\nemail = "trygghet@{DOMAINS[NORRMALM]}"\n'
        'coordinator_role = "Trygghetssamordnare"\n\n'
        + _roles_toml("roles", DOMAINS[NORRMALM]),
        encoding="utf-8",
    )  # fmt: skip
    path = folder / "config.toml"
    path.write_text(
        '[organisation]\nbase_url = "http://127.0.0.1:8000"\n\n'
        f'[database]\nurl = "{url}"\n\n'
        f'[organisations.kungsholmen]\nname = "{KUNGSHOLMEN}"\n'
        f'email = "trygghet@{DOMAINS[KUNGSHOLMEN]}"\ncoordinator_role = "Trygghetssamordnare"\n\n'
        + _roles_toml("organisations.kungsholmen.roles", DOMAINS[KUNGSHOLMEN])
        + '\n[organisations.norrmalm]\nfile = "norrmalm.toml"\n\n'
        + extra,
        encoding="utf-8",
    )  # fmt: skip
    return path


def norrmalm_plan() -> Plan:
    plan = read_plan(SEED_PLAN).plan
    areas = tuple(
        replace(area, measures=tuple(
            replace(m, title="SSP Norrmalm") if m.title == "SSP" else m for m in area.measures
        ))
        for area in plan.areas
    )  # fmt: skip
    return replace(plan, organisation=NORRMALM, areas=areas)
