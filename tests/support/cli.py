"""The command line in-process, against a config file of the test's own."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

from scheduler.cli import main
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


def write_config(path: Path, database_url: str, extra: str = "") -> Path:
    """The project's config.toml pointed at `database_url`, with `extra` TOML appended."""
    base = (ROOT / "config.toml").read_text(encoding="utf-8")
    base = base.replace('url = "sqlite:///db/scheduler.sqlite3"', f'url = "{database_url}"')
    path.write_text(base + "\n" + extra, encoding="utf-8")
    return path


def upgraded_cli(config: Path) -> Cli:
    """The CLI on a database brought to the newest schema, as `make run` does first."""
    cli = Cli(config)
    result = cli("db", "upgrade")
    assert result.code == 0, result.err
    return cli
