"""`scheduler feeds export DIR --all` under abuse: one district never stops the others, long
titles make valid file names, and nothing outside DIR is written, read or removed.

- Kungsholmen (the first folder written) with two measures of 280-character titles that differ
  only at their end: every file name fits in 255 bytes, the two stay two, and the server serves
  each under the same name (and under the whole long name links may already carry).
- Kungsholmen's folder a symbolic link to a folder outside DIR, holding calendar files: the link
  is refused with a Swedish line naming it, nothing outside is touched, Norrmalm is written, and
  the command ends with exit code 4; in one process and in worker processes alike.
- Links among a folder's files (a calendar file, a stale one) are replaced or left, never
  followed.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from scheduler.feeds.scopes import MAX_NAME_BYTES, bounded, slugify
from scheduler.plan.files import read_plan, write_plan
from scheduler.store.feed_tokens import create_token
from scheduler.web.app import create_app, serving_app
from tests.support.districts import KUNGSHOLMEN, NORRMALM
from tests.support.helpers import free_port
from tests.support.live_server import serving
from tests.support.seed import SEED_PLAN
from tests.support.workspace_fixture import Workspace, two_district_workspace
from tests.test_feeds_export_all import FOLDERS, NOW, NOW_TEXT, calendars, every_file

LONG = "Trygghetsvandringar " + "och samverkan kring trygghet i stadsdelen " * 6  # 272 characters


@pytest.fixture
def workspace(tmp_path: Path, store_url: str) -> Workspace:
    return two_district_workspace(tmp_path, store_url)


def export(workspace: Workspace, folder: Path, *extra: str) -> tuple[int, str, str]:
    result = workspace.cli("feeds", "export", str(folder), "--all", "--now", NOW_TEXT, *extra)
    return result.code, result.out, result.err


def with_long_titles(workspace: Workspace, tmp_path: Path) -> tuple[str, str]:
    """Kungsholmen's plan with two dated measures (SSP with its two series, and a monthly forum)
    retitled to 280 characters that differ only at the end."""
    plan = read_plan(SEED_PLAN).plan
    titles = (f"{LONG}nattetid", f"{LONG}dagtid!!")
    assert all(len(t) == 280 for t in titles)
    area = plan.areas[0]
    measures = list(area.measures)
    measures[0] = replace(measures[0], title=titles[0])
    measures[2] = replace(measures[2], title=titles[1])  # "En gång/månad": a calendar too
    changed = replace(plan, areas=(replace(area, measures=tuple(measures)), *plan.areas[1:]))
    write_plan(changed, tmp_path / "kungsholmen-2024.toml")
    imported = workspace.cli("import", str(tmp_path / "kungsholmen-2024.toml"), "--now", "2024-01-08T08:00")  # fmt: skip
    assert imported.code == 0, imported.err
    return titles


def test_long_titles_make_valid_distinct_file_names_that_the_server_serves(
    workspace: Workspace, tmp_path: Path
) -> None:
    titles = with_long_titles(workspace, tmp_path)
    folder = tmp_path / "kalendrar"
    code, out, err = export(workspace, folder)
    assert code == 0, err
    assert "2 organisationer" in out
    kungsholmen = folder / FOLDERS[KUNGSHOLMEN]
    names = os.listdir(kungsholmen)
    assert all(len(name.encode()) <= 255 for name in names)
    long_ones = sorted(n for n in names if n.startswith("atgard-trygghetsvandringar-och-samverkan"))
    # Each of the two measures (and a series of one): its calendar, a file of its own (a to-do
    # list only for a calendar with tasks: docs/calendar-clients.md).
    cut = [bounded(f"atgard-{slugify(title)}") for title in titles]
    assert len(set(cut)) == 2
    assert all(f"{name}.ics" in long_ones for name in cut)
    assert all(len(n.split(".")[0].encode()) <= MAX_NAME_BYTES for n in long_ones), long_ones
    assert calendars(folder / FOLDERS[NORRMALM])  # the district after it is written too

    token = create_token(workspace.engine, audience="SSP", organisation=KUNGSHOLMEN, now=NOW)[1]
    app = serving_app(create_app(workspace.engine, workspace.config, clock=lambda: NOW))
    with serving(app, free_port()) as base:
        for name in (n for n in long_ones if n.endswith(".ics") and n.count(".") == 1):
            served = httpx.get(f"{base}/feeds/{token}/{name}")
            assert served.status_code == 200 and "BEGIN:VEVENT" in served.text
        # A link made before names were cut carries the whole name: still the same calendar.
        for title in titles:
            whole = f"atgard-{slugify(title)}"
            assert len(whole) > MAX_NAME_BYTES and f"{bounded(whole)}.ics" in long_ones
            again = httpx.get(f"{base}/feeds/{token}/{whole}.ics")
            assert again.status_code == 200
            assert again.content == httpx.get(f"{base}/feeds/{token}/{bounded(whole)}.ics").content


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_symlinked_folder_is_refused_and_the_other_district_is_written(
    workspace: Workspace, tmp_path: Path, workers: str
) -> None:
    folder = tmp_path / "kalendrar"
    folder.mkdir()
    outside = tmp_path / "utanfor"
    outside.mkdir()
    kept = {"plan.ics": b"annans kalender", "gammal.ics": b"gammal", "LASMIG.txt": b"egen"}
    for name, body in kept.items():
        (outside / name).write_bytes(body)
    (folder / FOLDERS[KUNGSHOLMEN]).symlink_to(outside, target_is_directory=True)
    code, out, err = export(workspace, folder, "--workers", workers)
    assert code == 4, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Fel: kalenderfilerna för {KUNGSHOLMEN} skrevs inte: ")  # fmt: skip
    assert str(folder / FOLDERS[KUNGSHOLMEN]) in lines[0] and "symbolisk länk" in lines[0]
    assert {p.name: p.read_bytes() for p in outside.iterdir()} == kept  # nothing touched outside
    assert "Kalenderfiler för 1 organisation" in out and "1 organisation kunde inte skrivas" in out
    norrmalm = calendars(folder / FOLDERS[NORRMALM])
    assert "plan.ics" in norrmalm and len(norrmalm) > 10
    # Once the link is gone, the next run writes Kungsholmen's folder.
    (folder / FOLDERS[KUNGSHOLMEN]).unlink()
    code, out, err = export(workspace, folder, "--workers", workers)
    assert code == 0, err
    assert "plan.ics" in calendars(folder / FOLDERS[KUNGSHOLMEN])


def test_links_among_a_folders_files_are_replaced_or_left_never_followed(
    workspace: Workspace, tmp_path: Path
) -> None:
    folder = tmp_path / "kalendrar"
    assert export(workspace, folder)[0] == 0
    norrmalm = folder / FOLDERS[NORRMALM]
    outside = tmp_path / "utanfor"
    outside.mkdir()
    (outside / "mal.ics").write_bytes(b"annans")
    (outside / "stale.ics").write_bytes(b"annans gamla")
    before = every_file(outside)
    (norrmalm / "plan.ics").unlink()
    (norrmalm / "plan.ics").symlink_to(outside / "mal.ics")  # where a calendar file belongs
    (norrmalm / "borta.ics").symlink_to(outside / "stale.ics")  # a "stale" calendar file
    (norrmalm / ".export-state").unlink()
    (norrmalm / ".export-state").symlink_to(outside / "mal.ics")
    code, _, err = export(workspace, folder)
    assert code == 0, err
    assert every_file(outside) == before  # read, written and removed: nothing outside
    assert not (norrmalm / "plan.ics").is_symlink()
    assert (norrmalm / "plan.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert (norrmalm / "borta.ics").is_symlink()  # not the export's file: left as it is
    assert not (norrmalm / ".export-state").is_symlink()
