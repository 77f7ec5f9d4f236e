"""config.toml and the environment, read once at start into one `Settings`.

Where the config comes from: `--config PATH`, else `SCHEDULER_CONFIG`, else `./config.toml` (none
is fine: every key has a default). The environment overrides the file for deployment:
`SCHEDULER_DATABASE_URL`, `SCHEDULER_SECRET_KEY`, and the SMTP password from the variable
`email.smtp_password_env` names. A bad file, key or value is one `ConfigError` naming it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from scheduler.base.errors import ConfigError
from scheduler.base.toml_nesting import too_deep
from scheduler.settings.messages import settings_error
from scheduler.settings.model import Limits, Settings
from scheduler.settings.toml_text import quoted_key

ENV_CONFIG: Final = "SCHEDULER_CONFIG"
ENV_DATABASE_URL: Final = "SCHEDULER_DATABASE_URL"
ENV_SECRET_KEY: Final = "SCHEDULER_SECRET_KEY"
# Environment variable → (table, key) it overrides.
ENV_OVERRIDES: Final = {
    ENV_DATABASE_URL: ("database", "url"),
    ENV_SECRET_KEY: ("server", "secret_key"),
}


def find_config_path(explicit: str | None, *, environ: Mapping[str, str]) -> Path | None:
    """The config file to read, or None when the default ./config.toml does not exist."""
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"Konfigurationsfilen {explicit} finns inte.")
        return path
    from_env = environ.get(ENV_CONFIG)
    if from_env:
        path = Path(from_env)
        if not path.is_file():
            raise ConfigError(f"Konfigurationsfilen {from_env} (från {ENV_CONFIG}) finns inte.")
        return path
    default = Path("config.toml")
    return default if default.is_file() else None


def load_settings(
    explicit: str | None = None, *, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read and validate the configuration; the environment overrides the file."""
    env = os.environ if environ is None else environ
    path = find_config_path(explicit, environ=env)
    raw: dict[str, Any] = {}
    if path is not None:
        raw = _read_toml(path)
        raw = _with_organisation_files(raw, base=path.parent)
    return settings_from_mapping(raw, path=path, environ=env)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: filen är inte UTF-8-kodad text.") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: filen kan inte läsas ({exc.strerror}).") from exc
    # tomllib reads deep nesting recursively, and long dotted keys slowly: measured first, with
    # the plan files' default bound (the config's own [limits] are not read yet).
    deep = too_deep(text, Limits().max_nesting)
    if deep is not None:
        raise ConfigError(f"{path}: ogiltig TOML: för djupt nästlad. På rad {deep.line} ligger "
                          f"tabeller och listor i fler än {Limits().max_nesting} nivåer.")  # fmt: skip
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: ogiltig TOML: {exc}") from exc


# What a district's own file may hold: the tables of a single-district config that are a
# district's own (its identity provider too).
_ORGANISATION_FILE_TABLES: Final = ("organisation", "roles", "oidc")


def _with_organisation_files(raw: dict[str, Any], *, base: Path) -> dict[str, Any]:
    """[organisations.x] with `file = "x.toml"` replaced by that file's [organisation], [roles]
    and [oidc]: a district's roles and addresses can live in a file its own coordinator edits.
    A relative path is relative to the config file."""
    table = raw.get("organisations")
    if not isinstance(table, Mapping):
        return raw
    resolved: dict[str, Any] = {}
    for short, entry in table.items():
        if not isinstance(entry, Mapping) or "file" not in entry:
            resolved[short] = entry
            continue
        where = f"«organisations.{quoted_key(short)}.file»"
        if set(entry) != {"file"} or not isinstance(entry["file"], str):
            raise ConfigError(
                f'{where}: en organisation i en egen fil anges bara med file = "sökväg"; '
                "allt annat står i filen."
            )
        path = (base / entry["file"]).resolve()
        if not path.is_file():
            raise ConfigError(f"{where}: filen {path} finns inte.")
        content = _read_toml(path)
        unknown = sorted(set(content) - set(_ORGANISATION_FILE_TABLES))
        if unknown:
            raise ConfigError(
                f"{path}: okänd tabell «{unknown[0]}» (en organisations fil har bara "
                "[organisation], [roles] och [oidc])."
            )
        organisation = content.get("organisation", {})
        if not isinstance(organisation, Mapping):
            raise ConfigError(f"{path}: «organisation» ska vara en tabell ([organisation]).")
        resolved[short] = {**organisation, "roles": content.get("roles", {})}
        if "oidc" in content:
            resolved[short]["oidc"] = content["oidc"]
    return {**raw, "organisations": resolved}


def settings_from_mapping(
    raw: Mapping[str, Any], *, path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from a parsed config.toml (`path` is where relative paths start from)."""
    env = {} if environ is None else environ
    data = _with_overrides(raw, env)
    try:
        settings = Settings.model_validate(
            data, context={"base": path.parent if path else Path.cwd(), "environ": env}
        )
    except ValidationError as exc:
        where = f"{path}: " if path else ""
        raise ConfigError(where + settings_error(exc, data)) from None
    settings._path = path
    return settings


def _with_overrides(raw: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    data = dict(raw)
    for variable, (table, name) in ENV_OVERRIDES.items():
        value = environ.get(variable)
        current = data.get(table, {})
        if value and isinstance(current, Mapping):
            data[table] = {**current, name: value}
    return data
