"""Usernames of coordinator accounts: their one spelling, their rules, and the key sign-in
attempts against one are counted by (a hash: never the name as typed, whatever its length)."""

from __future__ import annotations

import hashlib
import re

from scheduler.base.errors import UsageError
from scheduler.store.login_attempts import BY_ACCOUNT, Subject

MAX_USERNAME_CHARS = 64
_USERNAME = re.compile(rf"[\w.@-]{{2,{MAX_USERNAME_CHARS}}}")


def normal_username(text: str) -> str:
    """Case-folded and trimmed: "Anna " and "anna" are one account."""
    return text.strip().casefold()


def check_username(text: str) -> str:
    username = normal_username(text)
    if not _USERNAME.fullmatch(username):
        shown = text if len(text) <= MAX_USERNAME_CHARS else text[:MAX_USERNAME_CHARS] + "…"
        raise UsageError(
            f"ogiltigt användarnamn «{shown}»: 2–{MAX_USERNAME_CHARS} tecken, bokstäver, siffror "
            "och . _ @ - (inga mellanslag)."
        )
    return username


def username_subject(text: str) -> Subject:
    """What attempts for this username are counted against: a SHA-256 of its one spelling."""
    digest = hashlib.sha256(normal_username(text).encode("utf-8", "surrogatepass")).hexdigest()
    return Subject(BY_ACCOUNT, digest)
