"""A frozen dataclass's hash computed once: for values used as keys of caches looked up many
thousand times (a calendar policy, the key of a placed series)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

_HASH = "_hash"


def cached_hash(value: Any) -> int:
    """The hash of the dataclass's fields, kept on the instance after the first call. For a class
    whose `__hash__` returns this (dataclass leaves a `__hash__` written in the class body)."""
    cached: int | None = value.__dict__.get(_HASH)
    if cached is None:
        cached = hash(tuple(getattr(value, f.name) for f in fields(value)))
        object.__setattr__(value, _HASH, cached)
    return cached


def state_without_hash(value: Any) -> dict[str, object]:
    """The instance's state for pickling (`__getstate__`), without the cached hash: a string's
    hash differs from one process to the next."""
    return {key: item for key, item in value.__dict__.items() if key != _HASH}
