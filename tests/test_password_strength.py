"""New passwords are measured with zxcvbn (common-password lists, words, keyboard rows, repeats,
sequences, dates) through the real CLI: `scheduler user add` and `scheduler user password` refuse
a guessable one with a Swedish line saying why, and change nothing."""

from __future__ import annotations

import io

import pytest

from tests.support.cli import Cli, CliResult

GOOD = "Korrekt-häst-batteri-9"
COMMON = "det är ett av de vanligaste lösenorden, eller nästan"


def with_password(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, password: str, *argv: str
) -> CliResult:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return cli("user", *argv, "--password-stdin")


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password12", COMMON),
        ("qwertyuiop", COMMON),
        ("Password1!", COMMON),
        ("1234567890ab", COMMON),
        ("rfvtgbyhnujm", "det är tangenter i följd på tangentbordet (som qwerty)"),
        ("abcdefgh123", "det innehåller en följd som abc eller 1234"),
        ("kaffekaffekaffe", "det upprepar samma tecken eller ord"),
    ],
)
def test_a_common_or_patterned_password_is_refused_and_says_why(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch, password: str, why: str
) -> None:
    added = with_password(sqlite_cli, monkeypatch, password, "add", "anna")
    assert added.code == 2
    assert added.err.startswith("Fel: lösenordet är för lätt att gissa: ")
    assert why in added.err and added.err.rstrip().endswith("Inget konto skapades.")
    assert password not in added.err  # never echoed
    assert "Inga konton" in sqlite_cli("user", "list").out


def test_a_new_password_is_measured_the_same_way(
    sqlite_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert with_password(sqlite_cli, monkeypatch, GOOD, "add", "anna").code == 0
    refused = with_password(sqlite_cli, monkeypatch, "Password1!", "password", "anna")
    assert refused.code == 2
    assert COMMON in refused.err and refused.err.rstrip().endswith("Lösenordet ändrades inte.")
    short = with_password(sqlite_cli, monkeypatch, "kort1", "password", "anna")
    assert short.code == 2 and "lösenordet är för kort (5 tecken)" in short.err
    changed = with_password(sqlite_cli, monkeypatch, "Vinterkaffe#Blå42", "password", "ANNA")
    assert changed.code == 0, changed.err
    assert "Nytt lösenord för «anna»; 0 inloggningar avslutades." in changed.out
    missing = with_password(sqlite_cli, monkeypatch, GOOD, "password", "bo")
    assert missing.code == 3 and "det finns inget konto som heter «bo»" in missing.err
