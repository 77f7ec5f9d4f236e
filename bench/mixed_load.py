"""Four `scheduler serve` processes on one PostgreSQL database behind nginx, under a mixed load
for 60 s (issue 29): 200 feed subscribers (wrk -c200 through nginx, rotating over every link's
calendars), 5 coordinators paging through the workspace (each signed in, one request after the
other: agenda, plan, links, reminders), one `scheduler import` of a new district's plan while it
runs, and a batch of reminders falling due (the servers' clocks shifted by Debian's `faketime` to
shortly before a due time of the generated plans' year, so their dispatchers send it under the
load, to a real SMTP server that counts what arrives).

Two runs of SECONDS each on the same servers. The judged run: each subscriber polls once per
POLL_EVERY_MS (wrk's `delay()`), every other poll with If-None-Match, while the coordinators page,
the import runs and the reminders fall due. The saturation run: the subscribers poll without pause
(a capacity figure: in a closed loop the latency is mostly queueing), the coordinators paging.

Figures: requests per second, p50 and p99 per kind, errors (non-2xx/3xx, socket errors and
timeouts), each process's peak resident memory, and the reminders due by the end against those
sent and received (each once). Goals, judged on the paced run: 0 errors, feed p99 < 100 ms,
workspace p99 < 500 ms, every due reminder sent exactly once. `BENCH_KEEP=1` keeps the temporary
folder (the servers' logs).

Runs when `BENCH_POSTGRES_URL` (else `SCHEDULER_TEST_DATABASE_URL`) names a reachable server
(bench/postgres.py); a schema of its own, dropped after. `BENCH_QUICK=1`: 10 s, 40 subscribers.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bytecode import compile_package
from bench.feeds import free_port, wait_for_port
from bench.generate import plan_files, write_plans
from bench.imports import IMPORT_AT, run_scheduler
from bench.postgres import postgres_url
from bench.report import Row
from bench.tools import ensure_tool
from tests.support.databases import postgres_schema as schema_of  # the tests' own, dropped after

ROOT = Path(__file__).resolve().parents[1]
QUICK = os.environ.get("BENCH_QUICK") == "1"
# `BENCH_KEEP=1`: the temporary folder (servers' logs, nginx's configuration and error log, wrk's
# script) is kept and its path printed, for reading after a run.
KEEP = os.environ.get("BENCH_KEEP") == "1"
SECONDS = 10 if QUICK else 60
SUBSCRIBERS = 40 if QUICK else 200
PROCESSES, COORDINATORS = 4, 5
PLANS, MEASURES = (6, 25) if QUICK else (40, 25)
FEED_P99_MS, WORKSPACE_P99_MS = 100.0, 500.0
PASSWORD = "Korrekt-häst-batteri-9"
PAGES = ("/agenda", "/plan", "/lankar", "/paminnelser")
# How long before the batch's due time the servers' clocks start: their start-up (imports, the
# first refresh) on a busy machine, so that the batch falls due while the load runs.
LEAD = timedelta(seconds=25)
# The judged run's pace: each subscriber (one wrk connection) polls once per POLL_EVERY_MS after
# its previous answer, so SUBSCRIBERS / (POLL_EVERY_MS / 1000) polls per second are offered: 200
# req/s in the full run, what about 180,000 real calendars polling every 15 minutes send (real
# subscribers poll every 15 min to 24 h). The saturation run (no pause, as many polls as the
# servers answer) measures capacity: in a closed loop its mean latency is SUBSCRIBERS /
# throughput by construction, queueing rather than serving.
POLL_EVERY_MS = 1000

NGINX_CONF = """daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/client; proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi; uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    # Feed bodies reach 300 kB: buffers that hold one (32 x 16k = 512k per connection) keep
    # nginx from spooling each one to a temporary file (docs/operations.md).
    proxy_buffering on;
    proxy_buffer_size 16k;
    proxy_buffers 32 16k;
    proxy_busy_buffers_size 64k;
    upstream scheduler {{
{servers}
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://scheduler;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""

WRK_SCRIPT = """local paths = {{{paths}}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""

# The judged run: every poll waits POLL_EVERY_MS after the last answer on its connection; every
# other poll sends If-None-Match with the feed's ETag (as Outlook and Apple do; Google sends
# none). The tags are read once before the load (wrk's Lua cannot tell which request an answer
# belongs to); a tag that no longer matches gets the whole feed, as a real calendar's would.
WRK_PACED_SCRIPT = """local paths = {{{paths}}}
local etags = {{{etags}}}
local i = 0
request = function()
  i = i + 1
  local n = (i - 1) % #paths + 1
  if i % 2 == 0 then
    return wrk.format("GET", paths[n], {{["If-None-Match"] = etags[n]}})
  end
  return wrk.format("GET", paths[n])
end
delay = function()
  return {delay}
end
"""


@dataclass
class Latencies:
    """What one kind of request got: each answer's time, and the errors."""

    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, ok: bool) -> None:
        with self.lock:
            self.seconds.append(seconds)
            self.errors += 0 if ok else 1

    def percentile(self, share: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


@dataclass(frozen=True)
class Installation:
    config: Path
    feed_paths: list[str]
    organisations: list[str]  # the coordinators' districts
    late_plan: Path  # imported while the load runs
    due: datetime  # the batch of reminders that falls due under the load


def _installation(folder: Path, url: str, smtp_toml: str) -> Installation:
    from scheduler.services.accounts import create_account
    from scheduler.services.feed_links import create_link
    from scheduler.settings.config import load_settings
    from scheduler.store.engine import open_store
    from scheduler.store.outbox import next_due

    config_path = write_plans(folder, PLANS + 1, MEASURES, database_url=url)
    config_path.write_text(config_path.read_text(encoding="utf-8") + "\n" + smtp_toml,
                           encoding="utf-8")  # fmt: skip
    *plans, late = plan_files(folder)
    run_scheduler(config_path, "db", "upgrade")
    run_scheduler(config_path, "import", "--now", IMPORT_AT, *map(str, plans))
    config = load_settings(str(config_path), environ={})
    engine = open_store(config.database_url)
    try:
        now = datetime.fromisoformat(IMPORT_AT).replace(tzinfo=UTC)
        names = [name for name in config.organisation_names if name != _name_of(late)]
        paths = []
        for name in names:
            _, token = create_link(engine, audience="bench", scope="", organisation=name, now=now)
            paths += [f"/feeds/{token}/plan.ics", f"/feeds/{token}/plan.todo.ics"]
        for number, name in enumerate(names[:COORDINATORS]):
            create_account(engine, config, username=f"samordnare{number}", organisation=name,
                           password=PASSWORD, now=now)  # fmt: skip
        due = next_due(engine)
    finally:
        engine.dispose()
    if due is None:
        raise RuntimeError("the generated plans planned no reminders")
    return Installation(config_path, paths, names[:COORDINATORS], late, due)


def _name_of(plan: Path) -> str:
    from scheduler.plan.files import read_plan

    return read_plan(plan).plan.organisation


@contextmanager
def _servers(faketime: str, install: Installation, start: datetime, folder: Path) -> Iterator[list[tuple[int, int]]]:  # fmt: skip
    """PROCESSES `serve` processes, each on its own port, their clocks from `start` on; yields
    each one's port and process id, and stops them with Ctrl+C at the end."""
    ports = [free_port() for _ in range(PROCESSES)]
    when = start.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHEDULER_", "FAKETIME"))}
    # FAKETIME_FORCE_MONOTONIC_FIX=0: libfaketime 0.9.10 otherwise wraps pthread_cond_timedwait,
    # which the GIL waits on, and several busy threads then spend 5x the CPU (most of it in
    # futex calls): five coordinators' pages cost 230 ms of CPU each instead of 16 ms, which no
    # server without faketime pays. The monotonic clock is not faked, so the plain call is right.
    env |= {"TZ": "UTC", "FAKETIME_DONT_FAKE_MONOTONIC": "1", "FAKETIME_FORCE_MONOTONIC_FIX": "0"}
    wrappers = []
    for port in ports:
        log = (folder / f"serve-{port}.log").open("wb")
        wrappers.append(subprocess.Popen(
            [faketime, when, sys.executable, "-m", "scheduler", "--config", str(install.config),
             "--log-level", "warning", "serve", "--port", str(port)],
            cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))  # fmt: skip
    try:
        for port, wrapper in zip(ports, wrappers, strict=True):
            wait_for_port(port, wrapper, timeout=180)
        yield [(port, _server_pid(w)) for port, w in zip(ports, wrappers, strict=True)]
    finally:
        for wrapper in wrappers:
            pid = _server_pid(wrapper)
            if pid:
                os.kill(pid, signal.SIGINT)
        for wrapper in wrappers:
            try:
                wrapper.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(wrapper.pid, signal.SIGKILL)
                wrapper.wait()


def _warm(servers: list[tuple[int, int]], paths: list[str]) -> None:
    """Every feed asked once of every server, as a server that has run a while has them: the
    load measures serving, not each process's first rendering."""
    import httpx

    for port, _ in servers:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
            for path in paths:
                http.get(path).raise_for_status()


def _server_pid(wrapper: subprocess.Popen[bytes]) -> int:
    """The scheduler process: `faketime` forks it and waits."""
    children = Path(f"/proc/{wrapper.pid}/task/{wrapper.pid}/children")
    try:
        found = children.read_text().split()
    except OSError:
        return 0
    return int(found[0]) if found else 0


def _peak_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found[1]) / 1024 if found else 0.0


@contextmanager
def _nginx(binary: str, folder: Path, ports: list[int]) -> Iterator[int]:
    port = free_port()
    for name in ("client", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / name).mkdir(exist_ok=True)
    servers = "\n".join(f"        server 127.0.0.1:{p};" for p in ports)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=folder, servers=servers, port=port), encoding="utf-8")
    process = subprocess.Popen([binary, "-c", str(conf), "-e", str(folder / "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def _coordinator(base: str, number: int, until: float, found: Latencies) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=60) as http:
        page = http.get("/logga-in")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        signed = http.post("/logga-in", data={"csrf": token[1] if token else "",
                                              "username": f"samordnare{number}",
                                              "password": PASSWORD})  # fmt: skip
        if signed.status_code != 303:
            raise RuntimeError(f"coordinator {number} could not sign in: {signed.status_code}")
        turn = 0
        while time.monotonic() < until:
            path = PAGES[turn % len(PAGES)]
            turn += 1
            started = time.perf_counter()
            try:
                ok = http.get(path).status_code == 200
            except httpx.HTTPError:
                ok = False
            found.add(time.perf_counter() - started, ok)


def _wrk(binary: str, base: str, script_text: str, folder: Path, name: str) -> dict[str, float]:
    script = folder / f"{name}.lua"
    script.write_text(script_text, encoding="utf-8")
    threads = "2"
    out = subprocess.run([binary, f"-t{threads}", f"-c{SUBSCRIBERS}", f"-d{SECONDS}s", "--latency",
                          "--timeout", "5s", "-s", str(script), base],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    answered = re.search(r"(\d+) requests in", out)
    if answered is None or int(answered[1]) == 0:
        raise RuntimeError(f"wrk got no answers:\n{out}")
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])}  # type: ignore[index]
    for share in ("50", "99"):
        found = re.search(rf"^\s+{share}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if found is None:
            raise RuntimeError(f"wrk gave no {share}th percentile:\n{out}")
        figures[f"p{share}"] = float(found[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[found[2]]
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    figures["non_2xx"] = float(non_2xx[1]) if non_2xx else 0.0
    figures["timeouts"] = float(sockets[4]) if sockets else 0.0
    figures["errors"] = figures["non_2xx"] + (sum(map(int, sockets.groups())) if sockets else 0)
    return figures


def rows() -> list[Row]:
    from tests.support.smtp_server import smtp_server

    figure = f"{PROCESSES} `serve` processes on PostgreSQL, mixed load {SECONDS} s"
    base_url = postgres_url()
    if base_url is None:
        return [Row(figure, "0 errors, p99 feed < 100 ms, workspace < 500 ms",
                    "not measured: set BENCH_POSTGRES_URL to a PostgreSQL server that answers")]  # fmt: skip
    compile_package()
    faketime = ensure_tool("faketime", "faketime")
    wrk_binary, nginx = ensure_tool("wrk", "wrk"), ensure_tool("nginx", "nginx-light")
    with ExitStack() as stack:
        if KEEP:
            folder = Path(tempfile.mkdtemp(prefix="bench-mixed-"))
            print(f"bench/mixed_load: keeping {folder}", file=sys.stderr)
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-mixed-")))
        folder.chmod(0o755)
        url = stack.enter_context(schema_of(base_url))
        smtp = stack.enter_context(smtp_server())
        install = _installation(folder, url, smtp.config_toml())
        start = install.due - LEAD
        launched = time.monotonic()
        with ExitStack() as serving:
            servers = serving.enter_context(_servers(faketime, install, start, folder))
            port = serving.enter_context(_nginx(nginx, folder, [p for p, _ in servers]))
            _warm(servers, install.feed_paths)
            paths = _lua_strings(install.feed_paths)
            etags = _lua_strings(_etags(servers[0][0], install.feed_paths))
            base = f"http://127.0.0.1:{port}"
            # The judged run first: the import and the reminders' due time fall in it.
            paced = _load(wrk_binary, base, install, folder, name="paced", late_import=True,
                          script=WRK_PACED_SCRIPT.format(paths=paths, etags=etags,
                                                         delay=POLL_EVERY_MS))  # fmt: skip
            saturated = _load(wrk_binary, base, install, folder, name="saturation",
                              late_import=False, script=WRK_SCRIPT.format(paths=paths))  # fmt: skip
            memory = [_peak_mb(pid) for _, pid in servers]
        # The servers stopped: what was due by their clock's end, and what they sent.
        server_end = start + timedelta(seconds=time.monotonic() - launched)
        due, sent = _reminders(url, server_end)
        received = list(smtp.handler.messages)
    ids = [m.message_id for m in received]
    once = len(ids) == len(set(ids)) == sent
    offered = SUBSCRIBERS * 1000 / POLL_EVERY_MS
    paced_name = (f"judged run, {SUBSCRIBERS} subscribers each polling once per "
                  f"{POLL_EVERY_MS / 1000:g} s (≤ {offered:,.0f} req/s offered, half with If-None-Match)")  # fmt: skip
    saturated_name = f"saturation run (capacity), {SUBSCRIBERS} subscribers polling without pause"
    result = []
    for run, (feeds, workspace, _, (load_at_start, load_at_end)), judged in (
        (paced_name, paced, True),
        (saturated_name, saturated, False),
    ):
        ok_feeds = feeds["errors"] == 0 and feeds["p99"] < FEED_P99_MS
        ok_workspace = workspace.errors == 0 and workspace.percentile(0.99) < WORKSPACE_P99_MS
        result += [
            Row(f"{figure}, {run}: feeds (wrk through nginx)",
                "0 errors, p99 < 100 ms" if judged else "capacity: reported, not judged",
                f"{feeds['rps']:,.0f} req/s, p50 {feeds['p50']:.0f} ms, p99 {feeds['p99']:.0f} ms, "
                f"{feeds['errors']:.0f} errors ({feeds['non_2xx']:.0f} non-2xx/3xx, {feeds['timeouts']:.0f} "
                f"over 5 s; load {load_at_start:.1f} → {load_at_end:.1f})", ok_feeds if judged else None),
            Row(f"{figure}, {run}: workspace, {COORDINATORS} coordinators paging",
                "0 errors, p99 < 500 ms" if judged else "reported, not judged",
                f"{len(workspace.seconds) / SECONDS:,.1f} req/s, p50 {workspace.percentile(0.5):.0f} ms, "
                f"p99 {workspace.percentile(0.99):.0f} ms, {workspace.errors} errors",
                ok_workspace if judged else None),
        ]  # fmt: skip
    return [
        *result,
        Row(f"{figure}: reminders falling due", "each sent exactly once",
            f"{due} due by the end, {sent} sent, {len(received)} received, "
            f"{len(ids) - len(set(ids))} twice", once and due == sent),
        Row(f"{figure}: peak memory per process", "",
            ", ".join(f"{mb:.0f} MB" for mb in memory)),
        Row(f"{figure}: one `import` of a {MEASURES}-measure plan under the judged load", "",
            f"{paced[2]:.1f} s"),
    ]  # fmt: skip


def _etags(port: int, paths: list[str]) -> list[str]:
    """Each feed's ETag as a subscriber got it at its last poll."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        return [http.get(path).headers["etag"] for path in paths]


def _lua_strings(values: list[str]) -> str:
    return ", ".join("[[" + value + "]]" for value in values)


def _load(wrk_binary: str, base: str, install: Installation, folder: Path, *,
          script: str, name: str, late_import: bool) -> tuple[dict[str, float], Latencies, float, tuple[float, float]]:  # fmt: skip
    """The feed subscribers, the coordinators and (`late_import`) the import at once; what each
    got, and the load average at the start and the end."""
    load_at_start = os.getloadavg()[0]
    workspace = Latencies()
    until = time.monotonic() + SECONDS
    coordinators = [threading.Thread(target=_coordinator, args=(base, n, until, workspace))
                    for n in range(COORDINATORS)]  # fmt: skip
    for thread in coordinators:
        thread.start()
    importing: list[float] = []

    def run_import() -> None:
        time.sleep(SECONDS / 3)  # a third of the way in
        run = run_scheduler(install.config, "import", "--now", IMPORT_AT, str(install.late_plan))
        importing.append(run.seconds)

    importer = threading.Thread(target=run_import)
    if late_import:
        importer.start()
    feeds = _wrk(wrk_binary, base, script, folder, name)
    for thread in [*coordinators, *([importer] if late_import else [])]:
        thread.join()
    load = (load_at_start, os.getloadavg()[0])
    return feeds, workspace, importing[0] if importing else float("nan"), load


def _reminders(url: str, until: datetime) -> tuple[int, int]:
    """Reminders due by `until` (the servers' clock at the end), and those sent."""
    from sqlalchemy import create_engine, text

    from scheduler.store.engine import normalise_url

    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            due = connection.execute(text("select count(*) from outbox where due_at <= :until "
                                          "and status not in ('cancelled', 'skipped')"),
                                     {"until": until}).scalar_one()  # fmt: skip
            sent = connection.execute(text("select count(*) from outbox where status = 'sent'")).scalar_one()  # fmt: skip
    finally:
        engine.dispose()
    return int(due), int(sent)


def main() -> None:
    for row in rows():
        print(f"{row.figure}: {row.measured} (goal {row.goal or '-'}: {row.verdict or '-'})")


if __name__ == "__main__":
    main()
