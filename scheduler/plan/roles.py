"""Who convenes and who takes part: read from a measure's Vem text.

The Vem column is free Swedish prose ("Trygghetssamordnare på stadsdelsförvaltningen är
sammankallande … Kommunpolis åtar sig att delta"). Roles are found with a lexicon of the role
names such plans use, tolerant of inflection and the typos real plans carry ("Trygghessamordnaren"),
extended by the roles and aliases in config.toml. The convener is, in this order: the role
before "är sammankallande", the role before "sammankallar", the role that "ansvarar för" (or "har
ansvar"), else the first role named. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.base.caches import memo

# Canonical role name → pattern. Order matters where names overlap: the longer, more specific
# name comes first so "sekreterare för rådet …" is not read as a plain "sekreterare".
_BUILTIN_ROLES: tuple[tuple[str, str], ...] = (
    (
        "Sekreterare för rådet för funktionshinderfrågor",
        r"sekreterare\s+för\s+rådet\s+för\s+funktionshinderfrågor",
    ),
    ("Trygghetssamordnare", r"trygg\w{0,6}samordnar\w*"),
    ("Preventionssamordnare", r"preventions?samordnar\w*"),
    ("Kommunpolis", r"kommunpolis\w*"),
    ("Polis", r"(?<![\w-])polis(?:en|ens|er|erna)?(?![\w-])"),
    ("Fältassistenter", r"fältassistent\w*"),
    ("Socialsekreterare", r"socialsekret\w*"),
    ("Socialtjänsten", r"socialtjänst\w*"),
    ("Socialjouren", r"socialjour\w*"),
    ("Stadsdelsdirektör", r"stadsdelsdirektör\w*"),
    ("Säkerhetschef", r"säkerhetschef\w*"),
    ("Äldreomsorgsavdelningen", r"äldreomsorgsavdelning\w*"),
    ("Förskoleavdelningen", r"förskoleavdelning\w*"),
    ("Mottagningsgruppen barn och unga", r"mottagningsgrupp\w*(?:\s*/\s*barn\s+och\s+unga)?"),
    ("Skolan", r"(?<![\w-])skol(?:an|or|orna)(?![\w-])"),
    ("Fritidsgårdar", r"fritidsgård\w*"),
    ("Civilsamhället", r"civilsamhäll\w*"),
    ("Fastighetsägare", r"fastighets(?:ägare|bolag)\w*"),
    ("Räddningstjänsten", r"räddningstjänst\w*"),
)

_SENTENCE_GAP = re.compile(r"(?<=[.!?])\s+")
_CONVENES = re.compile(r"\bär\s+sammankallande\b|\bsammankallar\b", re.IGNORECASE)
_RESPONSIBLE = re.compile(
    r"\bansvarar\b|\bhar\s+(?:ett\s+)?(?:gemensamt\s+)?ansvar\b", re.IGNORECASE
)


@dataclass(frozen=True)
class RoleMention:
    role: str
    start: int
    end: int


@dataclass(frozen=True)
class Responsibility:
    """What a Vem text says: the convening role (or None), everyone taking part, and why."""

    convener: str | None
    participants: tuple[str, ...]  # every role named, convener first, each once
    rule: (
        str  # "explicit", "är sammankallande", "sammankallar", "ansvarar", "först nämnd", "saknas"
    )


@dataclass(frozen=True)
class RoleLexicon:
    """Role names to look for: the built-in ones plus those configured."""

    patterns: tuple[tuple[str, re.Pattern[str]], ...]

    @classmethod
    def build(cls, configured: Iterable[tuple[str, Iterable[str]]] = ()) -> RoleLexicon:
        """`configured` holds (display name, aliases) pairs; they take precedence over built-ins."""
        patterns: list[tuple[str, re.Pattern[str]]] = []
        for name, aliases in configured:
            words = [name, *aliases]
            alternatives = "|".join(re.escape(w.strip()) for w in words if w.strip())
            builtin = _builtin_pattern_for(name)
            if builtin:
                alternatives = f"{alternatives}|{builtin}"
            patterns.append((name, re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)))
        configured_names = {name.casefold() for name, _ in patterns}
        for name, pattern in _BUILTIN_ROLES:
            if name.casefold() not in configured_names:
                patterns.append((name, re.compile(pattern, re.IGNORECASE)))
        return cls(tuple(patterns))

    def canonical(self, text: str) -> str | None:
        """The role a name stands for ("trygghetssamordnaren" → "Trygghetssamordnare")."""
        mentions = self.mentions(text)
        return mentions[0].role if mentions else None

    def mentions(self, text: str) -> list[RoleMention]:
        """Every role named in the text, in order; overlapping matches keep the earlier pattern."""
        found: list[RoleMention] = []
        taken: list[tuple[int, int]] = []
        for name, pattern in self.patterns:
            for match in pattern.finditer(text):
                span = match.span()
                if any(span[0] < end and start < span[1] for start, end in taken):
                    continue
                taken.append(span)
                found.append(RoleMention(name, span[0], span[1]))
        return sorted(found, key=lambda m: m.start)


def _builtin_pattern_for(name: str) -> str | None:
    for builtin_name, pattern in _BUILTIN_ROLES:
        if re.fullmatch(pattern, name, re.IGNORECASE) or builtin_name.casefold() == name.casefold():
            return pattern
    return None


def read_responsibility(
    responsible_text: str, lexicon: RoleLexicon, *, explicit_convener: str | None = None
) -> Responsibility:
    """Find the convener and the roles taking part in a Vem text."""
    return _read_responsibility(responsible_text, lexicon, explicit_convener)


# Cached (bounded; the values are frozen): every command reads every measure's Vem, an import of
# many plans reads the same few texts again and again, and each reading runs every role pattern.
@memo("roles.responsibility")
def _read_responsibility(
    responsible_text: str, lexicon: RoleLexicon, explicit_convener: str | None
) -> Responsibility:
    mentions = lexicon.mentions(responsible_text)
    participants = _unique(m.role for m in mentions)
    if explicit_convener:
        named = lexicon.canonical(explicit_convener) or explicit_convener.strip()
        return Responsibility(named, _unique([named, *participants]), "explicit")
    if not mentions:
        return Responsibility(None, (), "saknas")
    for rule_name, rule in (("sammankallande", _CONVENES), ("ansvarar", _RESPONSIBLE)):
        convener = _role_before(responsible_text, rule, mentions)
        if convener:
            return Responsibility(convener, _unique([convener, *participants]), rule_name)
    return Responsibility(mentions[0].role, participants, "först nämnd")


def _role_before(text: str, rule: re.Pattern[str], mentions: list[RoleMention]) -> str | None:
    """The first role named in the sentence where `rule` matches, before the match."""
    offset = 0
    for sentence in _SENTENCE_GAP.split(text):
        start = text.find(sentence, offset)
        offset = start + len(sentence)
        match = rule.search(sentence)
        if not match:
            continue
        cut = start + match.start()
        before = [m for m in mentions if start <= m.start < cut]
        if before:
            return before[0].role
    return None


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for name in names:
        seen.setdefault(name, None)
    return tuple(seen)
