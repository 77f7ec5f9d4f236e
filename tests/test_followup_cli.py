"""followup start | status | export from the command line, and the facts that pre-fill the form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from scheduler.followup.facts import measure_facts, prefill
from scheduler.model.occurrence import Occurrence, OccurrenceKind, OccurrenceStatus
from scheduler.store.engine import upgrade_store
from scheduler.store.followups import AnswerInput, save_answers
from scheduler.store.occurrences import list_occurrences, record_answer
from scheduler.store.plans import find_plan_id, load_plan
from tests.support.cli import Cli
from tests.support.seed import SEED_PLAN

NOW = datetime(2024, 11, 20, 9, 0, tzinfo=UTC)


def _row(
    kind: str, start: datetime, held: bool | None = None, status: str = "planned"
) -> Occurrence:
    """An occurrence from codes as the store holds them."""
    return Occurrence(
        id=1,
        plan_id=1,
        measure_id=1,
        uid=str(start),
        series_label="",
        kind=OccurrenceKind(kind),
        original_date=start.date(),
        start=start,
        end=start + timedelta(hours=1),
        all_day=False,
        location=None,
        status=OccurrenceStatus(status),
        manual=False,
        sequence=0,
        note="",
        held=held,
        held_note="",
        held_recorded_at=None,
        created_at=NOW,
        changed_at=NOW,
    )


def test_facts_count_held_cancelled_unreported_and_upcoming() -> None:
    day = timedelta(days=1)
    rows = [_row("meeting", NOW - 30 * day, True), _row("meeting", NOW - 20 * day, False),
            _row("meeting", NOW - 10 * day), _row("meeting", NOW + day),
            _row("meeting", NOW - 5 * day, status="cancelled"),
            _row("task", NOW - 3 * day, True), _row("task", NOW - 2 * day)]  # fmt: skip
    facts = measure_facts(rows, now=NOW)
    assert (facts.meetings_planned, facts.meetings_held, facts.meetings_not_held, facts.meetings_unreported,
            facts.meetings_upcoming, facts.meetings_cancelled) == (4, 1, 1, 1, 1, 1)  # fmt: skip
    assert (facts.tasks_planned, facts.tasks_done, facts.tasks_overdue) == (2, 1, 1)
    assert prefill(facts) == (
        "Möten: 4 planerade; 1 hölls, 1 ställdes in, 1 ströks ur schemat, 1 utan rapport, 1 återstår. "
        "Uppgifter: 2 planerade; 1 klar, 1 försenad utan rapport."  # one agrees (issue 12)
    )


def test_start_status_and_export_from_the_command_line(sqlite_cli: Cli, tmp_path: Path) -> None:
    sqlite_cli("import", str(SEED_PLAN))
    early = sqlite_cli("followup", "export", str(tmp_path / "x.xlsx"))
    assert early.code == 3 and "inte startats" in early.err
    assert "har inte startat" in sqlite_cli("followup", "status").out
    started = sqlite_cli("followup", "start", "--now", "2024-11-15T08:00")
    assert (
        started.code == 0
        and "sista svarsdag söndag 15 december 2024" in started.out
        and "7 nya" in started.out
    )
    assert "0 nya" in sqlite_cli("followup", "start", "--now", "2024-11-16T08:00").out

    url = sqlite_cli.config.read_text(encoding="utf-8").split('url = "', 2)[2].split('"')[0]
    engine = upgrade_store(url)[0]
    plan_id = find_plan_id(engine)
    stored = load_plan(engine, plan_id)
    ssp = stored.measures[0]
    rows = [r for r in list_occurrences(engine, plan_id=plan_id) if r.measure_id == ssp.id]
    record_answer(engine, rows[0].uid, held=True, note="", now=NOW)
    save_answers(engine, plan_id=plan_id, role="Preventionssamordnare",
                 items=[AnswerInput(ssp.id, "delvis", "Sju av åtta SSP-möten hölls.")], submit=True,
                 by_coordinator=False, now=NOW)  # fmt: skip
    status = sqlite_cli("followup", "status").out
    assert (
        "klar    Preventionssamordnare: 1/1 inskickade" in status and "väntar  Polis: 0/3" in status
    )

    workbook_path = tmp_path / "uppfoljning.xlsx"
    assert sqlite_cli("followup", "export", str(workbook_path)).code == 0
    sheet = load_workbook(workbook_path).worksheets[1]
    headers = [c.value for c in sheet[1]]
    assert sheet.cell(3, 1).value == "SSP"
    assert sheet.cell(3, headers.index("Uppföljning") + 1).value == "Sju av åtta SSP-möten hölls."
    assert sheet.cell(3, headers.index("Status") + 1).value == "Delvis genomförd"
    # An unanswered measure keeps the plan's text.
    assert sheet.cell(4, headers.index("Uppföljning") + 1).value.startswith(
        "Samverkan mellan polis och fältassistenter har skett"
    )

    for suffix in (".md", ".html"):
        report = tmp_path / f"rapport{suffix}"
        assert sqlite_cli("followup", "export", str(report), "--now", "2024-12-20T10:00").code == 0
        text = report.read_text(encoding="utf-8")
        assert "Sju av åtta SSP-möten hölls." in text and "Delvis genomförd" in text
        assert "1 hölls av 8 planerade" in text and "Systemhotade brottslighet" in text
    bad = sqlite_cli("followup", "export", str(tmp_path / "rapport.pdf"))
    assert bad.code == 2 and ".xlsx, .md eller .html" in bad.err
