"""Feed polls answered by uvicorn's protocol itself (scheduler/web/feed_protocol.py) are the bytes
uvicorn writes for the same answer through ASGI: two real uvicorn servers on one store and one
clock, `scheduler serve`'s (the protocol in front) and plain uvicorn with the same application,
asked the same raw HTTP on loopback sockets."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pytest
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from scheduler.services.feeds import FeedSettings
from scheduler.store.feed_tokens import create_token
from scheduler.web.app import create_app, serving_app
from scheduler.web.feed_protocol import WireHeads, feed_poll_protocol
from scheduler.web.feed_serving import LeanFeeds
from tests.support.feeds_fixture import Scheduled, scheduled_plan
from tests.support.helpers import Clock, free_port
from tests.support.live_server import running
from tests.support.seed import SEED_ORGANISATION

NOW = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)


@dataclass
class Counted:
    """The ASGI application with a count of the requests that reached it."""

    app: ASGIApp
    calls: list[str] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.calls.append(scope["path"])
        await self.app(scope, receive, send)


@dataclass
class Server:
    port: int
    asgi: Counted


@contextmanager
def serving(lean: LeanFeeds, *, protocol: bool) -> Iterator[Server]:
    """uvicorn in a thread, as `scheduler serve` configures it (httptools, uvloop, the access log
    through uvicorn's logger), with the protocol or without."""
    asgi, port = Counted(lean), free_port()
    config = uvicorn.Config(asgi, host="127.0.0.1", port=port, log_config=None, log_level="info",
                            lifespan="off", loop="uvloop",
                            http=feed_poll_protocol(lean) if protocol else "httptools")  # fmt: skip
    with running(config):
        yield Server(port, asgi)


@pytest.fixture
def scheduled(tmp_path: Path, store_url: str) -> Scheduled:
    return scheduled_plan(tmp_path, store_url)


@pytest.fixture
def servers(scheduled: Scheduled) -> Iterator[tuple[Server, Server]]:
    """`scheduler serve`'s way and plain uvicorn, each with its own application."""
    settings = replace(FeedSettings.from_settings(scheduled.config), recheck_seconds=3600)
    clock = Clock(NOW)
    leans = [serving_app(create_app(scheduled.engine, scheduled.config, clock=clock, feed_settings=settings))
             for _ in range(2)]  # fmt: skip
    with serving(leans[0], protocol=True) as ours, serving(leans[1], protocol=False) as plain:
        yield ours, plain


def request(method: str, path: str, headers: dict[str, str] | None = None, *, version: str = "1.1") -> bytes:  # fmt: skip
    lines = [f"{method} {path} HTTP/{version}", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def response(stream: BinaryIO, method: str) -> bytes:
    """One whole response as sent, its Date header blanked (the two servers' seconds may differ)."""
    head = stream.readline()
    assert head.startswith(b"HTTP/1.1 "), head
    while (line := stream.readline()) not in (b"\r\n", b""):
        head += line
    head += b"\r\n"
    found = re.search(rb"\r\ncontent-length: (\d+)\r\n", head)
    if method != "HEAD" and found:
        body = stream.read(int(found[1]))
    elif method != "HEAD" and b"transfer-encoding: chunked" in head:
        body = b""
        while (size := int(stream.readline().strip(), 16)) > 0:
            body += stream.read(size + 2)[:-2]
        stream.readline()
    else:
        body = b""
    return re.sub(rb"\r\ndate: [^\r]+\r\n", b"\r\ndate: -\r\n", head) + body


def exchange(port: int, raw: bytes, methods: list[str]) -> tuple[list[bytes], bool]:
    """The responses to `raw` (one or more requests sent at once) on one connection, and whether
    the server closed it after them."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(raw)
        stream = connection.makefile("rb")
        answers = [response(stream, method) for method in methods]
        connection.settimeout(0.3)
        try:
            closed = stream.read(1) == b""
        except TimeoutError:
            closed = False
        return answers, closed


def test_every_poll_is_the_bytes_uvicorn_writes_through_asgi(
    scheduled: Scheduled, servers: tuple[Server, Server]
) -> None:
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=NOW
    )[1]
    ours, plain = servers
    url = f"/feeds/{secret}/plan.ics"
    first, _ = exchange(plain.port, request("GET", url), ["GET"])
    etag = re.search(rb'\r\netag: ("[^"]+")\r\n', first[0])
    assert etag
    tag = etag[1].decode()
    asked: list[tuple[str, str, dict[str, str]]] = [
        ("GET", url, {}),
        ("GET", url, {"If-None-Match": tag}),
        ("GET", url, {"If-None-Match": f'"x", W/{tag}'}),
        ("GET", url, {"If-None-Match": '"annat"'}),
        ("HEAD", url, {}),
        ("HEAD", url, {"If-None-Match": tag}),
        ("GET", f"/feeds/{secret}/plan.todo.ics", {}),
        ("GET", f"/feeds/{secret}/nonsens.ics", {}),
        ("GET", "/feeds/inte-en-riktig-token/plan.ics", {}),
        ("GET", f"{url}?from=2024-03-01&to=2024-04-01", {}),
        ("POST", url, {}),
    ]
    raw = b"".join(request(method, path, headers) for method, path, headers in asked)
    methods = [method for method, _, _ in asked]
    for _ in range(2):  # prepared the first time; from what was prepared the second
        # One connection each, every request in one write: stray bytes after an answer, or an
        # answer out of order, would show in the answers after it.
        answers, closed = exchange(ours.port, raw, methods)
        assert (answers, closed) == exchange(plain.port, raw, methods)
        assert not closed
        assert answers[1].startswith(b"HTTP/1.1 304 Not Modified\r\n")
        assert b"content-security-policy: " in answers[1]
    # As an HTTP/1.0 request, or one asking to close: the connection ends after the answer.
    for raw in (request("GET", url, {"If-None-Match": tag}, version="1.0"),
                request("GET", url, {"Connection": "close"})):  # fmt: skip
        answer = exchange(ours.port, raw, ["GET"])
        assert answer == exchange(plain.port, raw, ["GET"])
        assert answer[1] and b"\r\nconnection: close\r\n" in answer[0][0]
        # A request sent behind it is neither read nor answered, as under uvicorn.
        reached = len(ours.asgi.calls)
        assert exchange(ours.port, raw + request("GET", url), ["GET"]) == answer
        assert exchange(plain.port, raw + request("GET", url), ["GET"]) == answer
        assert len(ours.asgi.calls) == reached


def test_a_prepared_poll_never_reaches_asgi_and_the_rest_does(
    scheduled: Scheduled, servers: tuple[Server, Server]
) -> None:
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=NOW
    )[1]
    ours, plain = servers
    url = f"/feeds/{secret}/plan.ics"
    exchange(ours.port, request("GET", url), ["GET"])  # prepared through ASGI
    assert ours.asgi.calls == [url]
    polls = request("GET", url) * 3 + request("HEAD", url)
    exchange(ours.port, polls, ["GET", "GET", "GET", "HEAD"])
    assert ours.asgi.calls == [url]
    # What uvicorn or the application must see goes its way: a query, a proxy's client address,
    # a body; and a poll sent behind one of those on the same connection waits its turn.
    asked = [
        request("GET", f"{url}?from=2024-03-01"),
        request("GET", url),
        request("GET", url, {"X-Forwarded-For": "192.0.2.7"}),
        request("GET", url, {"Content-Length": "2"}) + b"{}",
    ]
    for raw in asked:
        assert exchange(ours.port, raw, ["GET"]) == exchange(plain.port, raw, ["GET"])
    assert ours.asgi.calls == [url] * 4  # the plain poll answered without it
    pipelined = b"".join(asked)
    answers = exchange(ours.port, pipelined, ["GET"] * 4)
    assert answers == exchange(plain.port, pipelined, ["GET"] * 4)
    # The plain poll too, when it arrived while the one before it was being answered (sent in one
    # write, it nearly always does).
    assert len(ours.asgi.calls) in (4 + 3, 4 + 4)


def test_the_access_log_line_is_uvicorns(scheduled: Scheduled, servers: tuple[Server, Server]) -> None:  # fmt: skip
    secret = create_token(
        scheduled.engine, organisation=SEED_ORGANISATION, audience="SSP", now=NOW
    )[1]
    ours, plain = servers
    url = f"/feeds/{secret}/plan.ics"
    lines: list[tuple[int, str]] = []

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append((record.levelno, record.getMessage()))

    access = logging.getLogger("uvicorn.access")
    kept = Kept()
    access.addHandler(kept)
    try:
        said = []
        for server in (ours, plain):
            exchange(server.port, request("GET", url), ["GET"])  # prepared
            lines.clear()
            exchange(server.port, request("GET", url) + request("HEAD", url, {"If-None-Match": "*"},
                                                               version="1.0"), ["GET", "HEAD"])  # fmt: skip
            said.append([(level, re.sub(r"^127\.0\.0\.1:\d+ ", "", line)) for level, line in lines])
    finally:
        access.removeHandler(kept)
    assert (
        said[0]
        == said[1]
        == [
            (logging.INFO, f'- "GET {url} HTTP/1.1" 200'),
            (logging.INFO, f'- "HEAD {url} HTTP/1.0" 304'),
        ]
    )


def test_the_joined_headers_follow_uvicorns_date_and_refuse_what_uvicorn_refuses() -> None:
    heads = WireHeads()
    headers = [(b"etag", b'"a"'), (b"Cache-Control", b"private, max-age=900")]
    monday = [(b"date", b"Mon, 30 Nov 2026 05:32:22 GMT"), (b"server", b"uvicorn")]
    joined = heads.head(304, headers, monday)
    assert joined == (b"HTTP/1.1 304 Not Modified\r\ndate: Mon, 30 Nov 2026 05:32:22 GMT\r\n"
                      b'server: uvicorn\r\netag: "a"\r\ncache-control: private, max-age=900\r\n\r\n')  # fmt: skip
    assert heads.head(304, headers, monday) is joined  # kept while uvicorn's list is the same
    a_second_later = [(b"date", b"Mon, 30 Nov 2026 05:32:23 GMT"), (b"server", b"uvicorn")]
    assert heads.head(304, headers, a_second_later) == joined.replace(b":22 GMT", b":23 GMT")
    assert heads.head(200, [(b"x-bad", b"a\r\nb")], a_second_later) is None
    assert heads.head(200, [(b"bad name", b"a")], a_second_later) is None
