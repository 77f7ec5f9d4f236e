"""Plan files: the TOML format and the municipal workbook, read, written and round-tripped."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from scheduler.base.errors import PlanFileError
from scheduler.model.plan import Measure, PolicyOverrides
from scheduler.plan.files import read_plan, write_plan
from tests.support.seed import SEED_PLAN

HEADER = ["Prioriterat samverkansområde", "Orsak", "Åtgärd", "När", "Vem", "Uppföljning"]
INSTRUCTIONS = [
    "Beskriv orsaken till problemet, kan vara flera, gör då flera separata åtgärder.",
    "Koppla åtgärd mot respektive orsak. Beskriv tydligt vad som ska göras och hur det ska utföras.",
    "Ange tid för när åtgärden ska vara genomförd (alt linjearbete).",
    "Ange vem som ansvarar för åtgärden.",
    "Beskriv vad som har genomförts. Hur har parterna uppfyllt sina åtaganden.",
]


def seed():
    return read_plan(SEED_PLAN).plan


def test_the_seed_plan_has_5_areas_and_23_measures() -> None:
    plan = seed()
    assert [len(a.measures) for a in plan.areas] == [6, 8, 0, 8, 1]
    assert plan.areas[2].name == "Systemhotade brottslighet"
    assert (plan.organisation, plan.year) == ("Kungsholmens stadsdelsförvaltning", 2024)


@pytest.mark.parametrize("suffix", [".toml", ".xlsx"])
def test_a_plan_round_trips_through_both_formats(tmp_path: Path, suffix: str) -> None:
    plan = seed()
    area = plan.areas[0]
    tuned = Measure(
        **{**area.measures[0].__dict__,
           "convener": "Preventionssamordnare",
           "schedule": PolicyOverrides(weekday="onsdag", time="13:00", duration_minutes=120,
                                        location="Lindhagensgatan 76", months=(2, 3, 9, 10),
                                        series=(("Gymnasiet", PolicyOverrides(weekday="torsdag")),))},
    )  # fmt: skip
    plan = plan.__class__(
        plan.organisation, plan.year,
        (area.__class__(area.name, (tuned, *area.measures[1:])), *plan.areas[1:]),
    )  # fmt: skip
    path = tmp_path / f"plan{suffix}"
    write_plan(plan, path)
    assert read_plan(path).plan == plan


def test_an_exported_workbook_has_the_municipal_layout(tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_plan(seed(), path)
    workbook = load_workbook(path)
    assert workbook.sheetnames[0] == "Instruktion"
    sheet = workbook.worksheets[1]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["A2"].value == "Unga i riskzon för destruktivt beteende"
    assert sheet["B2"].value.startswith("Beskriv orsaken")
    assert sheet["A3"].value == "SSP"
    assert sheet["D3"].value.startswith("Möten 8 ggr/år")
    assert len(workbook.worksheets) == 6  # instruction sheet and five areas, no settings sheet


def _template_sheet(workbook: Workbook, title: str, area: str, rows: list[list[object]]):
    sheet = workbook.create_sheet(title)
    sheet.append(HEADER)
    sheet.append([area, *INSTRUCTIONS])
    for row in rows:
        sheet.append(row)
    return sheet


def test_a_messy_real_world_workbook_is_read_whole(tmp_path: Path) -> None:
    workbook = Workbook()
    intro = workbook.active
    intro.title = "Instruktion"
    intro["A1"] = "Åtgärdsplan 2025"
    intro["A3"] = "Det finns en flik per prioriterat samverkansområde."

    # Blank rows above the header, trailing spaces and line breaks in headers, an
    # "Operativa mål" column, instruction texts on their own row too.
    first = workbook.create_sheet("Unga i riskzon")
    first.append([])
    first.append(["Åtgärdsplan Unga i riskzon"])
    first.append([])
    first.append(["Prioriterat\nsamverkansområde ", "Orsak ", "Operativa mål", " Åtgärd", "När  ",
                  "Vem", "Uppföljning "])  # fmt: skip
    first.append(
        ["Unga i riskzon för destruktivt beteende", INSTRUCTIONS[0], None, *INSTRUCTIONS[1:]]
    )
    first.append(
        [None, None, None, None, None, None, "Denna kolumn fylls i i samband med uppföljning."]
    )
    first.append([])
    first.append(["SSP", "Behov av\nlägesbild", "Färre unga i kriminalitet", "Nätverksmöten",
                  "Möten 8 ggr/år", "Preventionssamordnare är sammankallande.", None])  # fmt: skip
    first.append(["EST", "Orsak två", None, "Åtgärd A", "2 ggr/månad", "Trygghetssamordnare", None])
    first.append([None, None, None, "Åtgärd B", "Vid behov", None, None])
    first.merge_cells("A9:A10")  # one title spanning two measure rows
    first.append(["Nyhetsbrev", "Orsak", None, "Utskick", "En gång/månad", None, None])
    first.merge_cells("E11:F11")  # a horizontal merge must not copy När into Vem

    # An extra sheet for an area the district added, with the area row missing.
    extra = workbook.create_sheet("Egen flik")
    extra.append(HEADER)
    extra.append(["Nattvandring", "Otrygghet", "Starta", "Våren 2025", "Trygghetssamordnare", ""])
    workbook.create_sheet("Tom")
    path = tmp_path / "kommunens plan.xlsx"
    workbook.save(path)

    read = read_plan(path, organisation="Testkommunen")
    plan = read.plan
    assert plan.year == 2025
    assert [a.name for a in plan.areas] == ["Unga i riskzon för destruktivt beteende", "Egen flik"]
    ssp, est_a, est_b, news = plan.areas[0].measures
    assert ssp.cause == "Behov av\nlägesbild"  # line break inside a cell kept verbatim
    assert ssp.operational_goal == "Färre unga i kriminalitet"
    assert ssp.followup_text == ""
    assert (est_a.title, est_b.title) == ("EST", "EST")
    assert (est_b.action, est_b.when_text, est_b.responsible_text) == ("Åtgärd B", "Vid behov", "")
    assert (news.when_text, news.responsible_text) == ("En gång/månad", "")
    assert plan.areas[1].measures[0].title == "Nattvandring"
    assert any("Egen flik" in note for note in read.notes)
    assert any("Instruktion" in note for note in read.notes)


def _error(path: Path, **kwargs: object) -> PlanFileError:
    with pytest.raises(PlanFileError) as caught:
        read_plan(path, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_a_workbook_missing_a_header_column_names_sheet_row_and_column(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Platser"
    sheet.append([])
    sheet.append(["Prioriterat samverkansområde", "Orsak", "Åtgärd", "När", "Uppföljning"])
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)
    error = _error(path, organisation="X")
    assert (error.sheet, error.row) == ("Platser", 2)
    assert "«Vem» saknas" in str(error) and "flik «Platser»" in str(error) and "rad 2" in str(error)


def test_a_workbook_without_any_area_sheet_is_refused(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.active.append(["Bara lite text"])
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)
    assert "ingen flik har rubrikraden" in str(_error(path, organisation="X"))


def test_a_measure_without_title_names_its_cell(tmp_path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _template_sheet(workbook, "Brottsoffer", "Särskilt utsatta brottsoffer", [
        ["Bedrägerier", "Orsak", "Åtgärd", "Kontinuerligt", "Polis", None],
        [None, "Orsak utan titel", "Åtgärd", "Vid behov", "Polis", None],
    ])  # fmt: skip
    path = tmp_path / "plan-2025.xlsx"
    workbook.save(path)
    error = _error(path, organisation="X")
    assert (error.sheet, error.row, error.column) == ("Brottsoffer", 4, "A")
    assert "saknar titel" in str(error)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"PK\x03\x04 not really a zip", "ingen Excel-arbetsbok"),
        ("Orsak;Åtgärd;När\n".encode(), "ingen Excel-arbetsbok"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    assert expected in str(_error(path))


def test_a_toml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text('organisation = "X"\nyear = 2025\n[[areas]\nname = "A"\n', encoding="utf-8")
    error = _error(path)
    assert error.row == 3
    assert "TOML-syntaxfel" in str(error) and "rad 3" in str(error) and str(path) in str(error)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[[areas]]\nname = "A"\n[[areas.measures]]\ncause = "x"\n', "rad 5: område 1 «A», åtgärd 1: åtgärden saknar titel"),
        ('[[areas]]\nname = "A"\n[[areas.measures]]\ntitle = "T"\nvem = "x"\n', "okänd nyckel «vem»"),
        ('[[areas]]\nname = "A"\n[[areas.measures]]\ntitle = "T"\n[areas.measures.schedule]\n'
         'weekday = "tisdg"\n', "schedule.weekday ska vara en veckodag"),
        ('[[areas]]\nname = "A"\n[[areas.measures]]\ntitle = "T"\n[areas.measures.schedule]\n'
         'time = "9"\n', "schedule.time ska skrivas TT:MM"),
        ('[[areas]]\n', "områdets namn (name) saknas"),
        ('[[areas]]\nname = "A"\n[[areas.measures]]\ntitle = "T"\n[areas.measures.schedule]\n'
         'rrule = "FREQ=MONTHLY;BYDAY=2XX"\n', "schedule.rrule är ingen giltig RRULE"),
        ('[[areas]]\nname = "A"\n[[areas.measures]]\ntitle = "T"\n[areas.measures.schedule]\n'
         'rrule = "FREQ=WEEKLY;UNTIL=20251231T120000"\n', "UNTIL ska anges i UTC"),
        # The placer refuses finer frequencies; the plan file uses the same check (issue 10).
        ('[[areas]]\nname = "A"\n[[areas.measures]]\ntitle = "T"\n[areas.measures.schedule]\n'
         'rrule = "FREQ=SECONDLY"\n', "FREQ ska vara YEARLY, MONTHLY, WEEKLY eller DAILY"),
    ],
)  # fmt: skip
def test_a_bad_toml_plan_says_what_and_where(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(f'organisation = "X"\nyear = 2025\n{body}', encoding="utf-8")
    assert expected in str(_error(path))


def test_a_toml_plan_without_year_is_refused_unless_given(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text('organisation = "X"\n[[areas]]\nname = "A"\n', encoding="utf-8")
    assert "«year»" in str(_error(path))
    assert read_plan(path, year=2026).plan.year == 2026


def test_an_unknown_file_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text("x", encoding="utf-8")
    assert "okänd filtyp «.csv»" in str(_error(path))
