"""`scheduler feeds export DIR --all`: every organisation's calendars as the links serve them.

Equality with the served feeds is checked byte for byte after unfolding, with one thing taken out
of the served feed: the link to the subscribe page (the URL line and the description's last line),
which carries the link's secret and which a file that belongs to no link cannot have. Nothing in a
feed is volatile (DTSTAMP is the last change), so nothing else is removed.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scheduler.plan.files import write_plan
from scheduler.store.feed_tokens import create_token
from scheduler.web.app import create_app
from tests.support.districts import KUNGSHOLMEN, NORRMALM, norrmalm_plan
from tests.support.workspace_fixture import Workspace, two_district_workspace

# December: the closing year's last meetings and, for Kungsholmen, next year's plan in one window.
NOW = datetime(2024, 12, 10, 9, 0, tzinfo=UTC)
NOW_TEXT = "2024-12-10T10:00"  # the same moment, Swedish time
FOLDERS = {KUNGSHOLMEN: "kungsholmens-stadsdelsforvaltning", NORRMALM: "norrmalms-stadsdelsforvaltning"}  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    workspace = two_district_workspace(tmp_path, store_url)
    rolled = workspace.cli("--organisation", "kungsholmen", "rollover", "2025")
    assert rolled.code == 0, rolled.err
    return workspace


def export(workspace: Workspace, folder: Path) -> str:
    result = workspace.cli("feeds", "export", str(folder), "--all", "--now", NOW_TEXT)
    assert result.code == 0, result.err
    return result.out


def calendars(folder: Path) -> dict[str, bytes]:
    found = sorted(folder.glob("*.ics"))
    return {p.name: p.read_bytes() for p in found if p.is_file() and not p.name.startswith(".")}


def without_link(body: bytes, token: str) -> bytes:
    unfolded = body.replace(b"\r\n ", b"")
    unfolded = re.sub(rb"\r\nURL:[^\r]*", b"", unfolded)
    link = re.escape(f"/feeds/{token}/#atgard-".encode())
    return re.sub(rb"\\n\\nhttps?://[^\\\r]*" + link + rb"\d+", b"", unfolded)


def test_every_organisations_files_are_the_feeds_its_links_serve(workspace: Workspace, tmp_path: Path) -> None:  # fmt: skip
    folder = tmp_path / "kalendrar"
    out = export(workspace, folder)
    assert "2 organisationer" in out and "0 oförändrade, 0 borttagna" in out
    tokens = {
        organisation: create_token(workspace.engine, audience="SSP", organisation=organisation, now=NOW)[1]
        for organisation in FOLDERS
    }  # fmt: skip
    http = TestClient(create_app(workspace.engine, workspace.config, clock=lambda: NOW))
    for organisation, name in FOLDERS.items():
        token = tokens[organisation]
        files = calendars(folder / name)
        served_names = {s.name for s in http.app.state.feeds.scopes_for(token)}  # type: ignore[attr-defined]
        assert {n.split(".")[0] for n in files} == served_names
        assert {"plan.ics", "plan.todo.ics"} <= set(files)
        assert any(filename.endswith(".serie.ics") for filename in files)
        for filename, body in files.items():
            served = http.get(f"/feeds/{token}/{filename}")
            assert served.status_code == 200, filename
            assert without_link(served.content, token) == body.replace(b"\r\n ", b""), filename
    plan = calendars(folder / FOLDERS[KUNGSHOLMEN])["plan.ics"]
    assert b"DTSTART;TZID=Europe/Stockholm:2024121" in plan and b":2025" in plan  # both years
    assert "åtgärdsplanerna 2024 och 2025".encode() in plan.replace(b"\r\n ", b"")
    norrmalm = calendars(folder / FOLDERS[NORRMALM])["plan.ics"]
    assert (
        NORRMALM.encode() in norrmalm.replace(b"\r\n ", b"")
        and KUNGSHOLMEN.encode() not in norrmalm
    )


def test_an_export_again_writes_nothing_that_did_not_change(workspace: Workspace, tmp_path: Path) -> None:  # fmt: skip
    folder = tmp_path / "kalendrar"
    export(workspace, folder)
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*.ics")}
    again = export(workspace, folder)
    assert f"0 nya eller ändrade, {len(before)} oförändrade, 0 borttagna" in again
    assert {p: p.stat().st_mtime_ns for p in folder.rglob("*.ics")} == before


def test_a_file_gone_from_an_unchanged_folder_is_written_again(workspace: Workspace, tmp_path: Path) -> None:  # fmt: skip
    folder = tmp_path / "kalendrar"
    export(workspace, folder)
    plan = folder / FOLDERS[NORRMALM] / "plan.ics"
    body = plan.read_bytes()
    plan.unlink()
    again = export(workspace, folder)
    assert "1 nya eller ändrade" in again and plan.read_bytes() == body
    # Another day moves the window: every folder is made again (here, the same bytes).
    later = workspace.cli("feeds", "export", str(folder), "--all", "--now", "2024-12-11T10:00")
    assert later.code == 0 and "0 nya eller ändrade" in later.out and "0 borttagna" in later.out


def test_calendars_that_no_longer_exist_are_removed_and_nothing_else(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "kalendrar"
    export(workspace, folder)
    norrmalm = folder / FOLDERS[NORRMALM]
    kept = [folder / "index.html", folder / "annat" / "x.ics", norrmalm / "LASMIG.txt"]
    for path in kept:
        path.parent.mkdir(exist_ok=True)
        path.write_text("egen fil")
    (norrmalm / ".plan.ics.k1lled.ics").write_bytes(b"BEGIN:VCALENDAR\r\n")  # a killed run's
    plan = norrmalm_plan()
    first = plan.areas[0]
    shorter = replace(plan, areas=(replace(first, measures=first.measures[1:]), *plan.areas[1:]))
    write_plan(shorter, tmp_path / "norrmalm-2024.toml")
    assert workspace.cli("import", str(tmp_path / "norrmalm-2024.toml")).code == 0
    names = set(_names_after(workspace, NORRMALM))
    gone = [name for name in calendars(norrmalm) if name.split(".")[0] not in names]
    assert any(name.startswith("atgard-ssp") for name in gone), gone
    out = export(workspace, folder)
    assert f"{len(gone)} borttagna" in out
    assert not any((norrmalm / name).exists() for name in gone)
    assert not (norrmalm / ".plan.ics.k1lled.ics").exists()
    assert all(path.read_text() == "egen fil" for path in kept)
    assert (norrmalm / "plan.ics").exists()


def _names_after(workspace: Workspace, organisation: str) -> list[str]:
    token = create_token(workspace.engine, audience="x", organisation=organisation, now=NOW)[1]
    app = create_app(workspace.engine, workspace.config, clock=lambda: NOW)
    return [scope.name for scope in app.state.feeds.scopes_for(token)]


def test_a_failed_write_leaves_every_file_whole_and_says_which(workspace: Workspace, tmp_path: Path) -> None:  # fmt: skip
    folder = tmp_path / "kalendrar"
    export(workspace, folder)
    kungsholmen = folder / FOLDERS[KUNGSHOLMEN]
    old = calendars(kungsholmen)
    uid = re.search(rb"UID:([^\r]+)", old["plan.ics"])
    assert uid is not None
    moved = workspace.cli("move", uid[1].decode(), "2025-01-20", "13:00", "--now", NOW_TEXT)
    assert moved.code == 0, moved.err
    # A folder where a changed file should go: the rename onto it fails half-way through the run.
    blocked = kungsholmen / "plan.todo.ics"
    blocked.unlink()
    blocked.mkdir()
    failed = workspace.cli("feeds", "export", str(folder), "--all", "--now", NOW_TEXT)
    assert failed.code == 4 and failed.err.startswith("Fel:") and "plan.todo.ics" in failed.err
    now_there = calendars(kungsholmen)
    for name, body in now_there.items():
        if name == "plan.todo.ics":
            continue
        assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
        assert name in old
    temporary = [p for p in kungsholmen.iterdir() if p.name.startswith(".") and p.suffix == ".ics"]
    assert not temporary
    blocked.rmdir()
    assert export(workspace, folder).startswith("Kalenderfiler")
    assert calendars(kungsholmen)["plan.ics"] != old["plan.ics"]  # the move is in the new file


def test_all_refuses_a_year_and_an_empty_installation(tmp_path: Path, sqlite_cli: object) -> None:
    from tests.support.cli import Cli

    assert isinstance(sqlite_cli, Cli)
    empty = sqlite_cli("feeds", "export", str(tmp_path / "k"), "--all")
    assert empty.code == 3 and empty.err.startswith("Fel:")
    year = sqlite_cli("feeds", "export", str(tmp_path / "k"), "--all", "--year", "2024")
    assert year.code == 2 and "--year" in year.err


def every_file(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too: the state files), by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def test_worker_processes_write_exactly_what_one_process_writes(workspace: Workspace, tmp_path: Path) -> None:  # fmt: skip
    one, two = tmp_path / "en", tmp_path / "tva"
    alone = workspace.cli("feeds", "export", str(one), "--all", "--now", NOW_TEXT, "--workers", "1")
    shared = workspace.cli(
        "feeds", "export", str(two), "--all", "--now", NOW_TEXT, "--workers", "2"
    )
    assert alone.code == shared.code == 0, (alone.err, shared.err)
    assert shared.out.replace(str(two), str(one)) == alone.out
    assert every_file(one) == every_file(two)
    assert len(every_file(two)) > 20 and set(FOLDERS.values()) <= {p.name for p in two.iterdir()}
    # Again in two processes: everything is found unchanged, nothing is written.
    before = {p: p.stat().st_mtime_ns for p in two.rglob("*.ics")}
    again = workspace.cli("feeds", "export", str(two), "--all", "--now", NOW_TEXT, "--workers", "2")
    assert f"0 nya eller ändrade, {len(before)} oförändrade, 0 borttagna" in again.out
    assert {p: p.stat().st_mtime_ns for p in two.rglob("*.ics")} == before


def test_a_failed_write_in_a_worker_process_is_one_error_and_leaves_every_file_whole(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "kalendrar"
    export(workspace, folder)
    kungsholmen = folder / FOLDERS[KUNGSHOLMEN]
    old = (kungsholmen / "plan.ics").read_bytes()
    uid = re.search(rb"UID:([^\r]+)", old)
    assert uid is not None
    assert (
        workspace.cli("move", uid[1].decode(), "2025-01-20", "13:00", "--now", NOW_TEXT).code == 0
    )
    blocked = kungsholmen / "plan.todo.ics"
    blocked.unlink()
    blocked.mkdir()
    failed = workspace.cli("feeds", "export", str(folder), "--all", "--now", NOW_TEXT, "--workers", "2")  # fmt: skip
    assert failed.code == 4 and failed.err.startswith("Fel:") and "plan.todo.ics" in failed.err
    assert len(failed.err.strip().splitlines()) == 1 and KUNGSHOLMEN in failed.err
    # The other organisation is written as ever (here: found unchanged), and said to be.
    assert "Kalenderfiler för 1 organisation" in failed.out
    assert "1 organisation kunde inte skrivas (se ovan)" in failed.out
    for body in calendars(kungsholmen).values():
        assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    assert not [p for p in folder.rglob(".*.ics")]  # no temporary file left behind
    blocked.rmdir()
    assert export(workspace, folder).startswith("Kalenderfiler")
    assert (kungsholmen / "plan.ics").read_bytes() != old  # the move is in the new file


def test_a_file_left_short_in_an_unchanged_folder_is_written_again(workspace: Workspace, tmp_path: Path) -> None:  # fmt: skip
    """Files are written without fsync: after a crash of the machine one may be empty or short
    though the folder's state says it is up to date. Its size tells, and it is made again."""
    folder = tmp_path / "kalendrar"
    export(workspace, folder)
    plan = folder / FOLDERS[NORRMALM] / "plan.ics"
    body = plan.read_bytes()
    plan.write_bytes(b"")
    again = export(workspace, folder)
    assert "1 nya eller ändrade" in again and plan.read_bytes() == body


def test_workers_is_for_all_only(sqlite_cli: object, tmp_path: Path) -> None:
    from tests.support.cli import Cli

    assert isinstance(sqlite_cli, Cli)
    alone = sqlite_cli("feeds", "export", str(tmp_path / "k"), "--workers", "2")
    assert alone.code == 2 and "--workers" in alone.err
    none = sqlite_cli("feeds", "export", str(tmp_path / "k"), "--all", "--workers", "0")
    assert none.code == 2 and "antal processer" in none.err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_is_a_line_every_50_organisations_on_a_terminal_only(
    terminal: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scheduler.commands.feeds import _ExportProgress

    stderr = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    progress = _ExportProgress()
    for done in (0, 120, *range(121, 301)):  # 120 unchanged at once, then one by one
        progress(done, 300)
    shown = ["… 120 av 300 organisationer", "… 150 av 300 organisationer",
             "… 200 av 300 organisationer", "… 250 av 300 organisationer"]  # fmt: skip
    assert stderr.getvalue().splitlines() == (shown if terminal else [])
