"""Coordinator passwords: how they are hashed and checked, and which are good enough to set.

Hashes are argon2id, by default with argon2-cffi's recommended parameters (RFC 9106's low-memory
choice: 64 MiB and three passes per hash; `[server] password_hash_memory_kib` and
`password_hash_passes`, no lower than OWASP's minimum), so a password is never stored or logged as
typed. A hash carries the cost it was made with, and is checked at that cost. A check costs that
memory too, which is why the web server runs only a few at once (scheduler.web.password_gate).

A new password is measured with zxcvbn (Dropbox's estimator: the common-password lists, words,
names, keyboard rows, repeats, sequences and dates) besides the plain rules below; a guessable
one is refused with a Swedish line saying why.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from scheduler.base.caches import memo
from scheduler.base.errors import UsageError
from scheduler.settings.model import Server

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200
DEFAULT_MIN_SCORE = 3  # zxcvbn: "safely unguessable: moderate protection from offline attacks"

_checker = PasswordHasher()  # checks a hash at the cost written in it, whatever that was

# Why zxcvbn found a password guessable, by the kind of pattern it matched (its `sequence`).
_DICTIONARY_REASONS = {
    "passwords": "det är ett av de vanligaste lösenorden, eller nästan",
    "user_inputs": "det innehåller användarnamnet",
}
_WORDS = "det bygger på ett vanligt ord eller namn"
_PATTERN_REASONS = {
    "spatial": "det är tangenter i följd på tangentbordet (som qwerty)",
    "repeat": "det upprepar samma tecken eller ord",
    "sequence": "det innehåller en följd som abc eller 1234",
    "regex": "det innehåller ett årtal",
    "date": "det innehåller ett datum eller årtal",
}


@dataclass(frozen=True)
class HashCost:
    """argon2id's cost for new hashes: the `password_hash_` keys of [server], made only by
    `from_section`."""

    memory_kib: int
    passes: int

    @classmethod
    def from_section(cls, server: Server) -> HashCost:
        return cls(memory_kib=server.password_hash_memory_kib, passes=server.password_hash_passes)


@memo("once.password_hasher")
def _hasher(cost: HashCost) -> PasswordHasher:
    return PasswordHasher(time_cost=cost.passes, memory_cost=cost.memory_kib)


def hash_password(password: str, cost: HashCost) -> str:
    return _hasher(cost).hash(password)


def verifies(password_hash: str, password: str) -> bool:
    """The password matches the hash (the hash's own memory and passes of work)."""
    try:
        return _checker.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@memo("once.dummy_hash")
def dummy_hash(cost: HashCost) -> str:
    """A hash no password matches in practice, made at the configured cost: an unknown username
    is checked against it, so it takes as long as a known one."""
    return _hasher(cost).hash(secrets.token_urlsafe(16))


def check_password(
    password: str, *, username: str, min_score: int = DEFAULT_MIN_SCORE, nothing_done: str
) -> None:
    """A password good enough to guard a district's plan, else one Swedish line saying why and
    `nothing_done` ("Inget konto skapades.")."""
    if not password:
        raise UsageError(f"lösenordet är tomt. {nothing_done}")
    if len(password) < MIN_PASSWORD_CHARS:
        raise UsageError(
            f"lösenordet är för kort ({len(password)} tecken): det ska ha minst "
            f"{MIN_PASSWORD_CHARS}. {nothing_done}"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise UsageError(f"lösenordet får ha högst {MAX_PASSWORD_CHARS} tecken. {nothing_done}")
    if len(set(password)) < 4 or username in password.casefold():
        raise UsageError(
            "lösenordet är för lätt att gissa (samma få tecken om och om igen, eller "
            f"användarnamnet). Välj ett annat. {nothing_done}"
        )
    reasons = _guessable(password, username=username, min_score=min_score)
    if reasons:
        raise UsageError(
            f"lösenordet är för lätt att gissa: {'; '.join(reasons)}. Välj ett längre, till "
            f"exempel några ord som inte hör ihop. {nothing_done}"
        )


def _guessable(password: str, *, username: str, min_score: int) -> list[str]:
    """Why zxcvbn scores the password under `min_score` (an empty list when it does not)."""
    from zxcvbn import zxcvbn  # its word lists take a fifth of a second to load: when used

    result = zxcvbn(password, user_inputs=[username])
    if int(result["score"]) >= min_score:
        return []
    reasons: list[str] = []
    for match in result["sequence"]:
        pattern = match.get("pattern")
        if pattern == "dictionary":
            reason = _DICTIONARY_REASONS.get(match.get("dictionary_name", ""), _WORDS)
        else:
            reason = _PATTERN_REASONS.get(pattern, "")
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons or ["det är för kort eller för enkelt för sin längd"]
