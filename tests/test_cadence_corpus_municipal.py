"""När as other municipalities write it (issue 23): the phrase set in
tests/cadence_corpus_municipal.tsv reads and places as a coordinator would accept, and every
warning of its placement (a day the calendar closes, moved or dropped) is one the row names."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pytest

from tests.test_cadence_corpus import ROWS as GOLDEN_ROWS
from tests.test_cadence_corpus import Row, check_row, corpus_rows

CORPUS: Final = Path(__file__).with_name("cadence_corpus_municipal.tsv")
ROWS: Final = corpus_rows(CORPUS)


def test_the_set_holds_at_least_60_new_phrases_and_the_issues_examples() -> None:
    texts = {row.text for row in ROWS}
    assert len(ROWS) >= 60 and len(texts) == len(ROWS)
    assert not texts & {row.text for row in GOLDEN_ROWS}  # new, not the golden corpus again
    for example in (
        "Minst åtta tillsyner under året",
        "Tre föräldraträffar",
        "Två seminarier för personalen",
        "Minst tio kontroller av serveringsställen",
        "Under alla lov",
        "Från mars till mitten av maj",
        "Sista veckan i juni",
        "De två första veckorna i augusti, vardagar",
        "Vecka 24–33",
        "Alla dagar i veckan under juli",
        "Torsdags- och fredagskvällar under hösten",
        "Helger i december",
        "Sex alternativt åtta gånger per år",
        "4–6 gånger per termin",
        "Två till tre gånger",
        "Inför varje ny termin",
        "Efter varje skolavslutning",
        "Gäller 2024–2026",
    ):
        assert example in texts, example


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r.line}: {r.text[:40]}")
def test_a_municipal_phrase_reads_and_places_as_written(row: Row) -> None:
    check_row(row, placed_warnings=True)
