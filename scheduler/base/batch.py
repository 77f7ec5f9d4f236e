"""Python's cyclic garbage collector set for a batch that builds many short-lived objects beside
caches that only grow (placements, event texts): an export of every organisation's feeds.

By default a full collection walks every object the process holds, the imported program and the
caches included, and it runs again and again as the caches grow: a tenth of such a batch's time.
Here what exists when the batch starts is set aside (`gc.freeze`: the program, the settings) and
collections come less often; nothing the batch makes lives in reference cycles it depends on the
collector to free (the export's peak memory is the same with the collector off), and collections
still run, so memory stays bounded if something does.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections, and young (middle) collections between middle (full)
# ones: the defaults are (700, 10, 10).
BATCH_THRESHOLDS = (10_000, 20, 10)


def collect_less() -> tuple[int, int, int]:
    """The collector as above, for the rest of the process (a worker that only runs the batch);
    returns the thresholds it had."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*BATCH_THRESHOLDS)
    return thresholds


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The collector as above while the batch runs; as it was afterwards."""
    thresholds = collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
