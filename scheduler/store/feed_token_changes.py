"""Whether the feed links changed since a server last read them, known at once and cheaply.

A server keeps the valid links, and whole prepared answers, in memory (scheduler/services/feeds.py,
scheduler/web/feed_serving.py) so that a poll costs no database work. A link revoked by another
process (`scheduler feeds revoke`, another web process, SQL typed by hand) must still be refused
at the very next poll, by every server. Triggers on `feed_token` (migration 0011) tell of every
change; here a server learns of one without asking the database at each poll:

- SQLite: the triggers count the changes in the one row of `feed_token_change`. `PRAGMA
  data_version` on a connection of its own changes whenever another connection has committed
  anything (a few microseconds, no file read in WAL mode); only then is the counter read.
- PostgreSQL: `LISTEN feed_token_changed` on a connection of its own; the trigger notifies,
  which the server delivers at commit (it locks no row: writers of links never wait on it). Each check asks the operating system, without waiting, whether the server sent
  anything on that connection (one `poll` call, under a microsecond), and reads the
  notifications when it did. A notification arrives within the time the server takes to pass it
  on (well under a millisecond after the commit), before the revoking command has even ended.

While the listening connection is not there (not yet opened, or lost when the database went
away) nothing can be known: `version` then moves at every call, so nothing kept is served
without the links being read again, and `connect` (called where the links are read, in a worker
thread, never on the event loop) opens it again.
"""

from __future__ import annotations

import itertools
import logging
import select
import threading
import weakref
from typing import Any

from sqlalchemy import Engine

logger = logging.getLogger(__name__)

CHANNEL = "feed_token_changed"  # migration 0011's trigger notifies here, with its schema
LISTEN = f"listen {CHANNEL}"
_READS = 100  # reads of what arrived in one check, at most (each takes all there is)
COUNTER = "select changes from feed_token_change where id = 1"


class FeedTokenChanges:
    """A number that moves whenever the feed links changed (`version`): a reader notes it before
    reading the links, and reads them again when it has moved."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._watch: _Watch | None = None
        self._version = 0
        self._unknown = itertools.count(-1, -1)  # versions while nothing can be known
        self._failing = False  # the last attempt to open the watching connection failed

    def version(self) -> int:
        """The changes seen so far; a new value at each call while nothing can be known. Never
        waits on the database (the event loop asks at each poll)."""
        with self._lock:
            watch = self._watch
            if watch is None:
                return next(self._unknown)
            try:
                changed = watch.changed()
            except Exception:  # the connection is gone: what changed since cannot be known
                logger.warning("feed link changes: the watching connection was lost", exc_info=True)
                self._watch = None
                watch.close()
                return next(self._unknown)
            if changed:
                self._version += 1
            return self._version

    def connect(self) -> None:
        """Open the watching connection when there is none (a blocking call: from a worker
        thread). A database that cannot be reached leaves it closed; the links' own read then
        reports the problem."""
        if self._watch is not None:
            return
        try:
            opened = _open(self.engine)
        except Exception:
            if not self._failing:  # once, not at every request while the database is away
                logger.warning(
                    "feed link changes: cannot open a watching connection", exc_info=True
                )
            self._failing = True
            return
        self._failing = False
        with self._lock:
            if self._watch is None:
                self._watch = opened
                self._version += 1  # whatever changed while there was none
                # Closed with this object at the latest (an application made and dropped, as the
                # tests do), not left to the interpreter's exit.
                weakref.finalize(self, opened.close)
                return
        opened.close()

    def close(self) -> None:
        with self._lock:
            watch, self._watch = self._watch, None
        if watch is not None:
            watch.close()


class _Watch:
    """One database's way of telling: `changed()` is True when the links changed since the last
    call. Holds a connection taken out of the engine's pool for good."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.closed = False

    def changed(self) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.raw.close()


def _open(engine: Engine) -> _Watch:
    # A connection of the engine's (its URL, its connect events: WAL for SQLite), taken out of
    # the pool for good: it is held for the life of the server and never used for anything else.
    raw = engine.raw_connection()
    raw.detach()
    try:
        if engine.dialect.name == "postgresql":
            return _Listening(raw)
        return _DataVersion(raw)
    except BaseException:
        raw.close()
        raise


class _DataVersion(_Watch):
    """SQLite: the data version moves with every commit of another connection; the counter row
    says whether one of them changed the links."""

    def __init__(self, raw: Any) -> None:
        super().__init__(raw)
        self.cursor = raw.dbapi_connection.cursor()
        # Never wait for a lock here (the event loop asks): a busy database (WAL recovery, a
        # rare moment in WAL mode) is an error, the connection is dropped, and the links are
        # read the ordinary way, where waiting is allowed, until it is opened again.
        self.cursor.execute("PRAGMA busy_timeout = 0")
        self.data_version = self._data_version()
        self.changes = self._changes()

    def _data_version(self) -> int:
        return int(self.cursor.execute("PRAGMA data_version").fetchone()[0])

    def _changes(self) -> int:
        found = self.cursor.execute(COUNTER).fetchone()
        return int(found[0]) if found else 0

    def changed(self) -> bool:
        data_version = self._data_version()
        if data_version == self.data_version:
            return False
        self.data_version = data_version
        changes = self._changes()
        if changes == self.changes:
            return False
        self.changes = changes
        return True


class _Listening(_Watch):
    """PostgreSQL: LISTEN on a connection of its own; a notification of this schema is a change."""

    def __init__(self, raw: Any) -> None:
        super().__init__(raw)
        connection = raw.dbapi_connection
        connection.autocommit = True
        found = connection.execute("select current_schema()").fetchone()
        self.schema = (found[0] if found else "").encode()
        connection.execute(LISTEN)  # last: pg_stat_activity shows it as this connection's query
        from psycopg.pq import ConnStatus  # PostgreSQL's driver, imported where it is used

        self.connected = ConnStatus.OK
        self.pgconn = connection.pgconn
        self.poller = select.poll()
        self.poller.register(self.pgconn.socket, select.POLLIN)

    def changed(self) -> bool:
        if not self.poller.poll(0):  # nothing arrived: the usual case, one system call
            return False
        changed = False
        # Read until nothing more is there: a server that ends the connection sends its error
        # message and then closes, and the close is only seen by reading again.
        for _ in range(_READS):
            self.pgconn.consume_input()  # raises when the connection is gone
            while (notification := self.pgconn.notifies()) is not None:
                changed = changed or notification.extra == self.schema
            if self.pgconn.status != self.connected:
                raise ConnectionError("the listening connection is closed")
            if not self.poller.poll(0):
                return changed
        raise ConnectionError("the listening connection does not stop sending")
