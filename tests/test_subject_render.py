"""Subjects (scheduler/mail/render.py) and the `datum` and `tid` filters
(scheduler/base/templating.py): every subject template renders to one line, values that differ
give subjects that differ, and one instant is one Swedish day and time in whatever zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from scheduler.base.templating import TEMPLATES, swedish_date, swedish_time
from scheduler.base.time import STOCKHOLM
from scheduler.mail.render import render_subject

SUBJECTS = sorted(
    p.name.removesuffix(".subject.txt")
    for p in (TEMPLATES / "emails").iterdir()
    if p.name.endswith(".subject.txt")
)
START = datetime(2025, 3, 11, 18, 30, tzinfo=STOCKHOLM)


def _context(**changes: object) -> dict[str, object]:
    """Every name any subject template reads, and some none does."""
    values: dict[str, object] = {
        "summary": "Trygghetsvandring Fridhemsplan", "start": START,
        "end": START + timedelta(hours=2), "known_start": START, "all_day": False,
        "kind": "meeting", "moved": True, "restored": False, "days_before": 14, "week": 11, "weeks": 3,
        "entries": [{"summary": "x"}], "year": 2025, "organisation": "Kungsholmen",
        "deadline": date(2025, 12, 1), "rows": [{"submitted": 0}, {"submitted": 1}],
        "title": "Trygghetsvandring", "role": "Samordnare", "participants": ["Polis"],
    }  # fmt: skip
    return {**values, **changes}


@pytest.mark.parametrize("name", SUBJECTS)
@pytest.mark.parametrize(
    "changes",
    [{}, {"days_before": 2, "all_day": True, "kind": "task", "moved": False, "weeks": 1,
          "organisation": "", "start": START.astimezone(UTC), "restored": True}],
)  # fmt: skip
def test_every_subject_is_one_line(name: str, changes: dict[str, object]) -> None:
    subject = render_subject(name, _context(**changes))
    assert subject and subject == subject.strip() and "\n" not in subject


def test_subjects_differing_in_one_value_differ() -> None:
    later = START + timedelta(days=7, minutes=15)
    first = render_subject("meeting_reminder", _context())
    second = render_subject("meeting_reminder", _context(start=later))
    assert first != second
    assert "11 mars 2025 kl. 18:30" in first
    assert "18 mars 2025 kl. 18:45" in second


def test_a_missing_name_is_still_an_error() -> None:
    context = _context()
    del context["summary"]
    with pytest.raises(Exception, match="summary"):
        render_subject("meeting_reminder", context)


def test_one_instant_in_any_zone_is_one_swedish_day_and_time() -> None:
    in_utc = START.astimezone(UTC)
    assert swedish_time(START) == swedish_time(in_utc) == "18:30"
    assert swedish_date(START) == swedish_date(in_utc) == "tisdag 11 mars 2025"


def test_the_same_wall_clock_in_other_zones_is_another_time() -> None:
    """23:30 in UTC and in Stockholm are other instants (the first is the next day in
    Sweden)."""
    stockholm = datetime(2025, 3, 11, 23, 30, tzinfo=STOCKHOLM)
    utc = datetime(2025, 3, 11, 23, 30, tzinfo=UTC)
    assert (swedish_time(stockholm), swedish_time(utc)) == ("23:30", "00:30")
    assert swedish_date(stockholm) == "tisdag 11 mars 2025"
    assert swedish_date(utc) == "onsdag 12 mars 2025"
    plus_five = datetime(2025, 3, 11, 23, 30, tzinfo=timezone(timedelta(hours=5)))
    assert swedish_time(plus_five) == "19:30"


def test_a_date_a_naive_moment_and_other_values_are_written_as_before() -> None:
    naive = datetime(2025, 3, 11, 9, 0)
    assert swedish_time(naive) == naive.astimezone(STOCKHOLM).strftime("%H:%M")
    assert swedish_date(date(2025, 3, 11)) == "tisdag 11 mars 2025"
    assert swedish_date("snart") == "snart" and swedish_time(None) == "None"
