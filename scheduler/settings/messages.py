"""The one formatter from pydantic's ValidationError to one Swedish line that names the key:

    «reminders.meeting_days» ska vara en lista med dagar 0–365, t.ex. [14, 2] (fick 14).
    okänd nyckel «feeds.refresh_hour» (kända: keep_cancelled_days, recheck_seconds, refresh_hours).

What a key must be is the `expected` words its declaration carries (scheduler.settings.model), so
no message is written twice. A rule between keys (`model.rule`) brings its own message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from scheduler.settings.model import RULE, Settings
from scheduler.settings.toml_text import quoted_key, toml_value

_TABLE_ERRORS = {"model_type", "model_attributes_type", "dict_type"}


def settings_error(error: ValidationError, raw: Mapping[str, Any]) -> str:
    """The first error as one line (one fix at a time; the next run names the next one).
    `raw` is what was validated, to show the whole value of a key whose list item failed."""
    return describe(error.errors()[0], raw)


def describe(detail: ErrorDetails, raw: Mapping[str, Any]) -> str:
    if detail["type"] == RULE:
        return detail["msg"]
    path, field, model = _walk(detail["loc"])
    name = "«" + ".".join(quoted_key(part) for part in path) + "»"
    if detail["type"] == "extra_forbidden":
        known = ", ".join(sorted(_key_names(model)))
        return f"okänd nyckel {name} (kända: {known})."
    if detail["type"] == "missing" and field is not None and field.description:
        return f"{name} saknas: ange {field.description}."
    shown = toml_value(_raw_value(detail, raw, path))
    if detail["type"] in _TABLE_ERRORS and len(path) >= 1:
        return (
            f"{name} ska vara en tabell ([{'.'.join(quoted_key(p) for p in path)}]) (fick {shown})."
        )
    expected = field.description if field is not None and field.description else "ett giltigt värde"
    return f"{name} ska vara {expected} (fick {shown})."


def _walk(loc: Sequence[int | str]) -> tuple[list[str], FieldInfo | None, type[BaseModel]]:
    """The key's path in config.toml (without list positions), its declaration, and the table
    model that holds it."""
    model: type[BaseModel] = Settings
    path: list[str] = []
    field: FieldInfo | None = None
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if not isinstance(part, str):
            break  # a position in a list: the key is the list's
        path.append(part)
        found = _field(model, part)
        if found is None:
            break  # an unknown key of `model`
        field = found
        annotation = found.annotation
        annotation = _optional_of(annotation)
        if get_origin(annotation) is dict and parts:
            path.append(str(parts.pop(0)))  # a free-form name, as under [roles]
            annotation = get_args(annotation)[1]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        if parts and isinstance(parts[0], str):
            model = annotation
    return path, field, model


def _optional_of(annotation: Any) -> Any:
    """`X | None` is X here: an optional table's keys are named as the table's."""
    if get_origin(annotation) in (Union, UnionType):
        kept = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(kept) == 1:
            return kept[0]
    return annotation


def _field(model: type[BaseModel], name: str) -> FieldInfo | None:
    for field_name, field in model.model_fields.items():
        if (field.alias or field_name) == name:
            return field
    return None


def _key_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _raw_value(detail: ErrorDetails, raw: Mapping[str, Any], path: list[str]) -> object:
    """The value as written for the whole key (a list, not the item that failed)."""
    value: object = raw
    for part in path:
        if not isinstance(value, Mapping) or part not in value:
            return detail["input"]
        value = value[part]
    return value
