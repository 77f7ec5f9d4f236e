"""A workspace account, as a value: one organisation's pages only, as a coordinator (who may
change things) or a reader (who may only look)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

Role = Literal["coordinator", "reader"]
COORDINATOR: Final = "coordinator"
READER: Final = "reader"
ROLES: Final[tuple[Role, ...]] = (COORDINATOR, READER)
# What pages and the command line call each role.
ROLE_NAMES: Final[dict[str, str]] = {COORDINATOR: "samordnare", READER: "läsare"}
# What each role may do, in plain Swedish, for the one who chooses it and the one who gets it.
ROLE_MEANINGS: Final[dict[str, str]] = {
    COORDINATOR: "ser och ändrar allt i arbetsytan: planen, mötena, påminnelserna, rollerna och "
    "kontona",
    READER: "ser planen, agendan, årshjulet och uppföljningen men ändrar ingenting",
}


@dataclass(frozen=True)
class Account:
    id: int
    username: str  # case-folded: "Anna" and "anna" are one account
    organisation: str
    password_hash: str  # argon2; the password itself is never kept; "" signs in only by OIDC
    created_at: datetime
    role: Role = COORDINATOR
    # Set for an account made by signing in through the organisation's identity provider.
    oidc_issuer: str | None = None
    oidc_subject: str | None = None
    display_name: str | None = None
    email: str | None = None

    @property
    def reader(self) -> bool:
        return self.role == READER
