"""Swedish without seams: every workspace page, every email the dispatcher sent over months of
passes (text and HTML parts, as the SMTP server received them) and the command line's plan and
check are scanned for the marks of sentences glued from fragments: a doubled word or phrase
("saknas saknas", "klart senast, klart senast", "Sammankallande: sammankallande saknas"), ";."
and ".;", and a label with no value ("Plats: ." , "Sammankallande: ,")."""

from __future__ import annotations

import re
from datetime import timedelta

from scheduler.store.outbox import next_due
from tests.support.districts import KUNGSHOLMEN
from tests.support.html_page import HtmlPage
from tests.support.seed import SEED_PLAN
from tests.support.workspace_fixture import START, page_token
from tests.test_workspace_reminders import Site, signed_in, site

__all__ = ["site"]  # the fixture, used by name

# A word (of letters) or a two-word phrase said twice in a row, across a comma, colon or space.
DOUBLED = re.compile(r"(?<!\w)([^\W\d_]{2,}(?: [^\W\d_]+)?)[,:;]? \1(?!\w)", re.IGNORECASE)
GLUED = re.compile(r";\s*\.|\.\s*;|:\s*[.,;]|,\s*[.,;]")


# The elements whose own text is one sentence or value: a list item or a section holds several.
READ = {"p", "dd", "dt", "td", "th", "h1", "h2", "h3", "h4", "label", "option", "summary",
        "legend", "caption", "a"}  # fmt: skip


def page_text(source: str) -> str:
    """Each sentence-sized element's text on its own line (a seam is within one), without what
    is shown as source code (a sent email's HTML and .ics)."""
    page = HtmlPage(source)
    kept = [e.text for e in page.elements if e.tag in READ]
    return "\n".join(" ".join(text.split()) for text in kept)


def seams(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        flat = " ".join(line.split())
        found += [m.group(0) for m in DOUBLED.finditer(flat)]
        found += [flat[max(m.start() - 30, 0) : m.end() + 30] for m in GLUED.finditer(flat)]
    return found


def test_the_seams_finder_finds_the_issues_examples() -> None:
    for text in ("klart senast, klart senast tisdag 30 september 2025",
                 "…om något annat menas.; Tidsfristen…", "Sammankallande: sammankallande saknas",
                 "Plats: saknas saknas", "Sammankallande: ."):  # fmt: skip
        assert seams(text), text
    assert not seams("Möte, planerat. Plats: Rådhuset; kl. 09:00–10:30 den 9 september 2024.")


def test_no_page_email_or_command_output_has_a_seam(site: Site) -> None:
    workspace = site.workspace
    # A person's move and cancellation (the convener's change notices) and the follow-up started
    # by hand (each role's start email), so those kinds are read too.
    http = signed_in(site)
    agenda = http.get("/agenda")
    csrf = page_token(agenda)
    uids = re.findall(r'name="uid" value="([^"]+)"', agenda.text)
    moved = http.post("/agenda/flytta", data={"csrf": csrf, "uid": uids[0], "datum": "2024-04-17",
                                              "tid": "13:15", "slut": "", "note": "Krockar"})  # fmt: skip
    assert moved.status_code == 200, moved.text
    cancelled = http.post("/agenda/stall-in", data={"csrf": csrf, "uid": uids[-1], "note": "",
                                                    "bekraftat": "ja"})  # fmt: skip
    assert cancelled.status_code == 200, cancelled.text
    started = workspace.cli("followup", "start", "--organisation", "kungsholmen", "--now",
                            START.isoformat())  # fmt: skip
    assert started.code == 0, started.err
    # Passes over four months: reminders, tasks' reminders, held questions, digests if any.
    now, end = START, START + timedelta(days=120)
    while (due := next_due(workspace.engine)) is not None and due < end:
        now = max(now, due)
        site.run(now)
        now += timedelta(minutes=1)
    texts: dict[str, str] = {}
    for path in ("/plan", "/agenda", "/agenda?fran=2024-01-01", "/paminnelser", "/uppfoljning",
                 "/arshjul", "/lankar"):  # fmt: skip
        page = http.get(path)
        assert page.status_code == 200, path
        texts[path] = page_text(page.text)
    plan = http.get("/plan").text
    for measure in sorted(set(re.findall(r'href="(/plan/atgard/\d+)\?', plan)))[:30]:
        texts[measure] = page_text(http.get(measure).text)
    sent = [row for row in site.rows(KUNGSHOLMEN, "sent")]
    for row in sent[:40]:
        texts[f"/paminnelser/{row.id}"] = page_text(http.get(f"/paminnelser/{row.id}").text)
    kinds = set()
    for number, got in enumerate(site.smtp.handler.snapshot()):
        html = got.message.get_body(preferencelist=("html",))
        assert html is not None
        texts[f"email {number} text"] = got.text()
        texts[f"email {number} html"] = page_text(str(html.get_content()))
        kinds.add(str(got.message["Subject"]).split(":")[0])
    assert len(kinds) >= 3, kinds
    assert {"Flyttat", "Inställt"} <= kinds and any("ppföljning" in kind for kind in kinds), kinds
    for command in (("plan",), ("check",)):
        result = workspace.cli(*command, "--organisation", "kungsholmen")
        texts[" ".join(command)] = result.out
    # The plan's own text is shown verbatim, typos and all ("deltagit och och andra"): not ours.
    verbatim = " ".join(SEED_PLAN.read_text(encoding="utf-8").split()).casefold()
    found = {where: hits for where, text in texts.items()
             if (hits := [hit for hit in seams(text) if hit.casefold() not in verbatim])}  # fmt: skip
    assert found == {}, "\n".join(f"{where}: {hits}" for where, hits in found.items())
