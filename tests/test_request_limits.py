"""Request limits at the edge (scheduler/web/request_limits.py) and HSTS, on the real server:
uvicorn in a thread with the protocol `scheduler serve` gives it (`serving_protocol`: httptools,
uvloop, the prepared feed polls), asked raw HTTP over loopback sockets. A head over a limit is
answered 431 or 414 and the connection closed, one too slow 408, while every other connection
is served; requests within the limits (keep-alive, pipelining, a body larger than the header
limit, chunked) are answered as before."""

from __future__ import annotations

import re
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from scheduler.services.feeds import FeedSettings
from scheduler.settings.config import load_settings
from scheduler.settings.model import Settings
from scheduler.store.feed_tokens import create_token
from scheduler.web.app import create_app, serving_app, serving_protocol
from tests.support.cli import write_config
from tests.support.feeds_fixture import Scheduled, scheduled_plan
from tests.support.helpers import Clock, free_port, poll_until
from tests.support.live_server import running
from tests.support.seed import SEED_ORGANISATION

NOW = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
HTTPS = "https://kalender.example.se"
HSTS = "max-age=31536000"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@contextmanager
def serving(scheduled: Scheduled, config: Settings) -> Iterator[int]:
    """The application and protocol as `scheduler serve` runs them, on a free port."""
    feeds = replace(FeedSettings.from_settings(config), recheck_seconds=3600)
    lean = serving_app(create_app(scheduled.engine, config, clock=Clock(NOW), feed_settings=feeds))
    port = free_port()
    server = uvicorn.Config(lean, host="127.0.0.1", port=port, log_config=None, log_level="warning",
                            lifespan="off", loop="uvloop", http=serving_protocol(config))  # fmt: skip
    with running(server):
        yield port


def settings_of(tmp_path: Path, scheduled: Scheduled, extra: str = "", base_url: str = "") -> Settings:  # fmt: skip
    """The scheduled plan's database with a config of the test's own."""
    path = write_config(tmp_path / "own.toml", scheduled.config.database_url, extra)
    if base_url:
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace('base_url = "http://127.0.0.1:8000"', f'base_url = "{base_url}"'),
                        encoding="utf-8")  # fmt: skip
    return load_settings(str(path), environ={})


@pytest.fixture
def scheduled(tmp_path: Path) -> Scheduled:
    return scheduled_plan(tmp_path / "plan")


@pytest.fixture
def port(tmp_path: Path, scheduled: Scheduled) -> Iterator[int]:
    """The server with the default limits."""
    with serving(scheduled, settings_of(tmp_path, scheduled)) as port:
        yield port


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def head(path: str = "/healthz", *lines: str, method: str = "GET") -> bytes:
    return "\r\n".join([f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *lines, "", ""]).encode()


def read_answer(stream: socket.SocketIO | object) -> Answer:
    """One response from a file made by `socket.makefile("rb")`."""
    assert hasattr(stream, "readline") and hasattr(stream, "read")
    status_line = stream.readline()
    found = re.match(rb"HTTP/1\.1 (\d{3}) ", status_line)
    assert found, status_line
    headers: dict[str, str] = {}
    while (line := stream.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = stream.read(int(headers.get("content-length", "0")))
    return Answer(int(found[1]), headers, body)


def ask(port: int, raw: bytes, answers: int = 1) -> list[Answer]:
    """The answers to `raw`, sent at once on one connection."""
    with connect(port) as connection:
        connection.sendall(raw)
        stream = connection.makefile("rb")
        return [read_answer(stream) for _ in range(answers)]


def refused_and_closed(port: int, raw: bytes) -> Answer:
    """The one answer to `raw`, after which the server closes the connection by itself (after
    its lingering second; a connection kept alive would stay open for uvicorn's 5 s)."""
    with connect(port) as connection:
        connection.sendall(raw)
        stream = connection.makefile("rb")
        answer = read_answer(stream)
        connection.settimeout(4)
        assert stream.read() == b""
    return answer


def refused(answer: Answer, status: int) -> None:
    """The answer is the edge's own: the status, a short Swedish text, the connection closed."""
    assert answer.status == status
    assert answer.headers["connection"] == "close"
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    text = answer.body.decode()
    assert any(word in text for word in ("för stora", "för lång", "i tid")), text
    assert "Traceback" not in text and "uvicorn" not in text


def healthz(port: int) -> Answer:
    return ask(port, head("/healthz"))[0]


# -- over the limits -------------------------------------------------------------------------


def test_a_60_mb_header_is_refused_431_while_healthz_answers_on_another_connection(
    port: int,
) -> None:
    """It held /healthz for every client for 4.5 s: uvicorn gathered the whole header first."""
    sent = 0
    answer: list[Answer] = []
    stop = threading.Event()

    def send_big_header() -> None:
        """As a client that stops sending when an answer comes (curl does): 60 MB of one header
        in 64 KiB pieces."""
        nonlocal sent
        with connect(port) as connection:
            connection.sendall(head("/healthz").removesuffix(b"\r\n") + b"X-Stor: ")
            piece = b"a" * 65536
            try:
                while sent < 60 * 1024 * 1024 and not stop.is_set():
                    if select.select([connection], [], [], 0)[0]:
                        break  # the server answered
                    connection.sendall(piece)
                    sent += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                pass
            answer.append(read_answer(connection.makefile("rb")))

    sender = threading.Thread(target=send_big_header)
    sender.start()
    try:
        poll_until(lambda: sent >= 64 * 1024 or answer != [])  # the header is under way
        assert healthz(port).status == 200  # another connection is served meanwhile
    finally:
        sender.join(timeout=60)
        stop.set()
    assert answer, "no answer to the 60 MB header"
    refused(answer[0], 431)
    assert sent < 8 * 1024 * 1024, f"{sent} bytes were taken before the answer"
    assert healthz(port).status == 200


def test_a_20_kb_url_is_refused_414(port: int) -> None:
    answer = refused_and_closed(port, head("/feeds/" + "a" * 20_000 + "/plan.ics"))
    refused(answer, 414)
    assert "Adressen är för lång" in answer.body.decode()


def test_200_headers_are_refused_431(port: int) -> None:
    answer = refused_and_closed(port, head("/healthz", *(f"X-Rad-{n}: {n}" for n in range(200))))
    refused(answer, 431)
    assert "Förfrågans rubriker är för stora" in answer.body.decode()


def test_one_header_over_16_kib_is_refused_431_and_one_under_is_answered(port: int) -> None:
    refused(ask(port, head("/healthz", "Cookie: " + "k" * 17_000))[0], 431)
    assert ask(port, head("/healthz", "Cookie: " + "k" * 15_000))[0].status == 200


def test_a_header_sent_byte_by_byte_is_counted_across_reads(port: int) -> None:
    """A head over several reads is counted by whole reads from its second: refused all the same,
    though the parser reports the header only when its line ends."""
    with connect(port) as connection:
        connection.sendall(head("/healthz").removesuffix(b"\r\n") + b"X-Stor: ")
        stream = connection.makefile("rb")
        for _ in range(40):
            try:
                connection.sendall(b"b" * 1024)
            except (BrokenPipeError, ConnectionResetError):
                break
            if select.select([connection], [], [], 0.05)[0]:
                break  # the answer came
        refused(read_answer(stream), 431)


def test_a_trailer_over_the_limit_is_refused_431(port: int) -> None:
    raw = (head("/healthz", "Transfer-Encoding: chunked", method="POST") + b"3\r\nabc\r\n0\r\n"
           + b"X-Slut: " + b"t" * 17_000 + b"\r\n\r\n")  # fmt: skip
    refused(refused_and_closed(port, raw), 431)


def test_a_slow_head_is_answered_408_and_closed(tmp_path: Path, scheduled: Scheduled) -> None:
    """Half a head, then nothing (slowloris): 408 after server.header_timeout_seconds."""
    config = settings_of(tmp_path, scheduled, "[server]\nheader_timeout_seconds = 1\n")
    with serving(scheduled, config) as port:
        with connect(port) as connection:
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Halv")
            stream = connection.makefile("rb")
            answer = read_answer(stream)  # the read waits for the server's timer
            refused(answer, 408)
            assert "Förfrågan kom inte fram i tid" in answer.body.decode()
            assert stream.read() == b""  # closed
        # A connection that sends nothing at all is answered and closed the same way.
        with connect(port) as idle:
            stream = idle.makefile("rb")
            refused(read_answer(stream), 408)
            assert stream.read() == b""
        assert healthz(port).status == 200


def test_the_limits_are_settings(tmp_path: Path, scheduled: Scheduled) -> None:
    config = settings_of(tmp_path, scheduled,
                         "[server]\nmax_header_bytes = 2048\nmax_url_bytes = 512\nmax_headers = 10\n")  # fmt: skip
    with serving(scheduled, config) as port:
        assert ask(port, head("/healthz", "X-A: " + "a" * 1500))[0].status == 200
        refused(ask(port, head("/healthz", "X-A: " + "a" * 2100))[0], 431)
        refused(ask(port, head("/healthz?" + "q" * 600))[0], 414)
        refused(ask(port, head("/healthz", *(f"X-{n}: {n}" for n in range(10))))[0], 431)
        assert ask(port, head("/healthz", *(f"X-{n}: {n}" for n in range(8))))[0].status == 200


# -- within the limits -----------------------------------------------------------------------


def test_keep_alive_and_two_pipelined_requests_are_answered_in_order(
    port: int, scheduled: Scheduled
) -> None:
    secret = create_token(
        scheduled.engine, audience="SSP", organisation=SEED_ORGANISATION, now=NOW
    )[1]
    feed = f"/feeds/{secret}/plan.ics"
    with connect(port) as connection:
        stream = connection.makefile("rb")
        connection.sendall(head("/healthz"))
        assert read_answer(stream).status == 200
        connection.sendall(head(feed))  # the same connection, kept alive
        first = read_answer(stream)
        assert first.status == 200 and first.body.startswith(b"BEGIN:VCALENDAR")
        # Two at once; the feed now from what was prepared (the protocol answers it itself).
        connection.sendall(head(feed) + head("/healthz"))
        second, third = read_answer(stream), read_answer(stream)
        assert second.status == 200 and second.body == first.body
        assert third.status == 200 and b'"status"' in third.body


def test_a_post_with_a_body_larger_than_the_header_limit_is_read(port: int) -> None:
    """The body is the application's (its own limit, 2 MB): the edge counts only heads. A sign-in
    form of 100 KB reaches the sign-in page, which answers it (a wrong sign-in: 4xx, not 431)."""
    body = b"username=" + b"u" * 100_000 + b"&password=x&csrf=x"
    raw = head("/logga-in", "Content-Type: application/x-www-form-urlencoded",
               f"Content-Length: {len(body)}", method="POST") + body  # fmt: skip
    answer = ask(port, raw)[0]
    assert answer.status not in (408, 414, 431)
    assert answer.headers.get("content-type", "").startswith("text/html")
    chunked = (head("/logga-in", "Content-Type: application/x-www-form-urlencoded",
                    "Transfer-Encoding: chunked", method="POST")
               + b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in [body[:60_000], body[60_000:]])
               + b"0\r\n\r\n")  # fmt: skip
    assert ask(port, chunked)[0].status not in (408, 414, 431)


def test_a_malformed_request_is_left_to_uvicorn(port: int) -> None:
    answer = refused_and_closed(port, b"GET /healthz HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")
    assert answer.status == 400
    assert healthz(port).status == 200


# -- HSTS --------------------------------------------------------------------------------------


def test_hsts_is_sent_on_every_answer_when_the_site_is_https(
    tmp_path: Path, scheduled: Scheduled
) -> None:
    secret = create_token(
        scheduled.engine, audience="SSP", organisation=SEED_ORGANISATION, now=NOW
    )[1]
    feed = f"/feeds/{secret}/plan.ics"
    config = settings_of(tmp_path, scheduled, base_url=HTTPS)
    with serving(scheduled, config) as port:
        first = ask(port, head(feed))
        etag = first[0].headers["etag"]
        # The feed twice (prepared the second time: the protocol answers it, and the 304), a
        # page, a missing page, /healthz, and the edge's own answer.
        answers = ask(port, head(feed) + head(feed, f"If-None-Match: {etag}") + head("/")
                         + head("/finns-inte") + head("/healthz"), answers=5)  # fmt: skip
        assert [a.status for a in [first[0], *answers]] == [200, 200, 304, 200, 404, 200]
        for answer in [first[0], *answers]:
            assert answer.headers["strict-transport-security"] == HSTS
        edge = ask(port, head("/healthz", *(f"X-{n}: {n}" for n in range(200))))
        assert edge[0].status == 431 and edge[0].headers["strict-transport-security"] == HSTS


def test_no_hsts_over_http(port: int, scheduled: Scheduled) -> None:
    secret = create_token(
        scheduled.engine, audience="SSP", organisation=SEED_ORGANISATION, now=NOW
    )[1]
    feed = f"/feeds/{secret}/plan.ics"
    answers = ask(port, head(feed) + head(feed) + head("/") + head("/finns-inte"), answers=4)
    assert [a.status for a in answers] == [200, 200, 200, 404]
    edge = ask(port, head("/healthz", *(f"X-{n}: {n}" for n in range(200))))
    for answer in [*answers, edge[0]]:
        assert "strict-transport-security" not in answer.headers


# -- `scheduler serve` itself ------------------------------------------------------------------


@pytest.mark.processes
def test_scheduler_serve_has_the_limits_and_hsts(tmp_path: Path, scheduled: Scheduled) -> None:
    """The command, as a process of its own: its protocol is the one tested above."""
    config = tmp_path / "serve.toml"
    config.write_text(
        write_config(tmp_path / "base.toml", scheduled.config.database_url, "[server]\nmax_headers = 20\n")
        .read_text(encoding="utf-8")
        .replace('base_url = "http://127.0.0.1:8000"', f'base_url = "{HTTPS}"'),
        encoding="utf-8",
    )  # fmt: skip
    port = free_port()
    command = [sys.executable, "-m", "scheduler", "--config", str(config), "serve", "--port", str(port)]  # fmt: skip
    with subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as server:  # fmt: skip
        try:
            poll_until(lambda: server.poll() is not None or _listening(port), timeout=60)
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            answer = ask(port, head("/healthz"))[0]
            assert answer.status == 200 and answer.headers["strict-transport-security"] == HSTS
            edge = refused_and_closed(port, head("/healthz", *(f"X-{n}: {n}" for n in range(21))))
            refused(edge, 431)
            assert edge.headers["strict-transport-security"] == HSTS
        finally:
            server.terminate()
            server.wait(timeout=30)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_blank_lines_between_requests_do_not_hold_a_connection_open(
    tmp_path: Path, scheduled: Scheduled
) -> None:
    """After an answer, blank lines (which the parser skips, and which stop uvicorn's keep-alive
    timeout) start the next head's clock: 408 as for any slow head."""
    config = settings_of(tmp_path, scheduled, "[server]\nheader_timeout_seconds = 1\n")
    with serving(scheduled, config) as port, connect(port) as connection:
        stream = connection.makefile("rb")
        connection.sendall(head("/healthz"))
        assert read_answer(stream).status == 200
        connection.sendall(b"\r\n")
        refused(read_answer(stream), 408)  # the read waits for the server's clock
        assert stream.read() == b""
