"""The [oidc] and [audit] tables: the names IT departments and scripts rely on, their defaults,
and a Swedish line for each mistake (the secret's variable unset, [oidc] beside several
organisations, scopes without openid)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scheduler.base.errors import ConfigError
from scheduler.settings.config import load_settings, settings_from_mapping

ISSUER = "https://login.microsoftonline.com/5b2f0c8e-0000-4000-8000-000000000000/v2.0"
OIDC = {"issuer": ISSUER, "client_id": "9a1c7f2e-0000-4000-8000-000000000001",
        "client_secret_env": "ATGARDSPLAN_OIDC_SECRET",
        "coordinator_values": ["c0"], "reader_values": ["r0"]}  # fmt: skip
ENV = {"ATGARDSPLAN_OIDC_SECRET": "hemlig"}


def error_for(raw: dict[str, Any], environ: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from_mapping(raw, environ=environ or {})
    return str(caught.value)


def test_one_district_gets_its_provider_with_the_defaults() -> None:
    config = settings_from_mapping({"organisation": {"name": "Kungsholmen"}, "oidc": OIDC},
                                   environ=ENV)  # fmt: skip
    provider = config.identity_providers["Kungsholmen"]
    assert provider.client_secret == "hemlig"
    assert provider.scopes == ("openid", "profile", "email")
    assert provider.role_claim == "groups"
    assert provider.shown_name == "login.microsoftonline.com"
    assert provider.local_passwords is True
    assert config.audit.keep_days == 400


def test_each_of_several_districts_has_its_own() -> None:
    config = settings_from_mapping({"organisations": {
        "kungsholmen": {"name": "Kungsholmen", "oidc": {**OIDC, "display_name": "Stadens konto"}},
        "norrmalm": {"name": "Norrmalm"},
    }}, environ=ENV)  # fmt: skip
    assert list(config.identity_providers) == ["Kungsholmen"]
    assert config.identity_providers["Kungsholmen"].shown_name == "Stadens konto"


def test_the_secrets_variable_must_be_set() -> None:
    assert error_for({"organisation": {"name": "K"}, "oidc": OIDC}) == (
        "«oidc.client_secret_env» pekar på miljövariabeln ATGARDSPLAN_OIDC_SECRET, som inte är "
        "satt."
    )


def test_mistakes_are_named() -> None:
    assert "behöver «organisation.name»" in error_for({"oidc": OIDC}, ENV)
    several = {"organisations": {"k": {"name": "K"}}, "oidc": OIDC}
    assert "[organisations.<kort namn>.oidc]" in error_for(several, ENV)
    no_openid = {"organisation": {"name": "K"}, "oidc": {**OIDC, "scopes": ["profile"]}}
    assert 'måste ha med "openid"' in error_for(no_openid, ENV)
    assert error_for({"organisation": {"name": "K"}, "oidc": {**OIDC, "issuer": "login"}}, ENV) == (
        '«oidc.issuer» ska vara en webbadress (fick "login").'
    )
    missing = {k: v for k, v in OIDC.items() if k != "client_id"}
    assert error_for({"organisation": {"name": "K"}, "oidc": missing}, ENV) == (
        "«oidc.client_id» saknas: ange en text."
    )
    assert (
        error_for({"audit": {"keep_days": 0}})
        == "«audit.keep_days» ska vara ett antal dagar 1–3650 (fick 0)."
    )


def test_a_districts_missing_key_is_named_in_its_table() -> None:
    raw = {"organisations": {"k": {"name": "K", "oidc": {"issuer": ISSUER, "client_id": "c"}}}}
    assert error_for(raw, ENV) == (
        "«organisations.k.oidc.client_secret_env» saknas: ange namnet på en miljövariabel."
    )


def test_a_districts_own_file_may_hold_its_provider(tmp_path: Path) -> None:
    (tmp_path / "norrmalm.toml").write_text(
        '[organisation]\nname = "Norrmalm"\n\n[oidc]\n'
        f'issuer = "{ISSUER}"\nclient_id = "n"\nclient_secret_env = "ATGARDSPLAN_OIDC_SECRET"\n',
        encoding="utf-8",
    )
    (tmp_path / "config.toml").write_text(
        '[organisations.norrmalm]\nfile = "norrmalm.toml"\n', encoding="utf-8"
    )
    config = load_settings(str(tmp_path / "config.toml"), environ=ENV)
    assert config.identity_providers["Norrmalm"].client_id == "n"
