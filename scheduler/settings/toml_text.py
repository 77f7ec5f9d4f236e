"""Keys and values written the way config.toml writes them, for messages."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_LONGEST_VALUE = 60


def quoted_key(part: str) -> str:
    return part if _BARE_KEY.fullmatch(part) else f'"{part}"'


def toml_value(value: Any) -> str:
    """A value as config.toml writes it, shortened to fit the line."""
    text = whole_toml_value(value)
    return text if len(text) <= _LONGEST_VALUE else text[: _LONGEST_VALUE - 1] + "…"


def whole_toml_value(value: Any) -> str:
    """A value as config.toml writes it, whole."""
    return _toml(value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{quoted_key(str(k))} = {_toml(v)}" for k, v in value.items()) + "}"
    return str(value)
