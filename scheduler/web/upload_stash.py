"""An upload kept between its preview and the confirming POST: a browser does not send a file
twice, so the first POST keeps it under a random id, and the confirming form carries the id.
In the system's temporary folder, named by the id and the organisation's hash (another
organisation's id finds nothing), read once and deleted; what is left an hour goes at the next
upload. Never named to the user: the page knows the file only by the name it was chosen by."""

from __future__ import annotations

import hashlib
import re
import secrets
import tempfile
import time
from pathlib import Path

KEEP_SECONDS = 3600
_STASH_ID = re.compile(r"^[0-9a-f]{32}$")


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "scheduler-uploads"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _path(stash_id: str, organisation: str, suffix: str) -> Path:
    owner = hashlib.sha256(organisation.encode()).hexdigest()[:16]
    return _folder() / f"{stash_id}-{owner}{suffix}"


def keep(data: bytes, *, organisation: str, suffix: str) -> str:
    cutoff = time.time() - KEEP_SECONDS
    for old in _folder().iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    stash_id = secrets.token_hex(16)
    _path(stash_id, organisation, suffix).write_bytes(data)
    return stash_id


def take(stash_id: str, *, organisation: str, suffix: str) -> bytes | None:
    """The kept file, removed; None when there is none (used, too old, not this organisation's)."""
    if not _STASH_ID.match(stash_id):
        return None
    path = _path(stash_id, organisation, suffix)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return data
