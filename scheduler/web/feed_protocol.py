"""The feed polls `LeanFeeds` has a prepared response for, answered by uvicorn's HTTP protocol
itself, before any ASGI work.

A poll that `LeanFeeds` answers still costs uvicorn an ASGI request: a scope, a task, an event,
two messages and a check of every header on the way out, about two thirds of the server's time
per 304 (bench/feeds.py). Here uvicorn's httptools protocol is extended: once a request's headers
are parsed, a GET or HEAD of a feed path with a fresh prepared response is written to the socket
at once, as the bytes uvicorn itself would write for it (status line, uvicorn's `date` and
`server`, the prepared headers, `connection: close` when the connection ends, the body), and the
access-log line is the one uvicorn writes, through its logger (so the token is masked as ever,
scheduler.commands.logs). The status line and headers are joined once per prepared response and
kept until uvicorn's `date` changes (once a second).

Everything else takes uvicorn's own path, where `LeanFeeds` and then the application answer it:
any other path or method, a query string, a request with a body, `Expect`, an upgrade or a proxy's
`X-Forwarded-*` (uvicorn's proxy-headers handling then sets the logged client), a connection with
an earlier request still being answered (pipelining keeps its order), closing, or whose socket
buffer is full (uvicorn waits for it to drain), a server with a `root_path` or a concurrency limit
(neither is set by `scheduler serve`), and a poll with nothing prepared or fresh.

Written against uvicorn's `HttpToolsProtocol` (its parser callbacks, `server_state.default_headers`,
`on_response_complete`): uvicorn is pinned in pyproject.toml, and tests/test_feed_protocol.py holds
every answer to what uvicorn's own path writes.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
)
from uvicorn.protocols.utils import get_client_addr

from scheduler.web.feed_serving import LeanFeeds, feed_path

Headers = list[tuple[bytes, bytes]]

# Request headers that send a poll the ASGI way (see the module's doc).
_ASGI_WAY = frozenset({b"content-length", b"transfer-encoding", b"x-forwarded-for",
                       b"x-forwarded-proto"})  # fmt: skip
_CLOSE = b"connection: close\r\n"
# A query, a fragment or an escape: uvicorn's URL parsing then has a say, so uvicorn answers.
_ESCAPED = re.compile(b"[?#%]")


class WireHeads:
    """Status line and headers of a prepared response as uvicorn writes them, for the current
    `date`: one join per response and second, not one per poll."""

    def __init__(self) -> None:
        self._defaults: Headers | None = None
        self._heads: dict[int, tuple[Headers, bytes | None]] = {}

    def head(self, status: int, headers: Headers, defaults: Headers) -> bytes | None:
        """None when a header would be refused by uvicorn's checks (it then answers as it would)."""
        if defaults is not self._defaults:  # uvicorn builds a new list each second
            self._defaults, self._heads = defaults, {}
        kept = self._heads.get(id(headers))
        if kept is not None and kept[0] is headers:  # the list itself is kept, so its id is its own
            return kept[1]
        head = _joined(status, [*defaults, *headers])
        self._heads[id(headers)] = (headers, head)
        return head


def _joined(status: int, headers: Headers) -> bytes | None:
    """As uvicorn's `RequestResponseCycle.send` writes a start without `connection` or
    `transfer-encoding` headers, on a connection kept open."""
    content = [STATUS_LINE[status]]
    for name, value in headers:
        if HEADER_RE.search(name) or HEADER_VALUE_RE.search(value):
            return None
        content.extend([name.lower(), b": ", value, b"\r\n"])
    content.append(b"\r\n")
    return b"".join(content)


def feed_poll_protocol(lean: LeanFeeds) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol answering `lean`'s prepared polls itself (`http=` of
    `uvicorn.Config`)."""
    heads = WireHeads()

    class FeedPollProtocol(HttpToolsProtocol):
        _answered = False  # this request was answered here: the parser's later callbacks skip it

        def on_message_begin(self) -> None:
            self._answered = False
            super().on_message_begin()

        def on_headers_complete(self) -> None:
            if not self._answer():
                super().on_headers_complete()

        def on_body(self, body: bytes) -> None:
            if not self._answered:
                super().on_body(body)

        def on_message_complete(self) -> None:
            if not self._answered:
                super().on_message_complete()

        def _answer(self) -> bool:
            url = self.url
            if not url.startswith(b"/feeds/") or not url.isascii() or _ESCAPED.search(url):
                return False
            method = self.parser.get_method()
            if method != b"GET" and method != b"HEAD":
                return False
            if (
                self.flow.write_paused
                or self.expect_100_continue
                or self.pipeline
                or (self.cycle is not None and not self.cycle.response_complete)
                or self.parser.should_upgrade()
                or self.transport.is_closing()
                or self.root_path
                or self.limit_concurrency is not None
            ):
                return False
            if_none_match = None
            for name, value in self.headers:
                if name == b"if-none-match":
                    if if_none_match is None:  # the first, as LeanFeeds reads it
                        if_none_match = value.decode("latin-1")
                elif name in _ASGI_WAY:
                    return False
            path = url.decode("ascii")
            found = feed_path(path)
            prepared = lean.ready(*found) if found is not None else None
            if prepared is None:
                return False
            status, headers, body = prepared.answer(method.decode("ascii"), if_none_match)
            head = heads.head(status, headers, self.server_state.default_headers)
            if head is None:
                return False
            self._answered = True
            version = self.parser.get_http_version()
            keep_alive = version != "1.0" and self.parser.should_keep_alive()
            if not keep_alive:
                head = head[:-2] + _CLOSE + b"\r\n"
            if self.access_log and self.access_logger.isEnabledFor(logging.INFO):
                self.access_logger.info('%s - "%s %s HTTP/%s" %d', get_client_addr(self.scope),
                                        method.decode("ascii"), quote(path), version, status)  # fmt: skip
            if body:
                self.transport.writelines([head, body])
            else:
                self.transport.write(head)
            if not keep_alive:
                self.transport.close()  # the parser reads nothing after it (as under uvicorn)
            self.on_response_complete()  # uvicorn's: counts it, arms the keep-alive timeout
            return True

    return FeedPollProtocol
