"""One check for an email address, used by the settings (at start) and by the mail (at send)."""

from __future__ import annotations

import re
from email.headerregistry import Address

from scheduler.base.text import one_line

# name@domain.tld, without the characters that separate addresses in a header.
_ADDRESS_SHAPE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


def parse_address(email: str, display_name: str = "") -> Address | None:
    """The address as a header value, or None when it is not name@domain.tld or holds a character
    no header may (a line break)."""
    email = email.strip()
    if not _ADDRESS_SHAPE.match(email):
        return None
    user, _, domain = email.partition("@")
    try:
        return Address(display_name=one_line(display_name), username=user, domain=domain)
    except (ValueError, TypeError):
        return None
