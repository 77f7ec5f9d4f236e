"""A folder worked in by name, never through a symbolic link: what `feeds export DIR --all` writes,
reads and removes stays inside DIR.

The folder is opened once (`open_subfolder`: made when missing, refused when it is a symbolic
link) and every file in it is then reached through that open folder (`dir_fd`), by a plain name:
a link put in place of the folder afterwards, or a link among its files, is never followed. A file
is read with O_NOFOLLOW, written as a temporary file renamed over the name (which replaces a link
there, never writes through it), removed with unlink (which removes a link, never what it points
to), and only regular files are listed for removal.
"""

from __future__ import annotations

import errno
import itertools
import os
import stat
from contextlib import suppress
from pathlib import Path

from scheduler.base.errors import ResourceError
from scheduler.base.files import CREATE_NEW

_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
_FOLDER = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# New files are made as scheduler/base/files.py makes them (`CREATE_NEW`).
_numbers = itertools.count()


class LinkRefused(ResourceError):
    """A symbolic link where the export expects a folder of its own."""


class Folder:
    """An open folder (`path` is only for messages); close it, or use it in a `with`."""

    def __init__(self, descriptor: int, path: Path) -> None:
        self.descriptor = descriptor
        self.path = path

    def __enter__(self) -> Folder:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self.descriptor >= 0:
            os.close(self.descriptor)
            self.descriptor = -1

    def read(self, name: str) -> bytes | None:
        """The regular file `name`'s bytes; None when there is none (or a link is there)."""
        try:
            handle = os.open(name, _READ, dir_fd=self.descriptor)
        except (FileNotFoundError, IsADirectoryError):
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a symbolic link: not ours to read
                return None
            raise ResourceError.from_os_error(exc, self.path / name) from exc
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                return None
            chunks = []
            while chunk := os.read(handle, 1 << 20):
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError as exc:
            raise ResourceError.from_os_error(exc, self.path / name) from exc
        finally:
            os.close(handle)

    def size(self, name: str) -> int | None:
        """The size of the regular file `name`; None when there is none (or something else)."""
        try:
            found = os.stat(name, dir_fd=self.descriptor, follow_symlinks=False)
        except OSError:
            return None
        return found.st_size if stat.S_ISREG(found.st_mode) else None

    def regular_files(self) -> list[str]:
        """The names of the regular files in the folder (no links, no folders)."""
        try:
            with os.scandir(self.descriptor) as entries:
                return [entry.name for entry in entries if entry.is_file(follow_symlinks=False)]
        except OSError as exc:
            raise ResourceError.from_os_error(exc, self.path) from exc

    def write(self, name: str, data: bytes, *, mode: int = 0o644) -> None:
        """`data` as the file `name`, atomically: a temporary file beside it, renamed over it (a
        link there is replaced, never written through)."""
        handle, temporary = self._temporary(name)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view) :]
                os.fchmod(handle, mode)
            finally:
                os.close(handle)
            os.replace(temporary, name, src_dir_fd=self.descriptor, dst_dir_fd=self.descriptor)
        except OSError as exc:
            self._discard(temporary)
            raise ResourceError.from_os_error(exc, self.path / name) from exc
        except BaseException:
            self._discard(temporary)
            raise

    def remove(self, name: str) -> bool:
        """Remove the entry `name` (a link itself, never what it points to); False when gone."""
        try:
            os.unlink(name, dir_fd=self.descriptor)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ResourceError.from_os_error(exc, self.path / name) from exc
        return True

    def _temporary(self, name: str) -> tuple[int, str]:
        """A new hidden file `.NAME.PID-N.SUFFIX`, as scheduler/base/files.py names them."""
        suffix = Path(name).suffix
        for _ in range(100):
            temporary = f".{name}.{os.getpid()}-{next(_numbers)}{suffix}"
            try:
                return os.open(temporary, CREATE_NEW, 0o600, dir_fd=self.descriptor), temporary
            except FileExistsError:
                continue
            except OSError as exc:
                raise ResourceError.from_os_error(exc, self.path / name) from exc
        raise ResourceError(
            f"«{self.path / name}» går inte att skriva: för många kvarlämnade tillfälliga filer."
        )

    def _discard(self, temporary: str) -> None:
        with suppress(OSError):
            os.unlink(temporary, dir_fd=self.descriptor)


def open_subfolder(parent: Path, name: str, *, create: bool = True) -> Folder | None:
    """The folder `parent/name`, made when missing (`create`; else None when missing). `parent`
    is taken as given (a link there is the user's own choice of place); `name` must be a folder
    of its own: a symbolic link there is refused (`LinkRefused`), a file there too."""
    path = parent / name
    try:
        top = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise ResourceError.from_os_error(exc, parent) from exc
    try:
        if create:
            try:
                os.mkdir(name, 0o755, dir_fd=top)
            except FileExistsError:
                pass
            except OSError as exc:
                raise ResourceError.from_os_error(exc, path) from exc
        try:
            return Folder(os.open(name, _FOLDER, dir_fd=top), path)
        except FileNotFoundError:
            if create:
                raise ResourceError(f"«{path}» går inte att använda: finns inte.") from None
            return None
        except OSError as exc:
            found = _lstat(top, name)
            if found is not None and stat.S_ISLNK(found.st_mode):
                raise LinkRefused(
                    f"«{path}» är en symbolisk länk; exporten skriver bara i vanliga mappar i "
                    f"{parent} och följer inga länkar. Ta bort länken (inget utanför {parent} "
                    "har rörts)."
                ) from exc
            if found is not None and not stat.S_ISDIR(found.st_mode):
                raise ResourceError(
                    f"«{path}» är en fil, inte en mapp; flytta eller ta bort den."
                ) from exc
            raise ResourceError.from_os_error(exc, path) from exc
    finally:
        os.close(top)


def _lstat(folder: int, name: str) -> os.stat_result | None:
    try:
        return os.stat(name, dir_fd=folder, follow_symlinks=False)
    except OSError:
        return None
