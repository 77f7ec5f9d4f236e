"""Issue 9, the command line: no traceback reaches the user, argparse speaks Swedish, choices are
accepted as the output shows them, logging is configured once (`--log-level`, the error log,
uvicorn's access log)."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from scheduler.cli import main
from tests.support.cli import Cli, write_config
from tests.support.seed import ROOT, SEED_PLAN

UNEXPECTED_LINE = re.compile(
    r"^Fel: oväntat fel \((?P<kind>\w+)\)\. Detaljer i loggen (?P<log>.+), "
    r"referens (?P<ref>[A-Z2-9]{6})\.\n$"
)
FULL_DISK = Path("/dev/full")


def _one_fel_line(err: str) -> None:
    assert err.startswith("Fel: ") and err.count("\n") == 1, err
    assert "Traceback" not in err


def _run_into_full_disk(config: Path, *extra: str) -> tuple[int, str]:
    """`scheduler cadence` whose output goes to a disk that is full: a real failure of the
    operating system that no command foresees."""
    err = io.StringIO()
    with open(FULL_DISK, "wb", buffering=0) as raw:
        full = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
        with redirect_stdout(full), redirect_stderr(err):
            code = main(["--config", str(config), *extra, "cadence", "4 ggr/år"])
        full.detach()
    return code, err.getvalue()


@pytest.mark.skipif(not FULL_DISK.exists(), reason="needs /dev/full")
def test_an_unexpected_failure_is_one_swedish_line_with_a_reference_and_the_traceback_in_the_log(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    log = tmp_path / "logg" / "scheduler.log"
    code, err = _run_into_full_disk(sqlite_cli.config, "--log-file", str(log))
    found = UNEXPECTED_LINE.match(err)
    assert code == 1 and found, err
    assert found["kind"] == "OSError" and Path(found["log"]) == log
    logged = log.read_text(encoding="utf-8")
    assert f"reference {found['ref']}" in logged
    assert "Traceback (most recent call last)" in logged and "No space left on device" in logged


@pytest.mark.processes
@pytest.mark.skipif(not FULL_DISK.exists(), reason="needs /dev/full")
def test_a_process_whose_output_cannot_be_written_ends_with_one_line_and_exit_code_1(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    """Buffered output fails only when flushed; without care Python reports that at exit, in
    English, with exit code 120."""
    log = tmp_path / "scheduler.log"
    with open(FULL_DISK, "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "scheduler", "--config", str(sqlite_cli.config),
             "--log-file", str(log), "cadence", "4 ggr/år"],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=ROOT, timeout=60, check=False,
        )  # fmt: skip
    found = UNEXPECTED_LINE.match(result.stderr)
    assert result.returncode == 1 and found, result.stderr
    assert found["ref"] in log.read_text(encoding="utf-8")


@pytest.mark.skipif(not FULL_DISK.exists(), reason="needs /dev/full")
def test_the_error_log_defaults_to_the_xdg_state_folder(
    sqlite_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SCHEDULER_LOG_FILE", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code, err = _run_into_full_disk(sqlite_cli.config)
    found = UNEXPECTED_LINE.match(err)
    assert code == 1 and found, err
    default = tmp_path / "state" / "scheduler" / "scheduler.log"
    assert Path(found["log"]) == default and found["ref"] in default.read_text(encoding="utf-8")


@pytest.mark.skipif(not FULL_DISK.exists(), reason="needs /dev/full")
def test_an_unexpected_failure_with_an_unwritable_log_keeps_the_traceback_on_stderr(
    sqlite_cli: Cli,
) -> None:
    code, err = _run_into_full_disk(sqlite_cli.config, "--log-file", "/sys/scheduler.log")
    assert code == 1
    assert "Traceback (most recent call last)" in err and "OSError" in err
    last = err.strip().splitlines()[-1]
    assert re.fullmatch(
        r"Fel: oväntat fel \(OSError\)\. Loggen /sys/scheduler\.log går inte att skriva; "
        r"detaljerna står ovan, referens [A-Z2-9]{6}\.",
        last,
    ), last


# --- Swedish argparse ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["remind"], "följande argument krävs: ÅTGÄRD"),
        (["importera"], "ogiltigt val: 'importera' (välj bland 'import', 'plan',"),
        (["plan", "--bogus"], "okänt argument: --bogus"),
        (["feeds", "revoke", "tre"], "argumentet NUMMER: ogiltigt värde (int): 'tre'"),
        (["cadence"], "följande argument krävs: TEXT"),
        (["agenda", "--from"], "argumentet --from: ett värde behövs"),
    ],
)
def test_argparse_errors_are_one_swedish_fel_line_with_exit_code_2(
    sqlite_cli: Cli, argv: list[str], expected: str
) -> None:
    result = sqlite_cli(*argv)
    assert result.code == 2
    _one_fel_line(result.err)
    assert expected in result.err
    for english in ("usage", "error:", "invalid", "choose from", "required", "unrecognized"):
        assert english not in result.err


def _help(*argv: str) -> str:
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    return out.getvalue()


def test_usage_and_help_are_swedish_and_plain_argparse_stays_english() -> None:
    for text in (_help(), _help("remind", "list"), _help("move")):
        assert text.startswith("användning: scheduler")
        assert "flaggor:" in text and "visa den här hjälpen och avsluta" in text
        for english in ("usage:", "options:", "positional arguments", "show this help"):
            assert english not in text
    assert "argument:\n" in _help("move")
    # Nothing global was changed: another parser in the same process still speaks English.
    assert argparse.ArgumentParser(prog="x").format_help().startswith("usage: x")


# --- choices in Swedish and English -------------------------------------------------------------


def test_remind_list_accepts_the_swedish_status_it_prints(sqlite_cli: Cli) -> None:
    assert sqlite_cli("import", str(SEED_PLAN)).code == 0
    assert sqlite_cli("remind", "run-due", "--now", "2024-01-02T07:00").code == 0
    english = sqlite_cli("remind", "list", "--status", "pending")
    assert english.code == 0 and "väntar" in english.out
    for word in ("väntar", "VÄNTAR", " väntar "):
        swedish = sqlite_cli("remind", "list", "--status", word)
        assert (swedish.code, swedish.out) == (0, english.out)
    skipped = sqlite_cli("remind", "list", "--status", "hoppat över")
    assert skipped.code == 0 and skipped.err == ""
    wrong = sqlite_cli("remind", "list", "--status", "klar")
    assert wrong.code == 2 and "välj bland väntar (pending), skickas (sending)" in wrong.err


@pytest.mark.parametrize("level", ["debug", "felsökning", "Felsökning"])
def test_log_level_is_accepted_in_swedish_and_english(sqlite_cli: Cli, level: str) -> None:
    result = sqlite_cli("--log-level", level, "cadence", "4 ggr/år")
    assert result.code == 0, result.err


# --- logging ------------------------------------------------------------------------------------


def test_log_level_debug_shows_what_the_default_warning_level_keeps_quiet(sqlite_cli: Cli) -> None:
    quiet = sqlite_cli("plan")
    assert quiet.err.startswith("Fel: ")  # no plan yet; nothing else on stderr
    _one_fel_line(quiet.err)
    talkative = sqlite_cli("--log-level", "debug", "plan")
    assert talkative.code == 3 and talkative.err.rstrip().splitlines()[-1].startswith("Fel: ")
    # A library's info lines (Alembic's, which only `db upgrade` loads) show at debug only.
    assert sqlite_cli("db", "upgrade").err == ""
    migrating = sqlite_cli("--log-level", "debug", "db", "upgrade")
    assert "INFO alembic.runtime.migration: " in migrating.err


def _serve(config: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler", "--config", str(config), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


@pytest.mark.processes
def test_serve_logs_each_request_at_info_without_the_secret_token(
    sqlite_cli: Cli, tmp_path: Path
) -> None:
    assert sqlite_cli("import", str(SEED_PLAN)).code == 0
    created = sqlite_cli("feeds", "create", "SSP-gruppen")
    token = re.search(r"/feeds/([^/\s]+)/", created.out)
    assert token
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = _serve(sqlite_cli.config, port)
    try:
        assert server.stdout is not None
        for line in server.stdout:  # the socket listens once this line is printed
            if line.startswith("Servern lyssnar"):
                break
        url = f"http://127.0.0.1:{port}/feeds/{token[1]}/plan.ics"
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            etag = response.headers["ETag"]
        # Answered from the prepared response by LeanFeeds (web/feed_serving.py).
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
        cached = urllib.request.Request(url, headers={"If-None-Match": etag})
        with pytest.raises(urllib.error.HTTPError) as not_modified:
            urllib.request.urlopen(cached, timeout=30)
        assert not_modified.value.code == 304
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    logged = re.findall(r'INFO uvicorn\.access: .*"GET /feeds/…/plan\.ics HTTP/1\.1" (\d+)', err)
    assert logged == ["200", "200", "304"], err
    assert token[1] not in err


# --- tracebacks that become one Fel: line -------------------------------------------------------


def test_feeds_export_onto_a_file_is_refused(sqlite_cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "kalendrar"
    target.write_text("inte en mapp", encoding="utf-8")
    result = sqlite_cli("feeds", "export", str(target))
    assert result.code == 2 and f"«{target}» är en fil, inte en mapp" in result.err
    _one_fel_line(result.err)
    assert target.read_text(encoding="utf-8") == "inte en mapp"


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        # /sys refuses new entries even to root, so these fail for real in any test run.
        (["feeds", "export", "/sys/kalendrar"], "«/sys/kalendrar» går inte att använda"),
        (["export", "/sys/plan.xlsx"], "«/sys/plan.xlsx» går inte att använda: åtkomst nekad"),
        (["followup", "export", "/sys/uppfoljning.md", "--force"], "«/sys/uppfoljning.md»"),
    ],
)
def test_an_unwritable_export_folder_or_file_is_one_line_with_exit_code_4(
    sqlite_cli: Cli, argv: list[str], named: str
) -> None:
    assert sqlite_cli("import", str(SEED_PLAN)).code == 0
    result = sqlite_cli(*argv)
    assert result.code == 4 and named in result.err
    _one_fel_line(result.err)


def test_an_export_whose_folder_is_a_file_is_one_line(sqlite_cli: Cli, tmp_path: Path) -> None:
    assert sqlite_cli("import", str(SEED_PLAN)).code == 0
    (tmp_path / "fil").write_text("", encoding="utf-8")
    result = sqlite_cli("export", str(tmp_path / "fil" / "plan.toml"))
    assert result.code == 4 and f"«{tmp_path / 'fil'}» är en fil, inte en mapp" in result.err
    _one_fel_line(result.err)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("refresh_hours = inf", "feeds.refresh_hours"),
        ("refresh_hours = 1e400", "feeds.refresh_hours"),
        ("refresh_hours = 100000000000000000000000", "feeds.refresh_hours"),
        ("keep_cancelled_days = 1e300", "feeds.keep_cancelled_days"),
        ("keep_cancelled_days = 1000000", "feeds.keep_cancelled_days"),
    ],
)
def test_config_values_that_overflow_are_refused_naming_the_key(
    tmp_path: Path, extra: str, key: str
) -> None:
    config = write_config(
        tmp_path / "config.toml", f"sqlite:///{tmp_path}/x.sqlite3", extra=f"[feeds]\n{extra}\n"
    )
    result = Cli(config)("plan")
    assert result.code == 2 and f"«{key}» ska vara ett tal" in result.err
    _one_fel_line(result.err)


def test_a_config_nested_too_deep_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[calendar]\nblackouts = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = Cli(config)("plan")
    assert result.code == 2 and f"{config}: ogiltig TOML: för djupt nästlad." in result.err
    _one_fel_line(result.err)


def _agenda(cli: Cli) -> list[dict[str, object]]:
    listed: list[dict[str, object]] = json.loads(cli("agenda", "--json").out)
    return listed


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (["9999-12-31", "23:59", "--minutes", "1440"], "år 2000–2100"),
        (["0001-01-01"], "år 2000–2100"),
        (["2024-03-05", "--minutes", "100000000"], "ogiltigt antal minuter: '100000000' (välj 1–1440)"),
        (["2024-03-05", "--minutes", "0"], "(välj 1–1440)"),
    ],
)  # fmt: skip
def test_move_outside_the_supported_range_is_refused_and_changes_nothing(
    sqlite_cli: Cli, when: list[str], expected: str
) -> None:
    assert sqlite_cli("import", str(SEED_PLAN)).code == 0
    before = _agenda(sqlite_cli)
    result = sqlite_cli("move", str(before[0]["uid"]), *when)
    assert result.code == 2 and expected in result.err
    _one_fel_line(result.err)
    assert _agenda(sqlite_cli) == before


def test_run_due_with_a_time_outside_the_supported_range_is_refused(sqlite_cli: Cli) -> None:
    result = sqlite_cli("remind", "run-due", "--now", "0001-01-01T00:00")
    assert result.code == 2
    assert "tidpunkten '0001-01-01T00:00' ligger utanför år 2000–2100" in result.err
    _one_fel_line(result.err)


def test_serve_with_a_port_out_of_range_is_a_swedish_usage_error(sqlite_cli: Cli) -> None:
    result = sqlite_cli("serve", "--port", "99999")
    assert result.code == 2 and "ogiltigt portnummer: '99999' (välj 1–65535)" in result.err
    _one_fel_line(result.err)


@pytest.mark.processes
def test_serve_on_a_port_in_use_says_so_in_one_line_and_ends(sqlite_cli: Cli) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = _serve(sqlite_cli.config, port)
        out, err = server.communicate(timeout=60)  # it must end by itself
    assert server.returncode == 4, err
    assert err == (f"Fel: porten {port} används redan på 127.0.0.1; stoppa det som använder den "
                   "eller välj en annan med --port eller server.port.\n")  # fmt: skip
    assert "Servern lyssnar" not in out
