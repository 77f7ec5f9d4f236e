"""The årshjul's downloads (SVG, PNG, A4 and A3 PDF) rendered once per state of the plan and
kept: a PNG took a second or more to draw, and a wheel changes only when the plan, its
occurrences, the choice of area and role, or the day (the today hand) does.

`renders` counts the pictures really drawn, so a test can tell a second request was served from
the cache without timing it. Bounded: the least recently used goes first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock

WHEELS_KEPT = 64  # pictures; a PNG is about half a megabyte


class WheelCache:
    def __init__(self, kept: int = WHEELS_KEPT) -> None:
        self.kept = kept
        self.renders = 0
        self._pictures: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The picture for `key`: kept, or drawn by `render` now and kept."""
        with self._lock:
            if key in self._pictures:
                self._pictures.move_to_end(key)
                return self._pictures[key]
        picture = render()  # outside the lock: two first requests may both draw; both are right
        with self._lock:
            self.renders += 1
            self._pictures[key] = picture
            self._pictures.move_to_end(key)
            while len(self._pictures) > self.kept:
                self._pictures.popitem(last=False)
        return picture


# The server's one cache (the key holds the database, so two apps in one process never share).
WHEELS = WheelCache()
