"""The embedded plan file db/seed/kungsholmen-2024.toml against the extracted seed text.

The plan file is a verbatim transcription of Kungsholmen's 2024 åtgärdsplan (typos included),
with only the PDF line wrapping undone. These tests pin its structure and check that every
text can be found in the seed once whitespace is ignored.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.support.seed import SEED_TEXT

PLAN_PATH = Path(__file__).resolve().parents[1] / "db" / "seed" / "kungsholmen-2024.toml"
SEED_PATH = SEED_TEXT  # the tests' own copy of the real plan: no `../shared` needed

TEXT_KEYS = ["cause", "action", "when_text", "responsible_text", "followup_text"]
MEASURE_KEYS = ["title", *TEXT_KEYS]

EXPECTED: list[tuple[str, list[str]]] = [
    (
        "Unga i riskzon för destruktivt beteende",
        [
            "SSP",
            "Samverkan mellan polis och fältassistenter",
            "Nytt samverkansforum gällande unga med risk för destruktivt beteende",
            "ANDTS-programmet",
            "Platsaktivering/platssamverkan",
            "Nyhetsbrev",
        ],
    ),
    (
        "Otrygga och brottsutsatta platser",
        [
            "Kungsholmens trygghets- och säkerhetsråd",
            "EST",
            "Trygghetsvandring",
            "Platssamverkan",
            "Platsaktivering",
            "Kartläggning ÖDS",
            "PointSurvey",
            "Nattvandring",
        ],
    ),
    ("Systemhotade brottslighet", []),
    (
        "Särskilt utsatta och sårbara brottsoffer",
        [
            "Bedrägerier/Äldre",
            "Bedrägerier/Funktionshindrade",
            "Våld i nära relation/Islandsmodellen",
            "Våld i nära relation/Vuxna",
            "Våld i nära relation/Våldsutövare",
            "Våld i nära relation/Våldsutsatta",
            "Våld i nära relation/Barn",
            "Våld i nära relation/Barn",
        ],
    ),
    ("Kriminella miljöer och livsstilar", ["Avhopparverksamhet"]),
]

# Template help text printed in the workbook's header rows; never part of a measure.
INSTRUCTION_SNIPPETS = [
    "Beskriv orsaken",
    "Koppla åtgärd",
    "Ange tid för",
    "Ange vem som",
    "Beskriv vad som har genomförts",
    "Denna kolumn fylls i",
]


@pytest.fixture(scope="module")
def plan() -> dict[str, Any]:
    with PLAN_PATH.open("rb") as fh:
        return tomllib.load(fh)


def _measures(plan: dict[str, Any]) -> list[dict[str, str]]:
    return [m for area in plan["areas"] for m in area.get("measures", [])]


def _measure(plan: dict[str, Any], area_idx: int, title: str, nth: int = 0) -> dict[str, str]:
    matches: list[dict[str, str]] = [
        m for m in plan["areas"][area_idx].get("measures", []) if m["title"] == title
    ]
    return matches[nth]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_header(plan: dict[str, Any]) -> None:
    assert list(plan) == ["organisation", "year", "areas"]
    assert plan["organisation"] == "Kungsholmens stadsdelsförvaltning"
    assert plan["year"] == 2024


def test_areas_and_titles_in_order(plan: dict[str, Any]) -> None:
    areas = plan["areas"]
    assert [a["name"] for a in areas] == [name for name, _ in EXPECTED]
    assert [len(a.get("measures", [])) for a in areas] == [6, 8, 0, 8, 1]
    for area, (_, titles) in zip(areas, EXPECTED, strict=True):
        assert [m["title"] for m in area.get("measures", [])] == titles
    assert len(_measures(plan)) == 23


def test_keys_exact_and_ordered(plan: dict[str, Any]) -> None:
    for area in plan["areas"]:
        assert set(area) <= {"name", "measures"}
        for m in area.get("measures", []):
            assert list(m) == MEASURE_KEYS, m["title"]
            assert all(isinstance(m[k], str) for k in MEASURE_KEYS)


def test_text_hygiene(plan: dict[str, Any]) -> None:
    for area in plan["areas"]:
        assert area["name"] == area["name"].strip()
        for m in area.get("measures", []):
            assert m["title"], "every measure has a title"
            for key in MEASURE_KEYS:
                text = m[key]
                where = f"{m['title']}.{key}"
                assert text == text.strip(), where
                # No cell in the seed has a real paragraph break; all newlines were PDF wrapping.
                assert "\n" not in text and "\r" not in text and "\t" not in text, where
                for snippet in INSTRUCTION_SNIPPETS:
                    assert snippet not in text, where


def test_texts_are_verbatim_from_seed(plan: dict[str, Any]) -> None:
    seed = _squash(SEED_PATH.read_text(encoding="utf-8"))
    for area in plan["areas"]:
        assert _squash(area["name"]) in seed, area["name"]
        for m in area.get("measures", []):
            for key in MEASURE_KEYS:
                assert _squash(m[key]) in seed, f"{m['title']}.{key}: {m[key][:60]!r}"


def test_ssp(plan: dict[str, Any]) -> None:
    ssp = _measure(plan, 0, "SSP")
    assert ssp["cause"].startswith("Behov av att kontinuerligt utbyta information")
    assert ssp["cause"].endswith("möjliggöra för tidig upptäckt av problem.")
    assert ssp["action"].startswith("Nätverksmöten för skola, socialtjänst och polis (SSP).")
    assert ssp["action"].endswith("på regional och lokal nivå.")
    assert ssp["when_text"] == (
        "Möten 8 ggr/år (4 ggr/år mellan- och högstadiet och 4 ggr/år gymnasiet)"
    )
    assert ssp["responsible_text"].startswith(
        "Preventionssamordnare på stadsdelsförvaltningen är sammankallande"
    )
    assert ssp["responsible_text"].endswith("första kontaktperson för skolor inom LPO.")
    assert ssp["followup_text"].startswith("SSP har genomförts enligt plan.")
    assert ssp["followup_text"].endswith("enligt plan av samtliga parter.")


def test_area1_rows_without_action(plan: dict[str, Any]) -> None:
    andts = _measure(plan, 0, "ANDTS-programmet")
    assert andts["cause"].startswith("Förhindra att unga hamnar i kriminalitet")
    assert andts["action"] == andts["when_text"] == andts["responsible_text"] == ""
    assert andts["followup_text"].startswith("ANDTS-programmet har implementerats i linjearbetet")
    assert andts["followup_text"].endswith("inom förvaltningen och annat.")

    plats = _measure(plan, 0, "Platsaktivering/platssamverkan")
    assert plats["cause"] == "Främja ungdomars trygghet i de miljöer de vistas i."
    assert plats["action"] == plats["when_text"] == plats["responsible_text"] == ""
    assert plats["followup_text"].startswith("Under 2024 har två platsaktiveringar")
    assert plats["followup_text"].endswith("förskolor och fritidsaktiviteter.")

    news = _measure(plan, 0, "Nyhetsbrev")
    assert "fastighetsbolaghar en enhetlig lägesbild" in news["cause"]
    assert news["action"] == "Nyhetsbrev till förskola, skola, fastighetsägare och andra aktörer"
    assert news["when_text"] == "En gång/månad"
    assert news["responsible_text"] == "Trygghetssamordnare"
    assert news["followup_text"].startswith("Nyhetsbrevet har ej genomförts")
    assert news["followup_text"].endswith("Nyhetsbrevet planeras inplementerats 2025.")


def test_area2_rows_sharing_a_line(plan: dict[str, Any]) -> None:
    walk = _measure(plan, 1, "Trygghetsvandring")
    assert (walk["action"], walk["when_text"]) == ("Trygghetsvandringar", "2 ggr/år")
    assert walk["followup_text"].endswith("för att sedan fördelas till relevanta aktörer.")

    act = _measure(plan, 1, "Platsaktivering")
    assert (act["action"], act["when_text"]) == ("Platsaktivering", "Kontinuerligt under året")
    assert act["responsible_text"].endswith(
        "skapa en mer levande plats runt Fridhemsplan/Stadshagen."
    )

    night = _measure(plan, 1, "Nattvandring")
    assert night["cause"] == "Behov av ökad närvaro i offentliga miljöer för att öka tryggheten."
    assert (night["action"], night["when_text"]) == ("Starta nattvandring", "Våren 2024")
    assert night["responsible_text"].endswith("till dess att det kommer igång")
    assert night["followup_text"].endswith("under sommarhalvåret, april-oktober.")


def test_area2_other_rows(plan: dict[str, Any]) -> None:
    council = _measure(plan, 1, "Kungsholmens trygghets- och säkerhetsråd")
    assert council["action"] == "Kungsholmens trygghets- och säkerhetsråd"
    assert council["when_text"] == "Möten 4 ggr/år"
    assert council["responsible_text"].endswith("vara första kontaktperson  inom LPO.")

    est = _measure(plan, 1, "EST")
    assert est["action"] == "Effektiv samordning för trygghet (EST)"
    assert est["responsible_text"].startswith("Trygghessamordnaren ska planera")
    assert "implementera EST-metoden i samverkan" in est["responsible_text"]

    place = _measure(plan, 1, "Platssamverkan")
    assert place["action"] == "Platssamverkan"
    assert place["when_text"].startswith("4 ggr/år för forumen Fridhemsplan och Stadshagen.")
    assert place["when_text"].endswith("säsongsbetonat behov.")
    assert place["responsible_text"].startswith("Trygghetssamordnaren ansvarar för att sammankalla")
    assert place["followup_text"].endswith("mötesformen revideras fr.o.m. 2025.")

    ods = _measure(plan, 1, "Kartläggning ÖDS")
    assert ods["cause"] == ""
    assert ods["action"].startswith("Samverkan mellan polis och stadsdelsförvaltningen")
    assert ods["when_text"] == "En gång per år/vid behov"
    assert ods["followup_text"].endswith("februari 2025.")

    survey = _measure(plan, 1, "PointSurvey")
    assert survey["action"] == "Implementering och användning av kartläggningssystemet PointSurvey"
    assert survey["when_text"].endswith("för att sedan användas kontinuerligt")


def test_area4_rows(plan: dict[str, Any]) -> None:
    elderly = _measure(plan, 3, "Bedrägerier/Äldre")
    assert elderly["when_text"] == "Kontinuerligt under året"
    assert elderly["responsible_text"] == (
        "Trygghetsamordnaren tillsammans med äldreomsorgsavdelningen och till viss del polis"
    )

    disabled = _measure(plan, 3, "Bedrägerier/Funktionshindrade")
    assert "funktionshindrade ökat  i lokalpolisområdet" in disabled["cause"]
    assert disabled["action"] == "Avstämningar mellan funktionshinderrådet och lokalpolisen"
    assert disabled["responsible_text"] == (
        "Sekreterare för rådet för funktionshinderfrågor och kommunpolis"
    )

    adults = _measure(plan, 3, "Våld i nära relation/Vuxna")
    assert "samsitter med utredninssektion 1 ( BIN-vuxen) i syfte" in adults["action"]
    assert adults["when_text"].startswith("Socialsekreterare samsitter och deltar aktivt")

    perpetrators = _measure(plan, 3, "Våld i nära relation/Våldsutövare")
    assert perpetrators["responsible_text"].startswith("Polisen har ett ansvar att motivera")
    assert "samtal med socialsekretare," in perpetrators["responsible_text"]

    children_1 = _measure(plan, 3, "Våld i nära relation/Barn", 0)
    children_2 = _measure(plan, 3, "Våld i nära relation/Barn", 1)
    assert children_1["when_text"] == "Vid kontakter med våldsutövare och våldsutsatta hos polisen"
    assert children_1["responsible_text"].startswith("I den dagliga samverkan")
    assert children_2["action"] == "Öka samarbetet mellan socialtjänst och förskola."
    assert children_2["responsible_text"].endswith("barn och unga inom socialtjänsten")
    assert children_2["followup_text"].endswith("med specifika satsningar.")


def test_area5_row(plan: dict[str, Any]) -> None:
    defect = _measure(plan, 4, "Avhopparverksamhet")
    assert "livsstil/implemenetera avhoppasverksamhet på lokal nivå." in defect["action"]
    assert defect["when_text"] == "Löpande under året"
    assert defect["responsible_text"] == "Socialtjänst och polis"
    assert defect["followup_text"].endswith("i förvaltningens utveckling av rutinen.")
