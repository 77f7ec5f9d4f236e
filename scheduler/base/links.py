"""Signed links in emails: tamper-proof, expiring, no database row needed to check them.

A link carries its own expiry (not the signing time), so the same link is rendered whenever the
email is rendered, however long before it is sent.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer


class LinkError(Exception):
    """A link that is forged or expired. `expired` tells which, for the page shown."""

    def __init__(self, message: str, *, expired: bool) -> None:
        super().__init__(message)
        self.expired = expired


class LinkSigner:
    def __init__(self, secret: str, *, purpose: str) -> None:
        # The purpose is the salt: a link made for one page is refused by another.
        self._serializer = URLSafeSerializer(secret, salt=purpose)
        # Tells whether links made with another key would differ, without keeping the key in view.
        self.key_digest = hashlib.sha256(f"{purpose}\0{secret}".encode()).hexdigest()

    def sign(self, payload: dict[str, Any], *, expires: datetime) -> str:
        return self._serializer.dumps({**payload, "exp": int(expires.timestamp())})

    def verify(self, token: str, *, now: datetime) -> dict[str, Any]:
        try:
            payload = self._serializer.loads(token)
        except BadSignature:
            raise LinkError("Länken är ogiltig.", expired=False) from None
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
            raise LinkError("Länken är ogiltig.", expired=False)
        if now >= datetime.fromtimestamp(payload["exp"], UTC):
            raise LinkError("Länken har gått ut.", expired=True)
        return payload


def bound_token(secret: str, *, purpose: str, value: str) -> str:
    """A token only `value` earns (an HMAC with the server's secret): a form's CSRF token bound to
    its signed link, so a token taken from one link's page is refused on another's."""
    return hmac.new(secret.encode(), f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def same_token(expected: str, given: object) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())
