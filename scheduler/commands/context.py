"""What commands share: the config and the store, opened only when a command needs them."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from scheduler.base.time import FIRST_YEAR, LAST_YEAR
from scheduler.model.stored import StoredPlan

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from scheduler.settings.model import Settings


class Context:
    """`settings` is the whole installation; `config` is what one organisation sees (its name,
    coordinator, roles), chosen by --organisation, or the only one configured."""

    def __init__(
        self, config_path: str | None, out: Any = None, *, organisation: str | None = None
    ) -> None:
        self._config_path = config_path
        self._organisation = organisation
        self.out = out or sys.stdout

    @cached_property
    def settings(self) -> Settings:
        """Built once per command, from config.toml and the environment; every table is checked
        now, so any command names a bad key before it does anything."""
        from scheduler.settings.config import load_settings

        return load_settings(self._config_path)

    @cached_property
    def organisation(self) -> str | None:
        """The organisation's full name as plans carry it: --organisation (a short or a full
        name), else the only one configured; None when one district is configured without a name
        (any plan is its)."""
        from scheduler.base.errors import UsageError

        settings = self.settings
        if self._organisation:
            found = settings.find_organisation(self._organisation)
            if found is not None:
                return found
            if settings.several_organisations:
                raise UsageError(
                    f"organisationen «{self._organisation}» finns inte i konfigurationen "
                    f"(välj bland {_listing(settings)})."
                )
            return self._organisation.strip()
        if settings.several_organisations:
            raise UsageError(
                f"ange vilken organisation med --organisation (en av {_listing(settings)})."
            )
        return settings.organisation.name

    @property
    def organisation_chosen(self) -> str | None:
        """The organisation named by --organisation, as its full name; else None."""
        return self.organisation if self._organisation else None

    @cached_property
    def config(self) -> Settings:
        organisation = self.organisation
        return (
            self.settings if organisation is None else self.settings.for_organisation(organisation)
        )

    @cached_property
    def engine(self) -> Engine:
        from scheduler.store.engine import open_store

        database = self.settings.database
        return open_store(database.url, busy_timeout_seconds=database.busy_timeout_seconds)

    def plan_id(self, year: int | None = None) -> int:
        """The plan a command acts on: of `year`; without one, by date: this year's plan, else
        the newest (in December, after a rollover, `followup status` is about the closing year).
        Of the organisation named with --organisation; else preferably of the configured
        organisation, else of any."""
        from scheduler.services.plans import chosen_plan_id

        if self._organisation or self.settings.several_organisations:
            return chosen_plan_id(self.engine, year=year, now=now_utc(),
                                  organisation=self.organisation)  # fmt: skip
        return chosen_plan_id(self.engine, year=year, now=now_utc(),
                              prefer=self.settings.organisation.name)  # fmt: skip

    def plan(self, year: int | None = None) -> StoredPlan:
        from scheduler.services.plans import load_plan

        return load_plan(self.engine, self.plan_id(year))

    def print(self, text: str = "") -> None:
        print(text, file=self.out)


def _listing(settings: Settings) -> str:
    return ", ".join(f"{short} ({entry.name})" for short, entry in settings.organisations.items())


Command = Callable[[argparse.Namespace, Context], int]


def now_utc() -> datetime:
    return datetime.now(UTC)


# The years a plan, a date or a moment given on the command line may fall in: wide enough for
# any plan, narrow enough that a meeting moved to the edge and lengthened stays a valid datetime.
YEARS = f"år {FIRST_YEAR}–{LAST_YEAR}"
MAX_MINUTES = 24 * 60


def in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def year_argument(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt år: {text!r}") from None
    if not in_range(year):
        raise argparse.ArgumentTypeError(f"ogiltigt år: {text!r} (välj {YEARS})")
    return year


def date_argument(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt datum: {text!r} (skriv ÅÅÅÅ-MM-DD)") from None
    if not in_range(day.year):
        raise argparse.ArgumentTypeError(f"datumet {text!r} ligger utanför {YEARS}")
    return day


def moment_argument(text: str) -> datetime:
    """An ISO time for --now; without a zone it is Swedish local time."""
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ogiltig tidpunkt: {text!r} (skriv t.ex. 2025-03-01T08:00)"
        ) from None
    if not in_range(moment.year):
        raise argparse.ArgumentTypeError(f"tidpunkten {text!r} ligger utanför {YEARS}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Europe/Stockholm"))
    return moment.astimezone(UTC)


def bounded_integer(low: int, high: int, what: str) -> Callable[[str], int]:
    """An argparse type for a whole number in [low, high]; `what` names it in the message."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"ogiltigt {what}: {text!r} (ett heltal)") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"ogiltigt {what}: {text!r} (välj {low}–{high})")
        return value

    return parse


minutes_argument = bounded_integer(1, MAX_MINUTES, "antal minuter")
port_argument = bounded_integer(1, 65535, "portnummer")
workers_argument = bounded_integer(1, 64, "antal processer")
# Worker processes beside the one that works itself (0: none).
helpers_argument = bounded_integer(0, 64, "antal processer")


class Choice:
    """An argparse type for a choice written either in Swedish, as the output shows it, or as the
    internal English name; gives the internal name. Case, and `-`/`_` for a space, do not matter."""

    def __init__(self, swedish: Mapping[str, str]) -> None:
        self.swedish = dict(swedish)  # internal name → Swedish word
        self._names = {_fold(name): name for name in self.swedish}
        self._names.update({_fold(sv): name for name, sv in self.swedish.items()})

    def __call__(self, text: str) -> str:
        try:
            return self._names[_fold(text)]
        except KeyError:
            raise argparse.ArgumentTypeError(
                f"ogiltigt val: {text!r} (välj bland {self.listing()})"
            ) from None

    def listing(self) -> str:
        """`väntar (pending), skickas (sending), …` for help and messages."""
        return ", ".join(
            sv if sv == name else f"{sv} ({name})" for name, sv in self.swedish.items()
        )


def _fold(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
