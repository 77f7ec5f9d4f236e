"""What commands share: the config and the store, opened only when a command needs them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

from sqlalchemy import Engine

from scheduler.config import Config, load_config
from scheduler.store.engine import open_store
from scheduler.store.plans import StoredPlan, find_plan_id, load_plan


class Context:
    def __init__(self, config_path: str | None, out: Any = None) -> None:
        self._config_path = config_path
        self.out = out or sys.stdout

    @cached_property
    def config(self) -> Config:
        from scheduler.config_check import validate_config

        return validate_config(load_config(self._config_path))

    @cached_property
    def engine(self) -> Engine:
        return open_store(self.config.database_url)

    def plan_id(self, year: int | None = None, organisation: str | None = None) -> int:
        """The plan a command acts on: `organisation`'s when named (--organisation), else
        preferably the config's organisation's, else the newest of any."""
        if organisation:
            return find_plan_id(self.engine, year=year, organisation=organisation)
        return find_plan_id(self.engine, year=year, prefer=self.config.organisation_name)

    def plan(self, year: int | None = None, organisation: str | None = None) -> StoredPlan:
        return load_plan(self.engine, self.plan_id(year, organisation))

    def print(self, text: str = "") -> None:
        print(text, file=self.out)


Command = Callable[[argparse.Namespace, Context], int]


def now_utc() -> datetime:
    return datetime.now(UTC)


def year_argument(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt år: {text!r}") from None
    if not 2000 <= year <= 2100:
        raise argparse.ArgumentTypeError(f"ogiltigt år: {text!r}")
    return year


def date_argument(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt datum: {text!r} (skriv ÅÅÅÅ-MM-DD)") from None


def moment_argument(text: str) -> datetime:
    """An ISO time for --now; without a zone it is Swedish local time."""
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ogiltig tidpunkt: {text!r} (skriv t.ex. 2025-03-01T08:00)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Europe/Stockholm"))
    return moment.astimezone(UTC)
