"""Files written atomically: a reader (a web server serving an exported feed, Excel opening a
plan) sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from scheduler.base.errors import ResourceError


def write_atomically(path: Path, write: Callable[[Path], object], *, mode: int = 0o644) -> None:
    """`write` fills a temporary file beside `path`, which then replaces `path` in one step.

    A refusal by the file system (permissions, read-only, full disk, a file where a folder should
    be) is a `ResourceError` naming `path`, not the temporary file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a file stands where a folder of the path should be
        raise ResourceError(
            f"«{path}» går inte att skriva: «{exc.filename}» är en fil, inte en mapp."
        ) from exc
    except OSError as exc:
        raise ResourceError.from_os_error(exc, path) from exc
    try:
        handle, name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix
        )
    except OSError as exc:
        raise ResourceError.from_os_error(exc, path) from exc
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ResourceError.from_os_error(exc, path) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes_atomically(path: Path, data: bytes) -> None:
    write_atomically(path, lambda target: target.write_bytes(data))
