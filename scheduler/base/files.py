"""Files written atomically: a reader (a web server serving an exported feed, Excel opening a
plan) sees the old file or the new one, never half of one.

Nothing here calls fsync. Atomicity is about readers, and the rename gives it; a crash of the
machine (not of the program) may still lose what was written just before it, and what is written
here can be written again: a plan file or a report by running the command again, the exported
feeds by the next `feeds export` (which checks that the files it skips are whole: see
scheduler/services/feed_export.py). An fsync per file would make `feeds export --all` wait for the
disk some 28,000 times on a national installation.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

from scheduler.base.errors import ResourceError


def write_atomically(path: Path, write: Callable[[Path], object], *, mode: int = 0o644) -> None:
    """`write` fills a temporary file beside `path`, which then replaces `path` in one step.

    A refusal by the file system (permissions, read-only, full disk, a file where a folder should
    be) is a `ResourceError` naming `path`, not the temporary file."""
    handle, name = _temporary(path)
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


def write_bytes_atomically(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """`data` as the file `path`, as `write_atomically` writes it: written through the temporary
    file's own descriptor (not opened a second time by name, no buffered file object), the folder
    made only when missing. The export writes tens of thousands of these, where every system call
    counts."""
    handle, name = _temporary(path)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view) :]
            os.fchmod(handle, mode)  # mkstemp made it 0600, for this user only
        finally:
            os.close(handle)
        os.replace(name, path)
    except OSError as exc:
        Path(name).unlink(missing_ok=True)
        raise ResourceError.from_os_error(exc, path) from exc
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


# A new file of this process's own (O_EXCL: never one that is there, O_NOFOLLOW: never through
# a link planted in its place), readable by this user only until it is complete.
CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_numbers = itertools.count()


def _temporary(path: Path) -> tuple[int, str]:
    """An open temporary file beside `path`, its folder made if missing. Named
    `.NAME.PID-N.SUFFIX`: hidden, never the name of another process's temporary file (a name
    left by a killed process whose number has come back is skipped), and a file that an
    export's clean-up recognises. Cheaper than `tempfile.mkstemp`'s random names, which an
    export pays for tens of thousands of times."""
    folder_made = False
    for _ in range(100):
        name = f"{path.parent}/.{path.name}.{os.getpid()}-{next(_numbers)}{path.suffix}"
        try:
            return os.open(name, CREATE_NEW, 0o600), name
        except FileExistsError:
            continue
        except (FileNotFoundError, NotADirectoryError) as exc:
            if folder_made:
                raise ResourceError.from_os_error(exc, path) from exc
            _make_folder(path)  # then try again; a folder that cannot be made says why
            folder_made = True
        except OSError as exc:
            raise ResourceError.from_os_error(exc, path) from exc
    raise ResourceError(f"«{path}» går inte att skriva: för många kvarlämnade tillfälliga filer.")


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # a file stands where a folder of the path should be
        raise ResourceError(
            f"«{path}» går inte att skriva: «{exc.filename}» är en fil, inte en mapp."
        ) from exc
    except OSError as exc:
        raise ResourceError.from_os_error(exc, path) from exc
