"""Coordinator accounts through the CLI: `scheduler user add|list|remove`, argon2 hashes, and the
password never stored as typed."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import MetaData, select

from scheduler.base.errors import ConfigError
from scheduler.settings.config import load_settings
from scheduler.store.engine import open_store
from tests.support.cli import Cli, CliResult, upgraded_cli
from tests.support.districts import KUNGSHOLMEN, NORRMALM, write_two_district_config

PASSWORD = "Korrekt-häst-batteri-9"


def add(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, name: str, password: str, *extra: str
) -> CliResult:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return cli("user", "add", name, "--password-stdin", *extra)


def every_text_in_the_store(cli: Cli) -> str:
    """Every value of every row of every table, as one text."""
    engine = open_store(load_settings(str(cli.config), environ={}).database_url)
    metadata = MetaData()
    metadata.reflect(engine)
    texts = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            for row in connection.execute(select(table)):
                texts += [str(value) for value in row]
    engine.dispose()
    return "\n".join(texts)


def stored_hash(cli: Cli, username: str) -> str:
    engine = open_store(load_settings(str(cli.config), environ={}).database_url)
    with engine.connect() as connection:
        metadata = MetaData()
        metadata.reflect(engine, only=["account"])
        account = metadata.tables["account"]
        value = connection.execute(
            select(account.c.password_hash).where(account.c.username == username)
        ).scalar_one()
    engine.dispose()
    return str(value)


def test_add_list_remove(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    added = add(cli, monkeypatch, "Anna.Samordnare", PASSWORD)
    assert added.code == 0, added.err
    assert added.out.strip() == f"Skapade kontot «anna.samordnare» för {KUNGSHOLMEN}."

    password_hash = stored_hash(cli, "anna.samordnare")
    assert password_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(password_hash, PASSWORD)
    assert PASSWORD not in every_text_in_the_store(cli)

    listed = cli("user", "list")
    assert listed.code == 0, listed.err
    assert "1 konto:" in listed.out
    assert f"anna.samordnare  {KUNGSHOLMEN}" in listed.out

    again = add(cli, monkeypatch, "anna.samordnare", PASSWORD)
    assert again.code != 0
    assert "finns redan ett konto som heter «anna.samordnare»" in again.err

    removed = cli("user", "remove", "ANNA.samordnare")
    assert removed.code == 0, removed.err
    assert "Tog bort kontot «anna.samordnare»" in removed.out
    assert "Inga konton" in cli("user", "list").out
    gone = cli("user", "remove", "anna.samordnare")
    assert gone.code != 0
    assert "det finns inget konto som heter «anna.samordnare»" in gone.err


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("", "lösenordet är tomt"),
        ("kort1", "lösenordet är för kort (5 tecken): det ska ha minst 10"),
        ("aaaaaaaaaaaaaa", "lösenordet är för lätt att gissa"),
        ("xx-anna-2024-yy", "lösenordet är för lätt att gissa"),
    ],
)
def test_a_weak_password_is_refused(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch, password: str, message: str
) -> None:
    result = add(sqlite_cli, monkeypatch, "anna", password)
    assert result.code == 2
    assert message in result.err
    assert result.err.startswith("Fel: ")
    assert "Inga konton" in sqlite_cli("user", "list").out


def test_the_organisation_must_be_configured(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = add(sqlite_cli, monkeypatch, "anna", PASSWORD, "--organisation", "Solna")
    assert result.code == 2
    assert f"organisationen «Solna» finns inte i konfigurationen (välj bland {KUNGSHOLMEN})" in (
        result.err
    )
    assert "Inga konton" in sqlite_cli("user", "list").out


def test_with_two_districts_the_organisation_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = upgraded_cli(write_two_district_config(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    unnamed = add(cli, monkeypatch, "anna", PASSWORD)
    assert unnamed.code == 2
    assert "ange vilken organisation kontot hör till med --organisation" in unnamed.err
    named = add(cli, monkeypatch, "bo", PASSWORD, "--organisation", "norrmalm")
    assert named.code == 0, named.err
    assert f"för {NORRMALM}" in named.out


def test_hashes_are_made_at_the_configured_cost_and_checked_at_their_own(tmp_path: Path) -> None:
    """RFC 9106's 64 MiB and 3 passes by default; `[server] password_hash_memory_kib` and
    `password_hash_passes` change it for new hashes (never below OWASP's minimum), and a hash
    made at one cost still signs in after the cost changed."""
    from scheduler.services.passwords import HashCost, hash_password, verifies
    from scheduler.settings.config import settings_from_mapping

    default = HashCost.from_section(settings_from_mapping({}).server)
    made = hash_password(PASSWORD, default)
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), made
    lowered = settings_from_mapping(
        {"server": {"password_hash_memory_kib": 19_456, "password_hash_passes": 2}}
    )
    cheap = hash_password(PASSWORD, HashCost.from_section(lowered.server))
    assert cheap.startswith("$argon2id$v=19$m=19456,t=2,p=4$"), cheap
    assert verifies(made, PASSWORD) and verifies(cheap, PASSWORD)
    assert not verifies(cheap, PASSWORD + "x")
    for too_low in ({"password_hash_memory_kib": 19_455}, {"password_hash_passes": 1}):
        with pytest.raises(ConfigError) as refused:
            settings_from_mapping({"server": too_low})
        assert next(iter(too_low)) in str(refused.value)
