"""The year change through real processes on a shifted clock: every step is
`python -m scheduler …` started under Debian's `faketime` at an absolute (Stockholm) time, on one
database, SQLite and PostgreSQL. Nothing sleeps for time to pass and the product has no test hook:
each process simply lives on the day it is started on.

January 2024: the 2024 plan is imported and two links are given out, one to all calendars and one
to SSP only. 5 November: `rollover 2025`. 20 November: `serve` has started the 2024 follow-up on
its own (from 15 November), and both links show the rest of 2024 and all of 2025. 15 January
2025: December 2024 is still there beside January. 15 March: 2024 has left the window (60 days
back), and the 2025 events are the ones seen in November, under the same UIDs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import write_config
from tests.support.helpers import poll_until
from tests.support.processes import FOLLOWUP_SUBJECT, STARTUP_TIMEOUT, Install, serving
from tests.support.seed import SEED_PLAN

pytestmark = pytest.mark.processes  # it starts processes: not in `make quick`

LINK = re.compile(r"webcal://\S+/feeds/[^/\s]+/[a-z0-9-]+\.ics")


def webcal(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


def links(output: str) -> list[str]:
    return LINK.findall(output)


def test_links_and_follow_up_through_the_year_change(
    tmp_path: Path, store_url: str, faketime: str
) -> None:
    outbox = tmp_path / "outbox"
    config = write_config(tmp_path / "config.toml", store_url,
                          extra=f'[email]\nbackend = "file"\noutbox_dir = "{outbox}"\n')  # fmt: skip
    install = Install(faketime, config, outbox, tmp_path / "scheduler.log")

    # January 2024: the plan, and two links given out.
    january = "2024-01-10 09:00:00"
    install.run(january, "db", "upgrade")
    assert "2024" in install.run(january, "import", str(SEED_PLAN))
    created = install.run(january, "feeds", "create", "Alla")
    every = links(created)
    (page,) = re.findall(r"Sida med instruktioner: (\S+/feeds/[^/\s]+/)$", created, re.M)
    (plan_link,) = [link for link in every if link.endswith("/plan.ics")]
    assert len(every) > 2 and all(link.startswith(webcal(page)) for link in every)
    (ssp_link,) = links(install.run(january, "feeds", "create", "SSP-gruppen", "--scope", "atgard-ssp"))  # fmt: skip
    assert ssp_link.endswith("/atgard-ssp.ics")
    assert ssp_link.replace("/atgard-ssp.ics", "") != plan_link.replace("/plan.ics", "")

    # 5 November: next year planned; the 2024 follow-up is not due yet (15 November).
    rolled = install.run("2024-11-05 10:00:00", "rollover", "2025")
    assert "planen för 2025" in rolled, rolled
    waiting = install.run("2024-11-05 10:00:00", "followup", "status", "--year", "2024")
    assert "har inte startat" in waiting, waiting
    assert install.followup_mails() == []

    # 20 November: the server's dispatcher starts the closing year's follow-up at its first pass,
    # and the links show the rest of 2024 with all of 2025.
    with serving(install, "2024-11-20 08:00:00", "november") as server:
        november = server.feed(plan_link)
        ssp = server.feed(ssp_link)
        assert server.get(page).status_code == 200  # the page with the instructions
        wrong = server.get(ssp_link.replace("/atgard-ssp.ics", "/plan.ics"))
        assert wrong.status_code == 404, wrong.text
        poll_until(lambda: bool(install.followup_mails()), timeout=STARTUP_TIMEOUT)
    starts = sorted(november.values())
    assert [d for d in starts if "20241120" <= d <= "20241231"], starts
    assert [d for d in starts if d.startswith("2025")], starts
    assert [d for d in starts if d.startswith("202512")], starts  # to the end of the new plan
    assert min(starts) >= "20240921", starts  # 60 days back from 20 November
    ssp_starts = sorted(ssp.values())
    assert [d for d in ssp_starts if d.startswith("2024")], ssp_starts
    assert [d for d in ssp_starts if d.startswith("2025")], ssp_starts
    assert set(ssp) < set(november)  # SSP's meetings, under the same UIDs as in the whole plan

    status = install.run("2024-11-20 09:00:00", "followup", "status", "--year", "2024")
    assert "Uppföljning 2024:" in status and "har inte startat" not in status, status
    recipients = install.followup_mails()
    assert "trygghetssamordnare@kungsholmen.example.org" in recipients, recipients
    listed = install.run("2024-11-20 09:00:00", "remind", "list")
    assert len([line for line in listed.splitlines() if FOLLOWUP_SUBJECT in line]) == len(
        recipients
    ), listed

    # 15 January 2025: December 2024 is still there, beside January.
    with serving(install, "2025-01-15 10:00:00", "january") as server:
        january_feed = server.feed(plan_link)
        assert server.feed(ssp_link)
    starts = sorted(january_feed.values())
    assert [d for d in starts if d.startswith("202412")], starts
    assert [d for d in starts if d.startswith("202501")], starts
    december = {uid: d for uid, d in november.items() if d.startswith("202412")}
    assert december and december.items() <= january_feed.items()  # same UIDs, same days

    # 15 March 2025: 2024 has left the window; the 2025 events are November's, same UIDs.
    with serving(install, "2025-03-15 10:00:00", "march") as server:
        march = server.feed(plan_link)
        ssp_march = server.feed(ssp_link)
    starts = sorted(march.values())
    assert starts and not [d for d in starts if d.startswith("2024")], starts
    assert min(starts) >= "20250114", starts  # 60 days back from 15 March
    assert ssp_march and all(d.startswith("2025") for d in ssp_march.values()), ssp_march
    still_shown = {uid: d for uid, d in november.items() if d >= "20250114"}
    assert still_shown and march == still_shown
