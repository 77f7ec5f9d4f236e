"""Speed and memory of the hot paths: reading När texts, rendering feeds, answering a poll,
dispatching reminders (bench/dispatch.py; how many: BENCH_DISPATCH_COUNT, 2,000 by default).

Run with `make bench`; figures go in BENCHMARKS.md. Timings are medians of repeated runs, so a
busy machine shifts them less; they are for comparing changes on one machine, not absolute.
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
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from bench import dispatch
from scheduler.cadence import CalendarPolicy, parse_when, place
from scheduler.plan.files import read_plan
from scheduler.services.feeds import EVENTS, FeedSettings, render_feed
from scheduler.services.refresh import import_and_schedule, plan_schedule
from scheduler.settings.config import load_settings
from scheduler.store.engine import upgrade_store
from scheduler.store.feed_tokens import create_token
from scheduler.store.occurrences import list_occurrences
from scheduler.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
PHRASES = [
    "Möten 8 ggr/år (4 ggr/år mellan- och högstadiet och 4 ggr/år gymnasiet)", "2 ggr/månad",
    "4 ggr/år för forumen Fridhemsplan och Stadshagen. 3 ggr/år för Hornsbergs- och Kristinebergs strand",
    "Varannan onsdag kl 13", "Första tisdagen varje månad", "Senast 31 mars 2025", "Vid behov",
    "Kontinuerligt under året", "En gång per år/vid behov", "Våren 2024",
]  # fmt: skip


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_kib(work: Callable[[], object]) -> float:
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def startup_ms(*argv: str, repeat: int = 5) -> float:
    """Wall time of a whole `python -m scheduler …` process: interpreter start and imports."""
    command = [sys.executable, "-m", "scheduler", *argv]
    return median_ms(lambda: subprocess.run(command, cwd=ROOT, capture_output=True, check=False),
                     repeat)  # fmt: skip


def main() -> None:
    print(f"startup, scheduler --help:         {startup_ms('--help'):8.2f} ms")
    print(f"startup, scheduler cadence --json: "
          f"{startup_ms('cadence', '4 ggr/år', '--year', '2025', '--json'):8.2f} ms")  # fmt: skip
    print(f"startup, python -c pass:           "
          f"{median_ms(lambda: subprocess.run([sys.executable, '-c', 'pass'], check=False), 5):8.2f} ms")  # fmt: skip
    policy = CalendarPolicy()
    print(
        f"parse_when, 10 phrases:            {median_ms(lambda: [parse_when(p) for p in PHRASES], 50):8.2f} ms"
    )
    print(f"parse + place, 10 phrases, 1 year: "
          f"{median_ms(lambda: [place(parse_when(p), year=2025, policy=policy) for p in PHRASES], 20):8.2f} ms")  # fmt: skip
    noise = "4 ggr/år vecka 12 (" * 500
    print(f"parse_when, 10 000 chars of noise: {median_ms(lambda: parse_when(noise), 5):8.2f} ms")

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
        print(f"import + schedule the seed plan:   "
              f"{median_ms(lambda: import_and_schedule(engine, config, plan, source='b', now=now), 5):8.2f} ms")  # fmt: skip
        result = import_and_schedule(engine, config, plan, source="b", now=now)[0]
        schedule = plan_schedule(engine, config, plan_id=result.plan_id)
        rows = list_occurrences(engine, plan_id=result.plan_id)
        settings = FeedSettings()
        body = render_feed(schedule, rows, "plan", EVENTS, now=now, settings=settings).body
        print(f"render the plan feed ({len(body) // 1024} KiB):     "
              f"{median_ms(lambda: render_feed(schedule, rows, 'plan', EVENTS, now=now, settings=settings), 20):8.2f} ms")  # fmt: skip
        print(f"  peak memory while rendering:      "
              f"{peak_kib(lambda: render_feed(schedule, rows, 'plan', EVENTS, now=now, settings=settings)):8.0f} KiB")  # fmt: skip
        token = create_token(engine, audience="bench", now=now)[1]
        client = TestClient(create_app(engine, config, clock=lambda: now,
                                       feed_settings=FeedSettings(recheck_seconds=3600)))  # fmt: skip
        url = f"/feeds/{token}/plan.ics"
        etag = client.get(url).headers["etag"]
        print(
            f"poll, cached, 200 with body:       {median_ms(lambda: client.get(url), 200):8.2f} ms"
        )
        print(f"poll, cached, 304 Not Modified:    "
              f"{median_ms(lambda: client.get(url, headers={'If-None-Match': etag}), 200):8.2f} ms")  # fmt: skip
        engine.dispose()
    dispatch.measure(int(os.environ.get("BENCH_DISPATCH_COUNT", "2000")))


if __name__ == "__main__":
    main()
