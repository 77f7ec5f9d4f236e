"""Who convenes: read from the Vem texts of the seed and of phrasings real plans use."""

from __future__ import annotations

import tomllib

import pytest

from scheduler.plan.roles import RoleLexicon, read_responsibility
from tests.support.seed import SEED_PLAN

# Convener of every seed measure, in plan order (None: Vem is empty and must be reported).
SEED_CONVENERS = [
    ("SSP", "Preventionssamordnare"),
    ("Samverkan mellan polis och fältassistenter", "Fältassistenter"),
    ("Nytt samverkansforum gällande unga med risk för destruktivt beteende", "Trygghetssamordnare"),
    ("ANDTS-programmet", None),
    ("Platsaktivering/platssamverkan", None),
    ("Nyhetsbrev", "Trygghetssamordnare"),
    ("Kungsholmens trygghets- och säkerhetsråd", "Trygghetssamordnare"),
    ("EST", "Trygghetssamordnare"),
    ("Trygghetsvandring", "Trygghetssamordnare"),
    ("Platssamverkan", "Trygghetssamordnare"),
    ("Platsaktivering", "Trygghetssamordnare"),
    ("Kartläggning ÖDS", "Trygghetssamordnare"),
    ("PointSurvey", "Trygghetssamordnare"),
    ("Nattvandring", "Trygghetssamordnare"),
    ("Bedrägerier/Äldre", "Trygghetssamordnare"),
    ("Bedrägerier/Funktionshindrade", "Sekreterare för rådet för funktionshinderfrågor"),
    ("Våld i nära relation/Islandsmodellen", "Polis"),
    ("Våld i nära relation/Vuxna", "Socialsekreterare"),
    ("Våld i nära relation/Våldsutövare", "Polis"),
    ("Våld i nära relation/Våldsutsatta", "Polis"),
    ("Våld i nära relation/Barn", "Socialsekreterare"),
    ("Våld i nära relation/Barn", "Trygghetssamordnare"),
    ("Avhopparverksamhet", "Socialtjänsten"),
]


def _seed_measures() -> list[dict[str, str]]:
    plan = tomllib.loads(SEED_PLAN.read_text(encoding="utf-8"))
    return [m for area in plan["areas"] for m in area.get("measures", [])]


def test_it_finds_the_convener_of_all_23_seed_measures() -> None:
    lexicon = RoleLexicon.build()
    found = [
        (m["title"], read_responsibility(m["responsible_text"], lexicon).convener)
        for m in _seed_measures()
    ]
    assert found == SEED_CONVENERS


def test_it_lists_the_roles_taking_part_convener_first() -> None:
    lexicon = RoleLexicon.build()
    trygghetsrad = _seed_measures()[6]["responsible_text"]
    read = read_responsibility(trygghetsrad, lexicon)
    assert read.participants == ("Trygghetssamordnare", "Stadsdelsdirektör", "Kommunpolis")
    assert read.rule == "sammankallande"


@pytest.mark.parametrize(
    ("text", "convener", "rule"),
    [
        ("Polisen deltar. Fältassistenterna är sammankallande.", "Fältassistenter", "sammankallande"),
        ("Kommunpolis och socialtjänsten deltar. Trygghetssamordnaren sammankallar.",
         "Trygghetssamordnare", "sammankallande"),
        ("Socialsekreterare deltar. Preventionssamordnaren ansvarar för kallelsen.",
         "Preventionssamordnare", "ansvarar"),
        ("Polisen och socialtjänsten har ett gemensamt ansvar.", "Polis", "ansvarar"),
        ("Trygghessamordnaren leder arbetet.", "Trygghetssamordnare", "först nämnd"),
        ("Kommunpolisen, tillsammans med skolorna.", "Kommunpolis", "först nämnd"),
        ("Lokalpolisområdet och stadsdelen", None, "saknas"),
        ("", None, "saknas"),
    ],
)  # fmt: skip
def test_it_reads_the_convener_from_common_phrasings(
    text: str, convener: str | None, rule: str
) -> None:
    read = read_responsibility(text, RoleLexicon.build())
    assert (read.convener, read.rule) == (convener, rule)


def test_an_explicit_convener_wins_and_is_canonicalised() -> None:
    read = read_responsibility(
        "Polisen ansvarar.", RoleLexicon.build(), explicit_convener="trygghetssamordnaren"
    )
    assert read.convener == "Trygghetssamordnare"
    assert read.rule == "explicit"
    assert read.participants == ("Trygghetssamordnare", "Polis")


def test_configured_roles_and_aliases_are_recognised() -> None:
    lexicon = RoleLexicon.build([("Brottsofferjouren", ["BOJ"])])
    read = read_responsibility("BOJ sammankallar. Polisen deltar.", lexicon)
    assert read.convener == "Brottsofferjouren"
    assert read.participants == ("Brottsofferjouren", "Polis")
