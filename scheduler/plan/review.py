"""What a coordinator should look at in an imported plan: a pure function over the plan.

Later stages add their own findings (how each När was read) through `extra`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.base.caches import memo
from scheduler.model.stored import StoredMeasure
from scheduler.plan.roles import Responsibility, RoleLexicon, read_responsibility
from scheduler.settings.model import Settings


@dataclass(frozen=True)
class Finding:
    kind: str  # "missing_convener", "unknown_role", "empty_when", "role_without_email", "cadence"
    message: str  # Swedish, for the coordinator
    area: str | None = None
    measure: str | None = None


def lexicon_for(config: Settings) -> RoleLexicon:
    return _lexicon(tuple((role.name, tuple(role.aliases)) for role in config.all_roles))


@memo("roles.lexicon")
def _lexicon(roles: tuple[tuple[str, tuple[str, ...]], ...]) -> RoleLexicon:
    """One lexicon per set of role names (the organisations of an installation share theirs):
    building one compiles a pattern per role, and readings are cached per lexicon."""
    return RoleLexicon.build(roles)


def responsibilities(
    measures: Iterable[StoredMeasure], lexicon: RoleLexicon
) -> dict[int, Responsibility]:
    return {
        stored.id: read_responsibility(
            stored.measure.responsible_text, lexicon, explicit_convener=stored.measure.convener
        )
        for stored in measures
    }


def check_plan(measures: Iterable[StoredMeasure], config: Settings) -> list[Finding]:
    measures = list(measures)
    read = responsibilities(measures, lexicon_for(config))
    findings: list[Finding] = []
    unknown: dict[str, list[str]] = {}
    for stored in measures:
        measure = stored.measure
        who = read[stored.id]
        if who.convener is None:
            findings.append(Finding(
                "missing_convener",
                "ingen sammankallande roll: Vem är tom eller nämner ingen känd roll"
                if not measure.responsible_text else
                f"ingen sammankallande roll hittades i Vem: «{_short(measure.responsible_text)}»",
                stored.area, measure.title,
            ))  # fmt: skip
        if not measure.when_text:
            findings.append(Finding("empty_when", "När är tomt: inga möten eller uppgifter planeras",
                                    stored.area, measure.title))  # fmt: skip
        for role in who.participants:
            configured = config.role(role)
            if configured is None:
                unknown.setdefault(role, []).append(measure.title)
            elif role == who.convener and not configured.email:
                findings.append(Finding("role_without_email",
                                        f"sammankallande {role} har ingen e-postadress i config.toml",
                                        stored.area, measure.title))  # fmt: skip
    for role, titles in unknown.items():
        listed = ", ".join(dict.fromkeys(titles))
        findings.append(Finding(
            "unknown_role",
            f"rollen «{role}» finns inte under [roles] i config.toml (nämns i: {listed})",
        ))  # fmt: skip
    return findings


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
