"""Limits on a request's head, kept before uvicorn reads it: header bytes, URL bytes, the number of
headers, and the time the head may take to arrive.

uvicorn's httptools protocol has no such limits: httptools gathers a header's value until its
line ends, so one client sending a 60 MB header held the event loop, and with it every other
client, for seconds (h11 has a limit, but is several times slower for the feed polls that are
most of the traffic). `limited_protocol` wraps the protocol uvicorn would use (composition: the
class is handed to `uvicorn.Config(http=…)`, uvicorn's public way to name a protocol, and it
builds the wrapped one with the arguments it is given). The wrapped class is uvicorn's own
httptools protocol, resolved as uvicorn resolves its documented `http="httptools"` setting
(`uvicorn_protocol`), never imported from uvicorn's implementation modules. Every read is parsed
first by a parser of its own (httptools' public `HttpRequestParser`, with callbacks that only
count), and handed on only when the request is within the limits. A request over one is answered here, `431 Request
Header Fields Too Large` or `414 URI Too Long`, a short Swedish text and `Connection: close`,
and the connection is closed (after a lingering moment, see LINGER_SECONDS) without the rest
reaching uvicorn. A head not complete within `header_timeout_seconds` (slowloris) is answered
`408 Request Timeout` and closed: the first request's counted from the connection's opening, so a
connection that sends nothing is closed too, a later one's from its first byte. The parser's own
framing keeps count across pipelined requests and chunked bodies; trailers count as headers.

How bytes are counted: header lines exactly as the parser reports them (name, value, ": " and
the line end), the URL as it arrives. The parser reports a header only once its line has ended,
so a head still arriving after its first read is counted by whole reads from then on: a head is
refused at most one read (a few hundred KiB) past the limit, and neither parser ever holds more.
Reads while a body is expected that hold no body bytes (chunk framing, trailers) count the
same way, one after another.

What this parser cannot read (a malformed request, an upgrade) is handed on as it is and the
connection is no longer watched: uvicorn's parser, set up alike, meets it too and answers as it
always has (400). An answer here written while an earlier pipelined request is still being
answered may land in the middle of that answer, as uvicorn's own 400 does: only a client that
pipelines a refused request after another can meet it.
"""

from __future__ import annotations

import asyncio
import http
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import httptools
import uvicorn

from scheduler.settings.model import Settings

log = logging.getLogger(__name__)

TEXTS = {
    408: "Förfrågan kom inte fram i tid och avbröts. Försök igen.",
    414: "Adressen är för lång. Kontrollera att hela länken är rätt och försök igen.",
    431: "Förfrågans rubriker är för stora. Rensa webbläsarens kakor för sidan och försök igen.",
}

# Where a request on the connection is.
_IDLE, _HEAD, _BODY = 0, 1, 2
# After an answer here, what the client still sends is read and dropped for a moment before the
# connection is closed (a "lingering close", as nginx and Apache do): closing a socket with data
# unread resets the connection, and the client would lose the answer before reading it. Bounded
# in time and bytes, so a client that keeps sending is cut off all the same.
LINGER_SECONDS = 1.0
LINGER_BYTES = 1024 * 1024


@dataclass(frozen=True)
class RequestLimits:
    """The request limits of [server], made only by `from_settings`."""

    max_header_bytes: int  # header lines of one request, trailers included
    max_url_bytes: int
    max_headers: int
    header_timeout_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RequestLimits:
        server = settings.server
        return cls(server.max_header_bytes, server.max_url_bytes, server.max_headers,
                   server.header_timeout_seconds)  # fmt: skip


def uvicorn_protocol(http: str = "httptools") -> type[asyncio.Protocol]:
    """uvicorn's protocol class for its documented `http` setting ("httptools", "h11"), as
    uvicorn resolves it: a `uvicorn.Config` that names it (and no WebSocket protocol), loaded,
    which starts nothing, and its `http_protocol_class`."""
    config = uvicorn.Config(_no_application, http=http, ws="none", log_config=None, lifespan="off")
    config.load()
    return config.http_protocol_class


async def _no_application(scope: Any, receive: Any, send: Any) -> None:
    """The application of the `uvicorn.Config` above, which serves nothing."""


def limited_protocol(
    inner: Callable[..., asyncio.Protocol],
    limits: RequestLimits,
    headers: Sequence[tuple[str, str]] = (),
) -> type[asyncio.Protocol]:
    """A protocol class for `uvicorn.Config(http=…)`: `inner` (uvicorn's protocol class, built
    with the arguments uvicorn gives) behind `limits`. `headers` go on every answer given here
    (the site's Strict-Transport-Security)."""
    edge = _Edge(limits, {status: _answer(status, headers) for status in TEXTS})

    class LimitedProtocol(RequestGuard):
        __slots__ = ()

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(inner(*args, **kwargs), edge)

    return LimitedProtocol


def _answer(status: int, headers: Sequence[tuple[str, str]]) -> bytes:
    body = TEXTS[status].encode()
    lines = [
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}",
        "content-type: text/plain; charset=utf-8",
        f"content-length: {len(body)}",
        "connection: close",
        *(f"{name.lower()}: {value}" for name, value in headers),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class _Edge:
    """What a server's connections share: the limits, the answers, and one clock for all of
    them. Once a second the clock looks at every open connection for a head that is late: one
    timer for the server rather than one per connection or request (a timer set and cancelled
    costs a tenth of a poll), so a head is answered 408 within a second after its time is up."""

    def __init__(self, limits: RequestLimits, answers: dict[int, bytes]) -> None:
        self.limits = limits
        self.answers = answers
        self.open: set[RequestGuard] = set()
        self.ticking = False

    def opened(self, guard: RequestGuard, loop: asyncio.AbstractEventLoop) -> None:
        self.open.add(guard)
        if not self.ticking:
            self.ticking = True
            loop.call_later(1, self._tick, loop)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        late = loop.time() - self.limits.header_timeout_seconds
        for guard in [g for g in self.open if g.late(late)]:
            guard.refuse(408)
        self.ticking = bool(self.open)
        if self.ticking:
            loop.call_later(1, self._tick, loop)


class RequestGuard(asyncio.Protocol):
    """One connection: counts each read with its own parser, then hands it to `inner`."""

    __slots__ = (
        "answered",
        "began",
        "began_in",
        "body_from",
        "dropped",
        "edge",
        "header_bytes",
        "headers",
        "heard",
        "inner",
        "limits",
        "linger",
        "loop",
        "parser",
        "phase",
        "reads",
        "refusal",
        "silent",
        "spread",
        "transport",
        "url_bytes",
        "url_this_read",
        "watching",
    )  # fmt: skip

    def __init__(self, inner: asyncio.Protocol, edge: _Edge) -> None:
        self.inner = inner
        self.edge = edge
        self.limits = edge.limits
        self.parser = httptools.HttpRequestParser(self)
        # As uvicorn sets its own parser, so that both read the same requests the same way.
        self.parser.set_dangerous_leniencies(lenient_data_after_close=True)
        self.transport: asyncio.Transport | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.linger: asyncio.TimerHandle | None = None
        self.watching = True  # False once the parser met what it cannot read: all is handed on
        self.refusal: int | None = None  # the status to answer, once a limit is passed
        self.answered = False
        self.dropped = 0  # bytes read and dropped after the answer
        self.reads = 0
        self.heard = False  # body bytes came in this read
        self.phase = _HEAD  # the first head is waited for from the connection's opening
        # The current request:
        self.began = 0.0  # loop time of its first byte (of the connection's opening, at first)
        self.began_in = 0  # the read its head began in
        self.body_from = 0  # the read its head ended in
        self.url_bytes = 0
        self.url_this_read = 0
        self.header_bytes = 0  # header lines as reported
        self.spread = 0  # head bytes counted by whole reads, for a head over several reads
        self.silent = 0  # body-phase bytes in reads without body bytes (framing, trailers)
        self.headers = 0

    # -- asyncio.Protocol: everything goes on to the inner protocol ---------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is one, not a subclass
        self.loop = loop = asyncio.get_running_loop()
        self.began = loop.time()
        self.edge.opened(self, loop)
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self.watching:
            self.inner.data_received(data)
            return
        if self.answered:  # refused: what still comes is dropped (see LINGER_SECONDS)
            self.dropped += len(data)
            if self.dropped > LINGER_BYTES and self.transport is not None:
                self.transport.close()
            return
        self.reads += 1
        self.url_this_read = 0
        self.heard = False
        idle = self.phase == _IDLE
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:  # a protocol switch: uvicorn's to handle
            self._unwatch()
        except httptools.HttpParserError:  # uvicorn's parser meets it too and answers 400
            self._unwatch()
        if self.refusal is None:
            if idle and self.phase == _IDLE and self.began_in != self.reads:
                self._stray()
            self._count_read(len(data))
        if self.refusal is not None:
            self.refuse(self.refusal)
            return
        self.inner.data_received(data)

    def eof_received(self) -> bool | None:
        if self.answered:
            return None  # the client has read the answer and closed its side: the transport closes
        return self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.edge.open.discard(self)
        if self.linger is not None:
            self.linger.cancel()
            self.linger = None
        self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()

    # -- httptools callbacks: counting only ---------------------------------------------------

    def on_message_begin(self) -> None:
        if self.reads > 1 or self.phase != _HEAD:  # the first head's clock runs from the opening
            assert self.loop is not None
            self.began = self.loop.time()
        self.phase = _HEAD
        self.began_in = self.reads
        self.url_bytes = self.header_bytes = self.spread = self.silent = self.headers = 0

    def on_url(self, url: bytes) -> None:
        self.url_bytes += len(url)
        self.url_this_read += len(url)
        if self.url_bytes > self.limits.max_url_bytes:
            self._limit(414)

    def on_header(self, name: bytes, value: bytes) -> None:
        # Checked after the read (`_count_read`) and at the head's end: within one read the
        # parser holds no more than the read.
        self.headers += 1
        self.header_bytes += len(name) + len(value) + 4  # ": " and CRLF

    def on_headers_complete(self) -> None:
        self.phase = _BODY
        self.body_from = self.reads
        if self.headers > self.limits.max_headers or self.header_bytes > self.limits.max_header_bytes:  # fmt: skip
            self._limit(431)

    def on_body(self, body: bytes) -> None:
        self.heard = True

    def on_message_complete(self) -> None:
        self.phase = _IDLE

    # -- the limits ---------------------------------------------------------------------------

    def _limit(self, status: int) -> None:
        if self.refusal is None:
            self.refusal = status

    def _count_read(self, size: int) -> None:
        """After a read: the headers so far, and a head or a bodiless stretch still arriving,
        counted by whole reads."""
        limits = self.limits
        if self.headers > limits.max_headers or self.header_bytes > limits.max_header_bytes:
            self._limit(431)  # a trailer, or a head not yet complete
        elif self.phase == _HEAD:
            if self.began_in == self.reads:  # what of this read was head, the parser reported
                self.spread = self.header_bytes
            else:  # the whole read is head; the URL has its own limit
                self.spread += size - self.url_this_read
            if self.spread > limits.max_header_bytes:
                self._limit(431)
        elif self.phase == _BODY and self.body_from < self.reads:
            self.silent = 0 if self.heard else self.silent + size
            if self.silent > limits.max_header_bytes:
                self._limit(431)

    def _stray(self) -> None:
        """Bytes between requests that begin none (blank lines, which the parser skips) start the
        next head's clock and count: they cannot hold a connection open (uvicorn's keep-alive
        timeout stops at any byte and starts again only after an answer)."""
        assert self.loop is not None
        self.phase = _HEAD
        self.began = self.loop.time()
        self.began_in = self.reads - 1  # so that this whole read counts as head
        self.url_bytes = self.header_bytes = self.spread = self.headers = 0

    def late(self, since: float) -> bool:
        """Whether a head (or, before any, the first byte) is waited for since before `since`."""
        return self.phase == _HEAD and self.began < since and self.watching and not self.answered

    def _unwatch(self) -> None:
        self.watching = False
        self.edge.open.discard(self)

    def refuse(self, status: int) -> None:
        """Answers `status` and closes the connection after a lingering moment; nothing more of
        it reaches uvicorn."""
        transport, loop = self.transport, self.loop
        assert transport is not None and loop is not None
        self.answered = True
        self.edge.open.discard(self)
        peer = transport.get_extra_info("peername")
        log.warning("%s: answered %d %s (the limits of [server] in config.toml)",
                    peer[0] if peer else "?", status, http.HTTPStatus(status).phrase)  # fmt: skip
        if not transport.is_closing():
            transport.write(self.edge.answers[status])
            self.linger = loop.call_later(LINGER_SECONDS, transport.close)
