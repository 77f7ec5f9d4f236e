"""The command line in-process, against a config file of the test's own."""

from __future__ import annotations

import io
import re
import tomllib
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from scheduler.cli import main
from tests.support.databases import migrated_sqlite_file
from tests.support.seed import ROOT


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """Runs `scheduler …` in-process against a config file of the test's own."""

    config: Path

    def __call__(self, *argv: str) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["--config", str(self.config), *argv])
        return CliResult(code, out.getvalue(), err.getvalue())


# Password hashes at OWASP's minimum cost (19 MiB, 2 passes; the least the settings allow) rather
# than the default 64 MiB and 3 passes: a fifth of the CPU for each of the suite's thousand
# hashes and checks. The default cost has its own test (tests/test_workspace_accounts.py).
HASH_COST = "password_hash_memory_kib = 19456\npassword_hash_passes = 2\n"
DEFAULT_HASH_COST = "password_hash_memory_kib = 65536\npassword_hash_passes = 3\n"
SERVER_TABLE = re.compile(r"^\[server\][ \t]*$", re.MULTILINE)


def write_config(path: Path, database_url: str, extra: str = "") -> Path:
    """The project's config.toml pointed at `database_url`, with `extra` TOML appended, and
    password hashes at the least cost (HASH_COST) unless `extra` sets one."""
    base = (ROOT / "config.toml").read_text(encoding="utf-8")
    base = base.replace('url = "sqlite:///db/scheduler.sqlite3"', f'url = "{database_url}"')
    path.write_text(base + "\n" + with_hash_cost(extra), encoding="utf-8")
    return path


def with_hash_cost(extra: str, cost: str = HASH_COST) -> str:
    """`extra` with `cost` in its [server] table (one added when it has none), unless it sets
    a cost already."""
    if "password_hash_" in extra:
        return extra
    if SERVER_TABLE.search(extra):
        return SERVER_TABLE.sub(lambda found: f"{found[0]}\n{cost}", extra, count=1)
    return f"{extra}\n\n[server]\n{cost}"


def upgraded_cli(config: Path) -> Cli:
    """The CLI on a database brought to the newest schema, as `make run` does first."""
    url = tomllib.loads(config.read_text(encoding="utf-8")).get("database", {}).get("url", "")
    migrated_sqlite_file(url)  # a copy of a migrated database: `db upgrade` then finds it done
    cli = Cli(config)
    result = cli("db", "upgrade")
    assert result.code == 0, result.err
    return cli
