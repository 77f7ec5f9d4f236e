"""A calendar link as a value: a secret feed address given to one audience. Only the secret's
SHA-256 is kept; the secret itself is shown once, when the link is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FeedLink:
    id: int
    token_hash: str
    audience: str  # who it was given to
    # The organisation whose calendars it opens; "" (links made before there could be several):
    # the installation's first organisation.
    organisation: str
    scope: str  # the one calendar it opens ("roll-kommunpolis"), or "" for every calendar
    created_at: datetime
    revoked_at: datetime | None
