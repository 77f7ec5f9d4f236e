"""config.toml: read once at start, validated, with the environment overriding it for deployment.

Where the config comes from: `--config PATH`, else `SCHEDULER_CONFIG`, else `./config.toml`.
Every key is declared once in `_KNOWN_KEYS`; an unknown or ill-typed key is a `ConfigError` that
names it. Nothing here runs at import time.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.base.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///db/scheduler.sqlite3"
ENV_CONFIG = "SCHEDULER_CONFIG"
ENV_DATABASE_URL = "SCHEDULER_DATABASE_URL"

# Top-level tables and the keys each may hold. Tables owned by later stages (calendar, feeds,
# reminders, followup) are validated by their own modules; here they are only passed through.
_KNOWN_KEYS: dict[str, set[str] | None] = {
    "organisation": {"name", "coordinator_role", "base_url", "email"},
    "database": {"url"},
    "roles": None,  # free-form: one sub-table per role
    "calendar": None,
    "feeds": None,
    "email": None,
    "reminders": None,
    "followup": None,
    "server": None,
    "limits": None,
}

_EMAIL_RE = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


@dataclass(frozen=True)
class RoleConfig:
    """A role of the plan mapped to a person and an address."""

    key: str  # the name as written in config.toml, e.g. "trygghetssamordnare"
    name: str  # display name, e.g. "Trygghetssamordnare"
    person: str | None = None
    email: str | None = None
    aliases: tuple[str, ...] = ()  # other spellings found in Vem texts


@dataclass(frozen=True)
class Config:
    """The validated configuration. `raw` keeps the tables later stages validate themselves."""

    path: Path | None
    database_url: str
    organisation_name: str | None = None
    coordinator_role: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    # The organisation's own address: the ORGANIZER of published meetings, the sender of emails.
    email: str = "noreply@example.org"
    roles: tuple[RoleConfig, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> Mapping[str, Any]:
        value = self.raw.get(name, {})
        return value if isinstance(value, Mapping) else {}

    def role(self, name: str) -> RoleConfig | None:
        wanted = name.casefold()
        for role in self.roles:
            if wanted in {role.key.casefold(), role.name.casefold()}:
                return role
        return None


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


def load_config(explicit: str | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
    """Read and validate the configuration; the environment overrides the file."""
    env = os.environ if environ is None else environ
    path = find_config_path(explicit, environ=env)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: ogiltig TOML: {exc}") from exc
        except RecursionError:  # tomllib reads nested arrays and tables recursively
            raise ConfigError(f"{path}: ogiltig TOML: för djupt nästlad.") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: filen är inte UTF-8-kodad text.") from exc
    return config_from_mapping(raw, path=path, environ=env)


def config_from_mapping(
    raw: Mapping[str, Any], *, path: Path | None = None, environ: Mapping[str, str] | None = None
) -> Config:
    env = {} if environ is None else environ
    where = f"{path}: " if path else ""
    for key, value in raw.items():
        if key not in _KNOWN_KEYS:
            known = ", ".join(sorted(_KNOWN_KEYS))
            raise ConfigError(f"{where}okänd nyckel «{key}» (kända: {known}).")
        allowed = _KNOWN_KEYS[key]
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where}«{key}» ska vara en tabell ([{key}]).")
        if allowed is not None:
            for sub in value:
                if sub not in allowed:
                    known = ", ".join(sorted(allowed))
                    raise ConfigError(f"{where}okänd nyckel «{key}.{sub}» (kända: {known}).")

    organisation = raw.get("organisation", {})
    database = raw.get("database", {})
    url = env.get(ENV_DATABASE_URL) or _string(database, "url", "database", where)
    url = _resolve_sqlite_path(
        url or DEFAULT_DATABASE_URL, base=path.parent if path else Path.cwd()
    )
    base_url = _string(organisation, "base_url", "organisation", where) or "http://127.0.0.1:8000"
    email = _string(organisation, "email", "organisation", where) or "noreply@example.org"
    if not _EMAIL_RE.match(email):
        raise ConfigError(f"{where}«organisation.email» är ingen giltig e-postadress: {email!r}.")
    return Config(
        path=path,
        database_url=url,
        organisation_name=_string(organisation, "name", "organisation", where),
        coordinator_role=_string(organisation, "coordinator_role", "organisation", where),
        base_url=base_url.rstrip("/"),
        email=email,
        roles=_roles(raw.get("roles", {}), where),
        raw=raw,
    )


def _string(table: Mapping[str, Any], key: str, prefix: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}«{prefix}.{key}» ska vara en text, inte {value!r}.")
    return value


def _roles(table: Mapping[str, Any], where: str) -> tuple[RoleConfig, ...]:
    roles: list[RoleConfig] = []
    for key, entry in table.items():
        prefix = f"roles.{_quote_key(key)}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where}«{prefix}» ska vara en tabell med name, person och email.")
        for sub in entry:
            if sub not in {"name", "person", "email", "aliases"}:
                raise ConfigError(
                    f"{where}okänd nyckel «{prefix}.{sub}» (kända: aliases, email, name, person)."
                )
        email = _string(entry, "email", prefix, where)
        if email is not None and not _EMAIL_RE.match(email):
            raise ConfigError(f"{where}«{prefix}.email» är ingen giltig e-postadress: {email!r}.")
        aliases = entry.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ConfigError(f"{where}«{prefix}.aliases» ska vara en lista med texter.")
        roles.append(
            RoleConfig(
                key=key,
                name=_string(entry, "name", prefix, where) or key[:1].upper() + key[1:],
                person=_string(entry, "person", prefix, where),
                email=email,
                aliases=tuple(aliases),
            )
        )
    return tuple(roles)


def _quote_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else f'"{key}"'


def _resolve_sqlite_path(url: str, *, base: Path) -> str:
    """A relative SQLite path is relative to the config file, not to wherever the command runs."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite:///:memory:":
        return url
    rest = url[len(prefix) :]
    if rest.startswith("/"):
        return url
    return prefix + str((base / rest).resolve())
