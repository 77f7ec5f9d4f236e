"""A calendar stays under the size Google takes (about 1 MB): a 300-measure plan's feeds are
trimmed in the way that costs least (shorter descriptions, then the window), over HTTP from the
real server and in the exported files alike, and `feeds list` warns about every feed over
`feeds.warn_kb`, with the size the server serves."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import icalendar

from bench.generate import SEED, generated_plan, when_phrases
from scheduler.base.time import STOCKHOLM
from scheduler.feeds.content import DateSpan, feed_events, feed_header
from scheduler.feeds.ical import FeedEvent, render_events
from scheduler.feeds.scopes import find_scope
from scheduler.feeds.size import fitted
from scheduler.plan.files import read_plan, write_plan
from scheduler.settings.config import load_settings
from scheduler.store.engine import upgrade_store
from scheduler.web.app import create_app
from tests.support.cli import Cli
from tests.support.feeds_fixture import scheduled_plan
from tests.support.helpers import free_port
from tests.support.live_server import serving

NOW = datetime(2025, 1, 10, 7, 0, tzinfo=UTC)
AT = "2025-01-10T08:00"
LIMIT, MOST = 950_000, 1100
MIDNIGHT = datetime(2024, 6, 1, tzinfo=STOCKHOLM)


def _big_plan(folder: Path, organisation: str) -> Path:
    """300 measures with När texts as municipalities write them (bench/generate.py), in 2025."""
    plan = generated_plan(organisation, measures=300, rng=random.Random(27),
                          phrases=when_phrases(), seed=read_plan(SEED).plan)  # fmt: skip
    path = folder / "stor-plan.toml"
    write_plan(plan, path)
    return path


def test_a_300_measure_plans_feeds_stay_under_1_mb_and_feeds_list_warns(sqlite_cli: Cli, tmp_path: Path) -> None:  # fmt: skip
    """On SQLite only: a feed's size is the writer's text, whatever database held the rows (both
    store them alike: tests/test_store.py, tests/test_feeds_export_all.py)."""
    cli = sqlite_cli
    config = load_settings(str(cli.config), environ={})
    assert cli("import", str(_big_plan(tmp_path, config.organisation.name or "")), "--now", "2025-01-02T08:00").code == 0  # fmt: skip
    made = cli("feeds", "create", "Alla")
    secret = re.search(r"/feeds/([A-Za-z0-9_-]+)/", made.out)
    assert made.code == 0 and secret is not None
    listed = cli("feeds", "list", "--now", AT)
    assert listed.code == 0, listed.err
    warned = dict(re.findall(r"Varning: kalendern (\S+) är (\d+) kB, över 750 kB", listed.out))
    assert "plan.ics" in warned, listed.out
    assert all(int(kb) * 1000 <= LIMIT for kb in warned.values())

    # Served by the real server at that moment: under the limit, brief, and as big as listed.
    engine = upgrade_store(config.database_url)[0]
    app = create_app(engine, config, clock=lambda: NOW)
    sizes = {}
    with serving(app, free_port()) as base:
        for name in warned:
            answer = httpx.get(f"{base}/feeds/{secret[1]}/{name}", timeout=60)
            assert answer.status_code == 200
            sizes[name] = len(answer.content)
        plan = httpx.get(f"{base}/feeds/{secret[1]}/plan.ics", timeout=60).content
    engine.dispose()
    assert all(size <= LIMIT for size in sizes.values())
    assert {name: str(size // 1000) for name, size in sizes.items()} == warned
    events = _events(plan)
    assert 0 < len(events) <= MOST
    assert "Mer om åtgärden: http" in str(events[0].description)  # the page has the rest
    description = str(icalendar.Calendar.from_ical(plan).description)
    assert "Hela planen får inte plats: kalendern visar 10 januari 2025 till" in description

    # The exported files are the served ones but for the link: under the limit too, and they
    # hold the coming meetings from the nearest on, with nothing of the past.
    folder = tmp_path / "export"
    assert cli("feeds", "export", str(folder), "--all", "--now", AT).code == 0
    (files,) = [p for p in folder.iterdir() if p.is_dir()]
    for path in files.glob("*.ics"):
        assert path.stat().st_size <= LIMIT and len(_events(path.read_bytes())) <= MOST, path.name
    exported = _events((files / "plan.ics").read_bytes())
    starts = sorted(_day(e) for e in exported)
    assert starts[0] >= date(2025, 1, 10) and starts[-1] < date(2025, 12, 31)
    before_cut = (starts[-1] - timedelta(days=1)).isoformat()
    agenda = cli("agenda", "--json", "--from", "2025-01-10", "--to", before_cut)
    assert agenda.code == 0, agenda.err
    assert {e["uid"] for e in json.loads(agenda.out)} <= {e.uid for e in exported}


def _events(body: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(body).events


def _day(event: icalendar.Event) -> date:
    value = event.start
    return value.astimezone(UTC).date() if isinstance(value, datetime) else value


def test_trimming_shortens_descriptions_first_then_drops_the_past_then_the_far_future(
    tmp_path: Path,
) -> None:
    scheduled = scheduled_plan(tmp_path)
    schedule, rows = scheduled.schedule(), scheduled.rows()
    scope = find_scope(schedule, "plan")
    now = datetime(2024, 6, 1, 8, tzinfo=UTC)

    def events(brief: bool) -> list[FeedEvent]:
        return feed_events(schedule, rows, scope, now=now, window=DateSpan.year(2024),
                           keep_cancelled=timedelta(days=60), link=lambda m: f"http://x/feeds/t/#atgard-{m}",
                           brief=brief)  # fmt: skip

    header = feed_header(schedule, scope, refresh=timedelta(hours=12), organizer_email="a@b.se")
    full, brief = events(False), events(True)
    whole = render_events(header, full)
    shorter = render_events(header, brief)
    assert len(shorter) < len(whole)
    today = date(2024, 6, 1)

    def trimmed(limit: int, most: int = 10_000) -> bytes:
        return fitted(header, full, render_events, limit=limit, most=most, today=today,
                      brief=lambda: brief)  # fmt: skip

    assert trimmed(len(whole)) == whole  # it fits: nothing changes
    assert trimmed(len(shorter)) == shorter  # shorter descriptions are enough: every date stays
    cut = trimmed(len(shorter) - 1)  # the past goes first
    kept = _events(cut)
    assert kept and all(_day(e) >= today for e in kept)
    assert len(kept) == sum(1 for e in brief if e.end > MIDNIGHT)
    tight = trimmed(len(cut) // 2)
    fewer = _events(tight)
    assert len(tight) <= len(cut) // 2 and 0 < len(fewer) < len(kept)
    nearest = sorted(
        (e for e in brief if e.end.astimezone(UTC).date() >= today), key=lambda e: (e.start, e.uid)
    )
    assert {e.uid for e in fewer} == {
        e.uid for e in nearest[: len(fewer)]
    }  # the far future left out
    counted = _events(trimmed(len(whole), most=10))
    assert len(counted) == 10  # and at most so many events, whatever their size
