"""The hot paths of one plan, as context figures: reading När texts, importing the seed plan,
rendering a feed, answering a poll; and what starting `scheduler` costs, with the issue's goal that
`--help` and `cadence … --json` import no database, spreadsheet or migration module.

Timings are medians of repeated runs, so a busy machine shifts them less; they are for comparing
changes on one machine, not absolute. `BENCH_QUICK=1`: fewer repeats.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Row
from bench.table import print_rows
from scheduler.settings.model import Calendar, Settings

ROOT = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("BENCH_QUICK") == "1"
PHRASES = [
    "Möten 8 ggr/år (4 ggr/år mellan- och högstadiet och 4 ggr/år gymnasiet)", "2 ggr/månad",
    "4 ggr/år för forumen Fridhemsplan och Stadshagen. 3 ggr/år för Hornsbergs- och Kristinebergs strand",
    "Varannan onsdag kl 13", "Första tisdagen varje månad", "Senast 31 mars 2025", "Vid behov",
    "Kontinuerligt under året", "En gång per år/vid behov", "Våren 2024",
]  # fmt: skip
# What a command that needs no database must not load (tests/test_startup.py holds --help to it).
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "psycopg", "openpyxl")
HELP = ("--help",)
CADENCE = ("cadence", "4 ggr/år", "--year", "2025", "--json")


def repeat(n: int) -> int:
    return max(1, n // 10) if QUICK else n


def median_ms(work: Callable[[], object], times: int) -> float:
    spent = []
    for _ in range(repeat(times)):
        start = time.perf_counter()
        work()
        spent.append((time.perf_counter() - start) * 1000)
    return statistics.median(spent)


def peak_kib(work: Callable[[], object]) -> float:
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def startup_ms(*argv: str) -> float:
    """Wall time of a whole `python -m scheduler …` process: interpreter start and imports."""
    command = [sys.executable, "-m", "scheduler", *argv]
    return median_ms(lambda: subprocess.run(command, cwd=ROOT, capture_output=True, check=False), 5)


def heavy_imports(*argv: str) -> list[str]:
    """The heavy top-level packages a `scheduler …` process imports (`python -X importtime`)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "scheduler", *argv], cwd=ROOT,
                          capture_output=True, text=True, check=False)  # fmt: skip
    names = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:") and line.count("|") == 2}  # fmt: skip
    return sorted({name.split(".")[0] for name in names} & set(HEAVY))


def startup_rows() -> list[Row]:
    loaded = {"--help": heavy_imports(*HELP), "cadence --json": heavy_imports(*CADENCE)}
    found = "; ".join(
        f"{command}: {', '.join(names)}" for command, names in loaded.items() if names
    )
    bare = median_ms(lambda: subprocess.run([sys.executable, "-c", "pass"], check=False), 5)
    return [
        Row("`scheduler --help` and `scheduler cadence TEXT --json`: no database, spreadsheet or "
            "migration module imported", "none imported",
            found or f"none ({', '.join(HEAVY)} checked with python -X importtime)", not found),
        Row("  startup, `scheduler --help`", "", f"{startup_ms(*HELP):.0f} ms (python -c pass: {bare:.0f} ms)"),
        Row("  startup, `scheduler cadence \"4 ggr/år\" --year 2025 --json`", "", f"{startup_ms(*CADENCE):.0f} ms"),
    ]  # fmt: skip


def cadence_rows() -> list[Row]:
    from scheduler.base import caches
    from scheduler.cadence import CalendarPolicy, parse_when, place_cadence

    policy = CalendarPolicy.from_section(Calendar())
    noise = "4 ggr/år vecka 12 (" * 500

    # The reading itself: parse_when caches its readings (plans repeat their texts), which
    # would time a dict lookup from the second round on.
    def reading(text: str) -> object:
        caches.clear("cadence.parse_when")
        return parse_when(text)

    return [
        Row("`parse_when`, 10 seed-like phrases, uncached", "",
            f"{median_ms(lambda: [reading(p) for p in PHRASES], 50):.2f} ms"),
        Row("parse + place, 10 phrases, one year (caches warm after the first round)", "",
            f"{median_ms(lambda: [place_cadence(parse_when(p), year=2025, policy=policy) for p in PHRASES], 20):.1f} ms"),
        Row("`parse_when`, 10,000 characters of noise, uncached", "", f"{median_ms(lambda: reading(noise), 5):.1f} ms"),
    ]  # fmt: skip


def plan_rows() -> list[Row]:
    from fastapi.testclient import TestClient

    from scheduler.plan.files import read_plan
    from scheduler.services.feeds import EVENTS, FeedSettings, render_feed
    from scheduler.services.refresh import import_and_schedule, plan_schedule
    from scheduler.settings.config import load_settings
    from scheduler.store.engine import upgrade_store
    from scheduler.store.feed_tokens import create_token
    from scheduler.store.occurrences import list_occurrences
    from scheduler.web.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "config.toml"
        text = (ROOT / "config.toml").read_text(encoding="utf-8")
        config_path.write_text(
            text.replace("sqlite:///db/scheduler.sqlite3", f"sqlite:///{folder}/b.sqlite3")
        )
        config = load_settings(str(config_path), environ={})
        engine = upgrade_store(config.database_url)[0]
        plan = read_plan(ROOT / "db" / "seed" / "kungsholmen-2024.toml").plan
        now = datetime(2024, 1, 10, tzinfo=UTC)
        result = import_and_schedule(engine, config, plan, source="b", now=now)[0]
        reimport = median_ms(
            lambda: import_and_schedule(engine, config, plan, source="b", now=now), 5
        )
        schedule = plan_schedule(engine, config, plan_id=result.plan_id)
        occurrences = list_occurrences(engine, plan_id=result.plan_id)
        settings = FeedSettings.from_settings(Settings())

        def render() -> bytes:
            return render_feed(
                schedule, occurrences, "plan", EVENTS, now=now, settings=settings
            ).body

        size = len(render()) // 1024
        token = create_token(engine, audience="bench", organisation=plan.organisation, now=now)[1]
        client = TestClient(create_app(engine, config, clock=lambda: now,
                                       feed_settings=replace(FeedSettings.from_settings(Settings()), recheck_seconds=3600)))  # fmt: skip
        url = f"/feeds/{token}/plan.ics"
        etag = client.get(url).headers["etag"]
        rows = [
            Row("re-import + schedule of the seed plan, unchanged", "", f"{reimport:.0f} ms"),
            Row(f"render the whole-plan feed ({size} KiB)", "", f"{median_ms(render, 20):.1f} ms, "
                f"peak {peak_kib(render) / 1024:.2f} MiB"),
            Row("a poll of a cached feed, 200 with body (in-process TestClient)", "",
                f"{median_ms(lambda: client.get(url), 200):.2f} ms"),
            Row("a poll of a cached feed, 304", "",
                f"{median_ms(lambda: client.get(url, headers={'If-None-Match': etag}), 200):.2f} ms"),
        ]  # fmt: skip
        engine.dispose()
    return rows


def rows() -> list[Row]:
    return startup_rows() + cadence_rows() + plan_rows()


if __name__ == "__main__":
    print_rows(rows())
