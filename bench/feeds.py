"""Feeds at national scale (issue 14): serving a poll against nginx, `feeds export --all` of 300
plans, and rendering a feed against bare `icalendar`.

- Serving: a real `scheduler serve` (one worker, its own config and SQLite database, the seed plan
  rolled over to the year whose meetings are upcoming, a calendar link) and nginx (one worker, a
  config of its own in a temporary folder, the static path of docs/feeds.md: the link's token in the
  path) serve the same bytes, the plan feed, on free loopback ports; `wrk -t1 -c20` polls each in
  turn, with and without a matching If-None-Match. Neither writes an access log. wrk and nginx
  are Debian packages, installed (apt-get) when missing.
- Export: 300 generated plans × 25 measures (bench/generate.py), imported (not timed), then one
  `scheduler feeds export DIR --all` process, timed whole (start-up included), on a date inside
  their year.
- Rendering: the seed plan's `plan` feed by `render_feed` (schedule and occurrences in, bytes out,
  with nothing kept from an earlier render) against building the same events with `icalendar`'s
  own components and `to_ical()` (`_events_with_icalendar`, what the text is tested against), the
  events handed over ready.

`python -m bench.feeds` prints the rows. BENCH_QUICK=1: 10 plans × 25 measures, 2-second polls.
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench.report import Row
from bench.tools import ensure_tool
from scheduler.settings.model import Settings

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "db" / "seed" / "kungsholmen-2024.toml"
QUICK = os.environ.get("BENCH_QUICK") == "1"
PLANS, MEASURES = (10, 25) if QUICK else (300, 25)
SECONDS = 2 if QUICK else 5
EXPORT_AT = "2025-03-01T08:00"  # inside the generated plans' year (bench/generate.py)


# -- tools ----------------------------------------------------------------------------------
def ensure_tools() -> tuple[str, str]:
    """wrk and nginx, installed from Debian when missing."""
    return ensure_tool("wrk", "wrk"), ensure_tool("nginx", "nginx-light")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server ended at start (exit {process.returncode})")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listened on port {port} within {timeout} s")


@contextmanager
def running(command: list[str], port: int, cwd: Path) -> Iterator[None]:
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_port(port, process)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wrk(binary: str, url: str, headers: dict[str, str] | None = None) -> float:
    """Requests per second; every answer must be a 2xx or 3xx."""
    command = [binary, "-t1", "-c20", f"-d{SECONDS}s", url]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx" in out:
        raise RuntimeError(f"wrk got errors from {url}:\n{out}")
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if found is None:
        raise RuntimeError(f"wrk said nothing about {url}:\n{out}")
    return float(found[1])


# -- nginx: docs/feeds.md's static path -------------------------------------------------------
NGINX_CONF = """daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    map $feed_token $feed_folder {{
        default "";
        {token} {folder};
    }}
    server {{
        listen 127.0.0.1:{port};
        location ~ "^/feeds/(?<feed_token>[A-Za-z0-9_-]+)/(?<feed_file>[a-z0-9.-]+\\.ics)$" {{
            if ($feed_folder = "") {{ return 404; }}
            root {root};
            try_files /$feed_folder/$feed_file =404;
            types {{ }}
            default_type "text/calendar; charset=utf-8";
            add_header Cache-Control "private, max-age=900";
        }}
    }}
}}
"""


def etag_of(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:
    from urllib.request import Request, urlopen

    with urlopen(Request(url, headers=headers or {})) as answer:  # a loopback URL
        return answer.status, answer.headers["ETag"], answer.read()


# -- the serving rows -------------------------------------------------------------------------
def _served_installation(folder: Path) -> tuple[Path, str]:
    """A config and database with the seed plan rolled over to the coming year and a link."""
    from tests.support.cli import write_config

    config = write_config(folder / "config.toml", f"sqlite:///{folder / 'scheduler.sqlite3'}")
    cli = [sys.executable, "-m", "scheduler", "--config", str(config)]
    for argv in (["db", "upgrade"], ["import", str(SEED)], ["rollover"]):
        subprocess.run([*cli, *argv], cwd=folder, check=True, capture_output=True)
    made = subprocess.run([*cli, "feeds", "create", "bench"], cwd=folder, check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    found = re.search(r"/feeds/([A-Za-z0-9_-]+)/plan\.ics", made)
    if found is None:
        raise RuntimeError(f"feeds create printed no link:\n{made}")
    return config, found[1]


def serving_rows() -> list[Row]:
    wrk_binary, nginx = ensure_tools()
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as name:
        folder = Path(name)
        folder.chmod(0o755)  # nginx's worker (run as root, it drops to nobody) reads the files
        config, token = _served_installation(folder)
        ours, theirs = free_port(), free_port()
        serve = [sys.executable, "-m", "scheduler", "--config", str(config), "--log-level",
                 "warning", "serve", "--port", str(ours)]  # fmt: skip
        with running(serve, ours, folder):
            url = f"http://127.0.0.1:{ours}/feeds/{token}/plan.ics"
            _, etag, body = etag_of(url)
            static = folder / "static" / "kungsholmen"
            static.mkdir(parents=True)
            (static / "plan.ics").write_bytes(body)  # the same bytes
            conf = folder / "nginx.conf"
            conf.write_text(NGINX_CONF.format(tmp=folder, token=token, folder="kungsholmen",
                                              port=theirs, root=folder / "static"))  # fmt: skip
            with running([nginx, "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log")], theirs, folder):  # fmt: skip
                static_url = f"http://127.0.0.1:{theirs}/feeds/{token}/plan.ics"
                status, static_etag, static_body = etag_of(static_url)
                assert status == 200 and static_body == body, "nginx must serve the same bytes"
                full = (wrk(wrk_binary, url), wrk(wrk_binary, static_url))
                cached = (wrk(wrk_binary, url, {"If-None-Match": etag}),
                          wrk(wrk_binary, static_url, {"If-None-Match": static_etag}))  # fmt: skip
    size = f"{len(body) / 1024:.0f} KB"
    return [
        _ratio("feed 200 vs nginx static, same bytes, one worker each", 0.25, full, size),
        _ratio("feed 304 vs nginx", 0.30, cached, size),
    ]


def _ratio(figure: str, goal: float, pair: tuple[float, float], size: str) -> Row:
    ratio = pair[0] / pair[1]
    return Row(figure, f"≥ {goal:.2f}×",
               f"{ratio:.2f}× ({pair[0]:,.0f} vs {pair[1]:,.0f} req/s, {size}, wrk -t1 -c20 -d{SECONDS}s)",
               ratio >= goal)  # fmt: skip


# -- export --all ---------------------------------------------------------------------------
def export_row() -> Row:
    from bench.generate import plan_files, write_plans
    from scheduler.plan.files import read_plan
    from scheduler.services.refresh import import_and_schedule
    from scheduler.settings.config import load_settings
    from scheduler.store.engine import upgrade_store

    with tempfile.TemporaryDirectory(prefix="bench-export-") as name:
        folder = Path(name)
        config_path = write_plans(folder, PLANS, MEASURES,
                                  database_url=f"sqlite:///{folder / 'scheduler.sqlite3'}")  # fmt: skip
        config = load_settings(str(config_path), environ={})
        engine = upgrade_store(config.database_url)[0]
        imported_at = datetime(2025, 1, 2, 7, 0, tzinfo=UTC)
        for path in plan_files(folder):
            import_and_schedule(engine, config, read_plan(path).plan, source=str(path), now=imported_at)  # fmt: skip
        engine.dispose()
        command = [sys.executable, "-m", "scheduler", "--config", str(config_path), "feeds",
                   "export", str(folder / "kalendrar"), "--all", "--now", EXPORT_AT]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise RuntimeError(f"feeds export --all: {done.stderr.strip()}")
        files = sum(1 for _ in (folder / "kalendrar").rglob("*.ics"))
        again = time.perf_counter()
        subprocess.run(command, cwd=folder, capture_output=True, check=True)
        unchanged = time.perf_counter() - again
    return Row(f"`feeds export --all` of {PLANS} plans × {MEASURES} measures", "< 10 s",
               f"{seconds:.1f} s ({files:,} files; again, all unchanged: {unchanged:.1f} s)",
               seconds < 10)  # fmt: skip


# -- rendering against bare icalendar ---------------------------------------------------------
def median_seconds(work: Callable[[], object], repeat: int) -> float:
    """The median CPU time of `work` in this process: on a machine shared with other work, wall
    time swings with the load, CPU time far less."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times)


# The caches of what an event's and a feed's text are made of (scheduler/base/caches.py).
FEED_TEXT_CACHES = ("feeds.event_text", "feeds.todo_text", "feeds.organizer_line",
                    "feeds.text_line", "feeds.utc_line", "feeds.categories_line")  # fmt: skip


def rendering_row() -> Row:
    from scheduler.base import caches
    from scheduler.feeds import ical
    from scheduler.feeds.content import DateSpan, feed_events, feed_header
    from scheduler.feeds.scopes import find_scope
    from scheduler.services.feeds import EVENTS, FeedSettings, render_feed
    from tests.support.feeds_fixture import scheduled_plan

    with tempfile.TemporaryDirectory(prefix="bench-render-") as name:
        scheduled = scheduled_plan(Path(name))
        schedule, rows = scheduled.schedule(), scheduled.rows()
        scheduled.engine.dispose()
    now, settings = datetime(2024, 2, 1, tzinfo=UTC), FeedSettings.from_settings(Settings())
    link = lambda measure_id: f"http://127.0.0.1:8000/feeds/t/#atgard-{measure_id}"  # noqa: E731

    def ours() -> bytes:  # no event's text kept from the render before (the VTIMEZONE, written
        # once per process, and the program's other caches are, as in a server)
        for name in FEED_TEXT_CACHES:
            caches.clear(name)
        return render_feed(schedule, rows, "plan", EVENTS, now=now, settings=settings, link=link).body  # fmt: skip

    scope = find_scope(schedule, "plan")
    events = feed_events(schedule, rows, scope, now=now, window=DateSpan.year(2024),
                         keep_cancelled=settings.keep_cancelled, link=link)  # fmt: skip
    header = feed_header(schedule, scope, refresh=settings.refresh, organizer_email=settings.organizer_email)  # fmt: skip
    ordered = sorted(events, key=lambda e: (e.start, e.uid))

    def bare() -> bytes:  # icalendar's own components, one per event, and to_ical()
        return ical._events_with_icalendar(header, ordered)

    assert bare() == ours(), "the two must build the same bytes"
    repeat = 5 if QUICK else 20
    mine = median_seconds(ours, repeat)
    reference = median_seconds(bare, repeat)
    warm = median_seconds(
        lambda: render_feed(schedule, rows, "plan", EVENTS, now=now, settings=settings, link=link),
        repeat,
    )
    ratio = mine / reference
    return Row("rendering a feed vs bare icalendar", "≤ 1.0×",
               f"{ratio:.2f}× ({mine * 1000:.1f} vs {reference * 1000:.1f} ms, {len(events)} events; "
               f"events already written once: {warm * 1000:.1f} ms)", ratio <= 1.0)  # fmt: skip


def rows() -> list[Row]:
    return [*serving_rows(), export_row(), rendering_row()]


if __name__ == "__main__":
    for row in rows():
        print(f"{row.figure}: {row.measured} (goal {row.goal or '-'}: {row.verdict or '-'})")
