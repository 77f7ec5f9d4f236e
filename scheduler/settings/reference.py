"""The configuration reference, docs/configuration.md, written from the settings model: every key
of config.toml with its default, what it must be (the Swedish words its error message quotes)
and what it does (the key's `doc`), table by table in the order of `Settings`.

    python -m scheduler.settings.reference           # (re)writes docs/configuration.md
    python -m scheduler.settings.reference --check   # exit code 1 when the file is stale

Run it from the repository's root; tests/test_configuration_reference.py fails while the file
differs from what the model says.
"""

from __future__ import annotations

import argparse
import inspect
import re
import sys
import types
import typing
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from scheduler.base.errors import ConfigError
from scheduler.settings.config import (
    ENV_CONFIG,
    ENV_DATABASE_URL,
    ENV_SECRET_KEY,
    settings_from_mapping,
)
from scheduler.settings.model import Section, Settings, key_doc
from scheduler.settings.toml_text import quoted_key, whole_toml_value

OUTPUT: Final = Path("docs") / "configuration.md"
COMMAND: Final = "python -m scheduler.settings.reference"
NO_DEFAULT: Final = "—"
_HEADER = re.compile(r"\(\[(.+)\]\)")  # "en tabell per roll ([roles.<namn>])" → roles.<namn>

# Bad values whose messages the reference quotes, so its examples are what the formatter says.
_EXAMPLE_ERRORS: Final = (
    {"reminders": {"meeting_days": 14}},
    {"feeds": {"refresh_hour": 3}},
)


def _intro() -> str:
    errors = "\n".join(f"    Fel: config.toml: {_error(raw)}" for raw in _EXAMPLE_ERRORS)
    return f"""\
# Configuration

<!-- Written by `{COMMAND}` from scheduler/settings/model.py: change the model, then run it. -->

The settings are read from `--config PATH`, else `${ENV_CONFIG}`, else `./config.toml`; with no
file at all every key has its default. For deployment the environment overrides the file:
`{ENV_DATABASE_URL}` (for `database.url`), `{ENV_SECRET_KEY}` (for `server.secret_key`), and the
SMTP password comes from the variable `email.smtp_password_env` names.

There is one settings object (`scheduler/settings/`): pydantic models, one per table, built once
when a command starts (the web server gets it at start and never reads the file again). Every
table is checked then, whichever command runs; values keep their TOML types (`"90"` is not 90),
and unknown keys are errors. An error is one line naming the key, what it must be (the "must be"
column below) and what it got:

{errors}

The time zone is not a setting: everything is Europe/Stockholm. An old `calendar.timezone =
"Europe/Stockholm"` is accepted with a warning; any other zone is refused.
"""


def _error(raw: dict[str, Any]) -> str:
    try:
        settings_from_mapping(raw)
    except ConfigError as error:
        return str(error)
    raise ValueError(f"{raw} was accepted: the examples are chosen to be refused")


def render() -> str:
    """The whole reference, as docs/configuration.md holds it."""
    tables = list(_tables(Settings))
    contents = " · ".join(f"[`[{header}]`](#{_anchor(header)})" for header, _ in tables)
    top = {model for _, model in tables}
    parts = [_intro(), f"Tables: {contents}\n"]
    parts += [_table(header, model, level=2, top=top) for header, model in tables]
    parts.append(
        "## Every default as config.toml\n\n"
        "A config.toml that sets each key to its default (keys without one are left out):\n\n"
        f"```toml\n{defaults_toml()}```\n"
    )
    return "\n".join(parts)


def defaults_toml() -> str:
    """Every key that has a default, as a config.toml that sets it to that default."""
    blocks: list[str] = []
    built_in: list[str] = []
    optional = {_header_of(field) for field in Settings.model_fields.values()
                if _section_of(field) is not None and field.default is None}  # fmt: skip
    for header, model in _tables(Settings):
        if "<" in header or header in optional:
            continue  # a table per name, or an optional table ([oidc]): none by default
        values: dict[str, Any] = {}
        for name, field in model.model_fields.items():
            if _section_of(field) is not None:
                if field.default:
                    built_in.append(_toml_tables(_header_of(field), _written(model, name)))
            elif field.default not in (None, PydanticUndefined):
                values[field.alias or name] = _written(model, name)
        blocks.append(f"[{header}]\n" + "".join(_toml_line(k, v) for k, v in values.items()))
    return "\n".join(blocks + built_in)


def _tables(model: type[BaseModel]) -> Iterator[tuple[str, type[Section]]]:
    """(header, model) of each table a model's keys hold, as config.toml writes the header."""
    for field in model.model_fields.values():
        inner = _section_of(field)
        if inner is not None:
            yield _header_of(field), inner


def _section_of(field: FieldInfo) -> type[Section] | None:
    """The table model of a key that is a table, a table per name, or an optional table."""
    annotation = field.annotation
    candidates: tuple[Any, ...] = (annotation,)
    if typing.get_origin(annotation) is dict:
        candidates = typing.get_args(annotation)[1:]
    elif isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        candidates = typing.get_args(annotation)
    for candidate in candidates:
        if inspect.isclass(candidate) and issubclass(candidate, Section):
            return candidate
    return None


def _header_of(field: FieldInfo) -> str:
    """A table's header, from its description ("en tabell per roll ([roles.<namn>])")."""
    header = _HEADER.search(field.description or "")
    if header is None:
        raise ValueError(f"the description {field.description!r} names no table header")
    return header.group(1)


def _table(header: str, model: type[Section], *, level: int, top: set[type[Section]]) -> str:
    doc = " ".join(inspect.cleandoc(model.__doc__ or "").split())
    lines = [f"{'#' * level} `[{header}]`", "", doc, "",
             "| key | default | must be | what it does |", "| --- | --- | --- | --- |"]  # fmt: skip
    below: list[str] = []
    for name, field in model.model_fields.items():
        key = f"{header}.{quoted_key(field.alias or name)}"
        lines.append(f"| `{key}` | {_default(model, name)} | "
                     f"{_plain(field.description or '')} | {_cell(key_doc(field))} |")  # fmt: skip
        inner = _section_of(field)
        if inner is not None and inner not in top:  # a table only this one holds: shown here
            below.append(_table(_header_of(field), inner, level=level + 1, top=top))
            if field.default:
                below.append(
                    "Built in (a district's own table for a word replaces the keys it gives, "
                    "and a new word is added):\n\n"
                    f"```toml\n{_toml_tables(_header_of(field), _written(model, name))}```\n"
                )
    return "\n".join(lines) + "\n" + "".join(f"\n{part}" for part in below)


def _default(model: type[Section], name: str) -> str:
    field = model.model_fields[name]
    if field.default is PydanticUndefined:
        return "required"
    if field.default is None or field.default == {}:
        return NO_DEFAULT
    if _section_of(field) is not None:
        return "built in, see below"
    return f"`{_cell(whole_toml_value(_written(model, name)))}`"


def _written(model: type[Section], name: str) -> Any:
    """A key's default as config.toml writes it (a weekday by name, a time as "HH:MM"): the
    model's own serializer, given the default as declared (not validated: a relative path
    stays relative)."""
    holder = model.model_construct(**{name: model.model_fields[name].default})
    return holder.model_dump(mode="json", include={name}, exclude_none=True)[name]


def _toml_tables(header: str, tables: dict[str, dict[str, Any]]) -> str:
    """`{name: {key: value}}` under `[header]` whose last part is a placeholder (`<ord>`)."""
    prefix = header.rsplit(".", 1)[0]
    return "\n".join(
        f"[{prefix}.{quoted_key(name)}]\n" + "".join(_toml_line(k, v) for k, v in table.items())
        for name, table in tables.items()
    )


def _toml_line(key: str, value: Any) -> str:
    return f"{quoted_key(key)} = {whole_toml_value(value)}\n"


def _anchor(header: str) -> str:
    """GitHub's anchor for a heading `[header]`: lower case, punctuation dropped."""
    return re.sub(r"[^\w\- ]", "", header.lower()).replace(" ", "-")


def _cell(markdown: str) -> str:
    """Markdown in a table's cell: a `|` would end the cell."""
    return markdown.replace("|", "\\|")


def _plain(text: str) -> str:
    """Plain text (the Swedish words) in a table's cell: `<namn>` is no HTML tag."""
    return _cell(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether the file is stale")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render()
    current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
