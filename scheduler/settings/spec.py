"""Config tables declared once: each key with its type, default and check, so a wrong key or
value is named the same way everywhere ("«reminders.meeting_days» ska vara …")."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scheduler.base.errors import ConfigError

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


@dataclass(frozen=True)
class Key:
    default: Any
    check: Callable[[Any], bool]
    expected: str  # Swedish, for the message: "ett heltal ≥ 0"


def integer(minimum: int = 0, maximum: int = 10**6) -> Key:
    return Key(None, lambda v: isinstance(v, int) and not isinstance(v, bool) and minimum <= v <= maximum,
               f"ett heltal {minimum}–{maximum}")  # fmt: skip


def number(minimum: float = 0, maximum: float = 10**6) -> Key:
    """A finite number in [minimum, maximum]: TOML allows inf, nan and integers of any size, which
    overflow the durations made from them."""
    return Key(
        None, lambda v: _finite(v) and minimum <= v <= maximum, f"ett tal {minimum}–{maximum}"
    )


def _finite(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return isinstance(value, int) or math.isfinite(value)


def days_list() -> Key:
    return Key(None, lambda v: isinstance(v, list) and all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 365 for d in v),
        "en lista med dagar 0–365, t.ex. [14, 2]")  # fmt: skip


def text() -> Key:
    return Key(None, lambda v: isinstance(v, str), "en text")


def choice(*values: str) -> Key:
    return Key(None, lambda v: v in values, "ett av " + ", ".join(f'"{v}"' for v in values))


def boolean() -> Key:
    return Key(None, lambda v: isinstance(v, bool), "true eller false")


def clock() -> Key:
    return Key(None, lambda v: isinstance(v, str) and bool(_TIME.match(v)), 'en tid "TT:MM"')


def read_table(
    table: Mapping[str, Any], prefix: str, spec: Mapping[str, tuple[Key, Any]]
) -> dict[str, Any]:
    """The table's values with defaults filled in; an unknown key or a bad value is a ConfigError."""
    for key in table:
        if key not in spec:
            known = ", ".join(sorted(spec))
            raise ConfigError(f"okänd nyckel «{prefix}.{key}» (kända: {known}).")
    values: dict[str, Any] = {}
    for key, (kind, default) in spec.items():
        value = table.get(key, default)
        if key in table and not kind.check(value):
            raise ConfigError(f"«{prefix}.{key}» ska vara {kind.expected}, inte {value!r}.")
        values[key] = value
    return values
