"""Files written atomically (scheduler/base/files.py): the bytes and the mode asked for, whatever
the umask; a temporary file never left behind, nor another process's taken over; a refusal is one
`ResourceError` naming the file asked for."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.base import files
from scheduler.base.errors import ResourceError
from scheduler.base.files import write_atomically, write_bytes_atomically


@pytest.fixture
def strict_umask() -> Iterator[None]:
    old = os.umask(0o077)
    yield
    os.umask(old)


def test_the_bytes_and_the_mode_whatever_the_umask(tmp_path: Path, strict_umask: None) -> None:
    target = tmp_path / "ny" / "mapp" / "plan.ics"  # folders made when missing
    write_bytes_atomically(target, b"BEGIN:VCALENDAR\r\n" * 1000)
    assert target.read_bytes() == b"BEGIN:VCALENDAR\r\n" * 1000
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # a web server running as another user
    write_bytes_atomically(target, b"")  # replaced, even by nothing
    assert target.read_bytes() == b""
    write_atomically(tmp_path / "plan.toml", lambda p: p.write_text("år = 2025"), mode=0o640)
    assert stat.S_IMODE((tmp_path / "plan.toml").stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mapp", "ny", "plan.ics", "plan.toml"]


def test_a_temporary_name_left_by_a_killed_process_is_not_taken_over(tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    number = next(files._numbers)  # the names this process tries next: number + 1, + 2 …
    left = [tmp_path / f".plan.ics.{os.getpid()}-{number + n}.ics" for n in (1, 2)]
    for path in left:
        path.write_bytes(b"en annan process")
    write_bytes_atomically(target, b"nytt")
    assert target.read_bytes() == b"nytt"
    assert all(path.read_bytes() == b"en annan process" for path in left)


def test_a_refused_rename_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    target.mkdir()
    (target / "inuti").write_text("x")  # a folder that is not empty cannot be replaced
    with pytest.raises(ResourceError) as refused:
        write_bytes_atomically(target, b"nytt")
    assert f"«{target}»" in str(refused.value) and ".plan.ics." not in str(refused.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.ics"]


def test_a_file_where_a_folder_should_be_is_named(tmp_path: Path) -> None:
    (tmp_path / "fil").write_text("")
    with pytest.raises(ResourceError) as refused:
        write_bytes_atomically(tmp_path / "fil" / "plan.ics", b"x")
    assert f"«{tmp_path / 'fil'}» är en fil, inte en mapp" in str(refused.value)
