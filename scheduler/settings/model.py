"""Every key of config.toml, declared once: its type, its default, its range, and the Swedish words
for what it must be, which the error message quotes ("«feeds.refresh_hours» ska vara ett tal
1–168 (fick 0).").

A key is one line in its table's model:

    name: Type = key(default, "vad den ska vara", ge=…, le=…, doc="What it does.")

The English `doc` (and each table's docstring) is what the reference docs/configuration.md says
of it: `python -m scheduler.settings.reference` writes that file from these models.

A new table is a `Section` subclass and one line in `Settings` (`name: Table = section(Table,
"name")`). The models are strict (TOML gives real types, so "14" is not 14 and true is not 1) and
forbid unknown keys. Values that need the place of the file or the environment (a relative path,
the SMTP password) are resolved while validating, from the context that
`scheduler.settings.config.settings_from_mapping` passes. A rule between keys raises `rule(…)`
with its own message.
"""

from __future__ import annotations

import calendar
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Final, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    Strict,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from scheduler.base.addresses import parse_address
from scheduler.base.time import TZID, parse_clock
from scheduler.base.weekdays import WEEKDAY_NAMES, WORKDAY_CODES, weekday_code
from scheduler.settings.toml_text import quoted_key, toml_value

log = logging.getLogger(__name__)

DEFAULT_DATABASE_URL: Final = "sqlite:///db/scheduler.sqlite3"
DEFAULT_BUSY_TIMEOUT_SECONDS: Final = 10.0
# A rule that names its own keys: the formatter prints its message as it is.
RULE: Final = "regel"
# Where `key` keeps a key's English explanation (the field's json_schema_extra).
DOC: Final = "doc"

# Påsklov as a rule rather than a week number, because Easter moves: the week of Easter Monday
# (Annandag påsk), or the week before it (the week of Good Friday).
PASKLOV_EASTER_MONDAY: Final = "annandag_pask"
PASKLOV_BEFORE_EASTER: Final = "fore_pask"

MonthDayPair = tuple[int, int]  # (month, day) of any year
DayRange = tuple[MonthDayPair, MonthDayPair]


def key(default: Any, expected: str, *, doc: str, **constraints: Any) -> Any:
    """A config key: its default, what it must be (Swedish, completes "«x» ska vara …"), what it
    does (English, for the reference docs/configuration.md that `python -m
    scheduler.settings.reference` writes), and pydantic's constraints (ge, le, min_length …)."""
    return Field(default, description=expected, json_schema_extra={DOC: doc}, **constraints)


def key_doc(field: FieldInfo) -> str:
    """The English explanation `key` gave a field ("" for a table of the root)."""
    extra = field.json_schema_extra
    doc = extra.get(DOC) if isinstance(extra, dict) else None
    return doc if isinstance(doc, str) else ""


def rule(message: str) -> PydanticCustomError:
    """A broken rule between keys, or about the environment: the message names the keys."""
    return PydanticCustomError(RULE, message)


# -- value types the tables share -------------------------------------------------------------


def _workday(raw: object) -> str:
    code = weekday_code(raw) if isinstance(raw, str) else None
    if code is None or code not in WORKDAY_CODES:
        raise ValueError("not a workday")
    return code


def _weekday(raw: object) -> str:
    """Any day of the week (an activity such as a walk can be on a Saturday)."""
    code = weekday_code(raw) if isinstance(raw, str) else None
    if code is None:
        raise ValueError("not a weekday")
    return code


def _workdays(raw: object) -> tuple[str, ...]:
    """A non-empty list of workdays, in week order, each once."""
    if not isinstance(raw, list | tuple) or not raw:
        raise ValueError("not a list of workdays")
    codes = {_workday(day) for day in raw}
    return tuple(code for code in WORKDAY_CODES if code in codes)


def _clock(raw: object) -> time:
    if isinstance(raw, time):
        return raw
    clock = parse_clock(raw) if isinstance(raw, str) else None
    if clock is None:
        raise ValueError("not a clock time")
    return clock


_MONTH_DAY = re.compile(r"^\s*(\d{1,2})-(\d{1,2})\s*$")
_RANGE_SPLIT = re.compile(r"\s*(?:\.\.|/|–)\s*")


def _month_day(text: str) -> MonthDayPair:
    match = _MONTH_DAY.match(text)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12 and 1 <= day <= calendar.monthrange(2024, month)[1]:
            return month, day
    raise ValueError("not a day of the year")


def _day_range(raw: object) -> DayRange:
    if isinstance(raw, tuple) and len(raw) == 2:  # already a value (a default, or from code)
        return (raw[0][0], raw[0][1]), (raw[1][0], raw[1][1])
    if isinstance(raw, str):
        parts = _RANGE_SPLIT.split(raw.strip())
        if len(parts) == 2:
            return _month_day(parts[0]), _month_day(parts[1])
    raise ValueError("not a range of days")


def _break_week(raw: object) -> int | None:
    """An ISO week 1–53, or false (or None, from code) for none."""
    if raw is False or raw is None:
        return None
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 53:
        return raw
    raise ValueError("not a week")


def _pasklov(raw: object) -> int | str | None:
    if isinstance(raw, str) and raw.strip().lower() in (
        PASKLOV_EASTER_MONDAY,
        PASKLOV_BEFORE_EASTER,
    ):
        return raw.strip().lower()
    return _break_week(raw)


def _address(raw: object) -> str:
    if not isinstance(raw, str) or parse_address(raw) is None:
        raise ValueError("not an address")
    return raw.strip()


# Each type written back as config.toml writes it (`model_dump(mode="json")`), for the defaults in
# the reference (scheduler.settings.reference): a weekday by its Swedish name, a time "HH:MM".
def _day_text(day: MonthDayPair) -> str:
    return f"{day[0]:02d}-{day[1]:02d}"


def _range_text(days: DayRange) -> str:
    return f"{_day_text(days[0])}..{_day_text(days[1])}"


def _week_text(week: int | str | None) -> int | str | bool:
    return False if week is None else week


def _json(write: Any) -> PlainSerializer:
    return PlainSerializer(write, when_used="json")


Workday = Annotated[str, PlainValidator(_workday), _json(WEEKDAY_NAMES.__getitem__)]
Weekday = Annotated[str, PlainValidator(_weekday), _json(WEEKDAY_NAMES.__getitem__)]
Workdays = Annotated[tuple[str, ...], PlainValidator(_workdays),
                     _json(lambda codes: [WEEKDAY_NAMES[code] for code in codes])]  # fmt: skip
Clock = Annotated[time, PlainValidator(_clock), _json(lambda clock: clock.strftime("%H:%M"))]
Range = Annotated[DayRange, PlainValidator(_day_range), _json(_range_text)]
BreakWeek = Annotated[int | None, PlainValidator(_break_week), _json(_week_text)]
PasklovWeek = Annotated[int | str | None, PlainValidator(_pasklov), _json(_week_text)]
Email = Annotated[str, PlainValidator(_address)]
# Lists arrive from TOML as lists: the outer type is lax (list → tuple), each item strict.
Month = Annotated[int, Strict(), Field(ge=1, le=12)]
Day = Annotated[int, Strict(), Field(ge=0, le=365)]
Months = Annotated[tuple[Month, ...], Field(strict=False, min_length=1),
                   AfterValidator(lambda months: tuple(sorted(set(months))))]  # fmt: skip
Days = Annotated[tuple[Day, ...], Field(strict=False)]
Minutes = Annotated[
    tuple[Annotated[int, Strict(), Field(ge=0, le=24 * 60)], ...], Field(strict=False)
]
Ranges = Annotated[tuple[Range, ...], Field(strict=False)]
Texts = Annotated[tuple[Annotated[str, Strict()], ...], Field(strict=False)]

DAYS = "en lista med dagar 0–365, t.ex. [14, 2]"
MONTHS = "en lista med månadsnummer 1–12, t.ex. [1, 2, 3]"
TEXT = "en text"
FLAG = "true eller false"
ADDRESS = 'en e-postadress, t.ex. "namn@exempel.se"'
CLOCK = 'en tid "TT:MM", t.ex. "09:00"'
RANGE = 'ett datumintervall "MM-DD..MM-DD", t.ex. "08-20..12-20"'
WEEK = "ett veckonummer 1–53, eller false för inget lov"


def _base_dir(info: ValidationInfo) -> Path:
    context = info.context if isinstance(info.context, Mapping) else {}
    base = context.get("base")
    return base if isinstance(base, Path) else Path.cwd()


def _environ(info: ValidationInfo) -> Mapping[str, str]:
    context = info.context if isinstance(info.context, Mapping) else {}
    environ = context.get("environ")
    return environ if isinstance(environ, Mapping) else {}


# -- the tables --------------------------------------------------------------------------------


class Section(BaseModel):
    """A table of config.toml: unknown keys are errors, values keep their TOML types. Its
    docstring opens the table's part of the reference (docs/configuration.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_default=False)


class Organisation(Section):
    """The organisation: one district's name and coordinator, and where the server is reached."""

    name: str | None = key(
        None,
        TEXT,
        doc=(
            "The organisation (district) of imported plan files that do not name it. Several "
            "districts in one installation are named in `[organisations.<kort namn>]` instead."
        ),
    )
    coordinator_role: str | None = key(
        None,
        TEXT,
        doc="The role (a key of `[roles]`) of the coordinator, who gets the summaries.",
    )
    base_url: Annotated[str, AfterValidator(lambda url: url.rstrip("/"))] = key(
        "http://127.0.0.1:8000",
        'en webbadress, t.ex. "https://trygghet.example.se"',
        doc=(
            "Where the web server is reached, for the links in pages, feeds and emails. When it "
            "is https, every response carries HSTS."
        ),
    )
    email: Email = key(
        "noreply@example.org",
        ADDRESS,
        doc=(
            "The organisation's own address: the sender of emails and the ORGANIZER of published "
            "meetings."
        ),
    )


class Database(Section):
    """Where the plans, reminders and links are stored."""

    url: str = key(
        DEFAULT_DATABASE_URL,
        'en databas-URL, t.ex. "sqlite:///db/scheduler.sqlite3"',
        validate_default=True,
        doc=(
            "Any SQLAlchemy URL; `postgresql://…` uses psycopg 3. A relative SQLite path is relative "
            "to the config file."
        ),
    )
    busy_timeout_seconds: float = key(
        DEFAULT_BUSY_TIMEOUT_SECONDS,
        "ett antal sekunder 0,1–600",
        ge=0.1,
        le=600,
        allow_inf_nan=False,
        doc=(
            "How long a statement waits for a lock another process holds (SQLite's busy timeout, "
            "PostgreSQL's `lock_timeout`) before it gives up: a web request is then answered 503 "
            "(try again), a command exits with code 75."
        ),
    )

    @field_validator("url")
    @classmethod
    def _relative_to_the_file(cls, url: str, info: ValidationInfo) -> str:
        """A relative SQLite path is relative to the config file, not to where the command runs."""
        prefix = "sqlite:///"
        if (
            not url.startswith(prefix)
            or url == "sqlite:///:memory:"
            or url[len(prefix) :].startswith("/")
        ):
            return url
        return prefix + str((_base_dir(info) / url[len(prefix) :]).resolve())


class Role(Section):
    """A role of the plan (as its Vem texts name it) mapped to a person and an address."""

    name: str | None = key(None, TEXT, doc="The display name; the key capitalised when left out.")
    person: str | None = key(None, TEXT, doc="Who has the role.")
    email: Email | None = key(None, ADDRESS, doc="Where the role's reminders go.")
    aliases: Texts = key(
        (), "en lista med texter", doc="Other spellings of the role found in the plan's Vem texts."
    )


class Oidc(Section):
    """Signing in with the organisation's own identity provider over OpenID Connect
    (docs/single-sign-on.md): `[oidc]` for one district, `[organisations.<namn>.oidc]` for each
    of several. Whose claim `role_claim` carries one of `coordinator_values` is a coordinator,
    one of `reader_values` a reader; anyone else is refused."""

    issuer: str = key(..., 'en webbadress, t.ex. "https://login.microsoftonline.com/<tenant>/v2.0"',
                      min_length=1, doc="The provider's issuer URL, exactly as its ID tokens' "
                      "`iss`; discovery is read from `<issuer>/.well-known/openid-configuration`.")  # fmt: skip
    client_id: str = key(..., TEXT, min_length=1, doc="The registered application's client id.")
    client_secret_env: str = key(..., "namnet på en miljövariabel", min_length=1,
                                 doc="The environment variable that holds the client secret.")  # fmt: skip
    scopes: Texts = key(("openid", "profile", "email"), 'en lista med texter, t.ex. ["openid"]',
                        doc="The scopes asked for; must include `openid`.")  # fmt: skip
    role_claim: str = key("groups", TEXT, min_length=1,
                          doc="The ID token's claim whose values give the role.")  # fmt: skip
    coordinator_values: Texts = key((), "en lista med texter",
                                    doc="Values of `role_claim` that make a coordinator.")  # fmt: skip
    reader_values: Texts = key((), "en lista med texter",
                               doc="Values of `role_claim` that make a reader.")  # fmt: skip
    display_name: str | None = key(None, TEXT, doc="The name on the sign-in page's button "
                                   "(\"Logga in med …\"); the issuer's host when left out.")  # fmt: skip
    local_passwords: bool = key(True, FLAG, doc="False: the organisation's accounts sign in only "
                                "through the provider, never with a password.")  # fmt: skip
    _client_secret: str = PrivateAttr("")

    @property
    def client_secret(self) -> str:
        return self._client_secret

    @property
    def shown_name(self) -> str:
        """What /logga-in calls the provider: `display_name`, else the issuer's host."""
        return self.display_name or (urlsplit(self.issuer).hostname or self.issuer)

    @model_validator(mode="after")
    def _secret_from_the_environment(self, info: ValidationInfo) -> Oidc:
        if "openid" not in self.scopes:
            raise rule('«oidc.scopes» måste ha med "openid" (OpenID Connect kräver det).')
        if not self.issuer.lower().startswith(("https://", "http://")):
            raise rule(f"«oidc.issuer» ska vara en webbadress (fick {toml_value(self.issuer)}).")
        secret = _environ(info).get(self.client_secret_env)
        if not secret:
            raise rule(
                f"«oidc.client_secret_env» pekar på miljövariabeln {self.client_secret_env}, "
                "som inte är satt."
            )
        self._client_secret = secret
        return self


class OrganisationEntry(Section):
    """One district of an installation that serves several, by a short name. It has what a
    single district's `[organisation]` and `[roles]` say; the address and `base_url` of the
    shared `[organisation]` apply where it gives none. `file = "…"` (and nothing else) reads the
    district's `[organisation]` and `[roles]` from a file of its own, relative to the config
    file, which its own coordinator can edit (scheduler.settings.config)."""

    name: str = key(..., TEXT, min_length=1, doc="The district's name, as its plan files name it.")
    coordinator_role: str | None = key(
        None, TEXT, doc="The role (a key of the district's `roles`) of its coordinator."
    )
    email: Email | None = key(
        None,
        ADDRESS,
        doc="The district's own address; the shared `organisation.email` where left out.",
    )
    roles: dict[str, Role] = key(
        {},
        "en tabell per roll ([organisations.<namn>.roles.<roll>])",
        strict=False,
        doc="The district's roles, each a table as `[roles.<roll>]`.",
    )
    plan_cycle: PlanCycle | None = key(
        None,
        "en tabell ([organisations.<namn>.plan_cycle])",
        doc="The district's own plan year: the keys it gives over the shared `[plan_cycle]`.",
    )
    followup: Followup | None = key(
        None,
        "en tabell ([organisations.<namn>.followup])",
        doc="The district's own follow-up: the keys it gives over the shared `[followup]`.",
    )
    oidc: Oidc | None = key(
        None,
        "en tabell ([organisations.<namn>.oidc])",
        doc="The district's own identity provider, as `[oidc]` (docs/single-sign-on.md).",
    )


class Audit(Section):
    """The audit record of sign-ins, failed sign-ins and changes in the workspace (`/logg`)."""

    keep_days: int = key(400, "ett antal dagar 1–3650", ge=1, le=3650,
                         doc="How long an event is kept; older ones are deleted.")  # fmt: skip


class ActivityDefaults(Section):
    """Where an activity goes when nothing else says, for measures whose title (else När) has
    the word: "trygghetsvandringar" has "trygghetsvandring". A key left out keeps the built-in
    value for that word, else the calendar's."""

    weekday: Weekday | None = key(
        None,
        'en veckodag, "måndag"–"söndag" eller "MO"–"SU"',
        doc="The activity's weekday, any day of the week (a walk can be on a Saturday).",
    )
    time: Clock | None = key(None, CLOCK, doc="The activity's start time.")
    duration_minutes: int | None = key(
        None, "ett antal minuter 5–1440", ge=5, le=24 * 60, doc="How long the activity lasts."
    )


# Built in, so a district without the table gets walks in the evening; a district's entry for a
# word replaces the keys it gives, and a new word is added after these.
BUILT_IN_ACTIVITIES: Final = {
    "trygghetsvandring": ActivityDefaults(time=time(18, 0), duration_minutes=120),
    "nattvandring": ActivityDefaults(weekday="FR", time=time(21, 0), duration_minutes=180),
    "föräldravandring": ActivityDefaults(weekday="FR", time=time(21, 0), duration_minutes=180),
    "föräldramöte": ActivityDefaults(time=time(18, 0), duration_minutes=90),
}


class Calendar(Section):
    """When meetings may happen. The defaults fit a Stockholm district administration. The time
    zone is not a setting: it is always Europe/Stockholm."""

    default_weekday: Workday = key(
        "TU",
        'en vardag, "måndag"–"fredag" eller "MO"–"FR"',
        doc=(
            "Where a count per period is placed (tasks, and `scheduler cadence`); a plan's meetings "
            "are spread over `meeting_weekdays`."
        ),
    )
    default_time: Clock = key(
        time(9, 0), CLOCK, doc="The start time of a meeting whose När names none."
    )
    default_duration_minutes: int = key(
        90,
        "ett antal minuter 5–1440",
        ge=5,
        le=24 * 60,
        doc="The length of a meeting whose När names none.",
    )
    # The second avoids the first days of a month, which collide with holidays (1 Jan, 1 May) and
    # with month-end reporting.
    week_of_month: int = key(
        2,
        "1–4: vilken veckodag i månaden",
        ge=1,
        le=4,
        doc="Meetings go on the n:th weekday of a month; in a plan, the spread's first choice.",
    )
    active_months: Months = key(
        (1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12),
        MONTHS,
        doc="The months meetings may be in (by default all but July).",
    )
    blackouts: Ranges = key(
        (((12, 24), (1, 6)),),
        'en lista med datumintervall, t.ex. ["12-24..01-06"]',
        doc="Days with no meetings (by default julafton to trettondagen).",
    )
    public_holidays: bool = key(True, FLAG, doc="No meetings on Swedish public holidays.")
    de_facto_holidays: bool = key(
        True, FLAG, doc="No meetings on midsommarafton, julafton and nyårsafton."
    )
    sportlov_week: BreakWeek = key(
        9,
        WEEK,
        doc='The ISO week of sportlovet, or false; "sportlovet" in a När is read from it.',
    )
    pasklov_week: PasklovWeek = key(
        PASKLOV_EASTER_MONDAY,
        f'"{PASKLOV_EASTER_MONDAY}", "{PASKLOV_BEFORE_EASTER}", ett veckonummer 1–53 eller false',
        doc=(
            f'Påsklovet, which moves with Easter: `"{PASKLOV_EASTER_MONDAY}"` the week of Easter '
            f'Monday, `"{PASKLOV_BEFORE_EASTER}"` the week before it (of Good Friday), an ISO '
            'week, or false; "påsklovet" in a När is read from it.'
        ),
    )
    hostlov_week: BreakWeek = key(
        44, WEEK, doc='The ISO week of höstlovet, or false; "höstlovet" in a När is read from it.'
    )
    spring_term: Range = key(
        ((1, 15), (6, 14)),
        RANGE,
        doc=(
            'Vårterminen. School-bound forums (SSP) stay inside the terms; "vårterminen", '
            '"höstterminen", "under terminerna", "sommarlovet" (between them), "jullovet" and "före '
            'sommaren/jul" in a När are read from them.'
        ),
    )
    autumn_term: Range = key(((8, 20), (12, 20)), RANGE, doc="Höstterminen (see `spring_term`).")
    seasonal_months: Months = key(
        (4, 5, 6, 7, 8, 9, 10),
        MONTHS,
        doc='Where "säsongsbetonat" forums go (still not in a month left out of `active_months`).',
    )
    meeting_weekdays: Workdays = key(
        ("MO", "TU", "WE", "TH"),
        'en lista med vardagar, t.ex. ["måndag", "tisdag"]',
        doc=(
            "The days a plan's meetings are spread over; a När or setting that names a day keeps "
            "it."
        ),
    )
    max_meetings_per_day: int = key(
        2,
        "ett antal möten per dag 1–10",
        ge=1,
        le=10,
        doc=(
            "At most this many meetings a day for one convener, when the plan's series get their "
            "days."
        ),
    )
    activity_defaults: dict[str, ActivityDefaults] = key(
        BUILT_IN_ACTIVITIES,
        "en tabell per aktivitet ([calendar.activity_defaults.<ord>])",
        strict=False,
        doc=(
            "Activities with their own weekday, time or length, one table per word; a "
            "district's entry replaces the keys it gives and adds new words (`<ord>` is one "
            "word)."
        ),
    )

    @field_validator("activity_defaults")
    @classmethod
    def _over_the_built_in_ones(
        cls, table: dict[str, ActivityDefaults]
    ) -> dict[str, ActivityDefaults]:
        words = dict(BUILT_IN_ACTIVITIES)
        for word, own in table.items():
            name = word.strip().lower()
            if not name or not name.isalpha():
                raise rule(
                    f"«calendar.activity_defaults.{quoted_key(word)}»: namnet ska vara ett ord, "
                    "t.ex. trygghetsvandring."
                )
            given = {key: getattr(own, key) for key in own.model_fields_set}
            words[name] = words[name].model_copy(update=given) if name in words else own
        return words

    @model_validator(mode="before")
    @classmethod
    def _no_timezone(cls, data: Any) -> Any:
        """The zone is Europe/Stockholm, always (scheduler.base.time). An old config that says
        so still works, with a warning; one that names another zone is refused."""
        if not isinstance(data, Mapping) or "timezone" not in data:
            return data
        if data["timezone"] != TZID:
            raise rule(
                f"«calendar.timezone» finns inte längre: schemaläggaren arbetar alltid i {TZID} "
                f"(fick {toml_value(data['timezone'])}); ta bort nyckeln."
            )
        log.warning(
            "«calendar.timezone» behövs inte längre (tidszonen är alltid %s); ta bort nyckeln.",
            TZID,
        )
        return {name: value for name, value in data.items() if name != "timezone"}


class Feeds(Section):
    """The calendar feeds (iCalendar subscriptions) the server answers."""

    # Finite numbers in a range: TOML allows inf, nan and integers of any size, which overflow
    # the durations made from them.
    refresh_hours: float = key(
        12,
        "ett tal 1–168",
        ge=1,
        le=24 * 7,
        allow_inf_nan=False,
        doc="The refresh hint to calendar clients, in hours.",
    )
    keep_cancelled_days: float = key(
        60,
        "ett tal 0–3650",
        ge=0,
        le=3650,
        allow_inf_nan=False,
        doc="How long a cancellation stays visible, in days.",
    )
    recheck_seconds: float = key(
        30,
        "ett tal 0–86400",
        ge=0,
        le=24 * 3600,
        allow_inf_nan=False,
        doc="How often the server checks the database for changes.",
    )
    past_days: int = key(
        60,
        "ett antal dagar 0–3650",
        ge=0,
        le=3650,
        doc=(
            "How far back a subscription reaches. It runs on to the end of the newest plan: after a "
            "November rollover, the closing year's December and the new year together."
        ),
    )
    cache_entries: int = key(
        256,
        "ett heltal 1–100000",
        ge=1,
        le=100_000,
        doc="Rendered feeds the server keeps in memory, the least recently used leaving first.",
    )
    max_kb: int = key(
        950,
        "ett antal kB 50–100000",
        ge=50,
        le=100_000,
        doc=(
            "A feed is trimmed (shorter descriptions, then a shorter window) to this many kB (1000 "
            "bytes): Google drops events from a subscribed calendar of about 1 MB "
            "(docs/calendar-clients.md)."
        ),
    )
    max_events: int = key(
        1100,
        "ett antal händelser 10–100000",
        ge=10,
        le=100_000,
        doc="A feed is trimmed to this many events: Google is reported to stop at about 1,100.",
    )
    warn_kb: int = key(
        750,
        "ett antal kB 10–100000",
        ge=10,
        le=100_000,
        doc="`scheduler feeds list` warns about a feed over this many kB.",
    )
    series_max_rules: int = key(
        12,
        "ett heltal 1–100",
        ge=1,
        le=100,
        doc=(
            "A series whose dates no single rule Outlook can hold gives is split into several "
            "rules; one that takes more than this many is not offered as a recurring event "
            "(`.serie.ics`) at all."
        ),
    )


class EmailSection(Section):
    """How reminders leave. Paths are relative to the config file; the password comes from the
    environment variable `smtp_password_env` names."""

    backend: Literal["file", "smtp"] = key(
        "file",
        'ett av "file", "smtp"',
        doc=(
            '`"file"` writes one .eml per message into `outbox_dir`; `"smtp"` sends through the '
            "relay."
        ),
    )
    from_: Email | None = key(
        None, ADDRESS, alias="from", doc="The sender's address; `organisation.email` when left out."
    )
    from_name: str | None = key(
        None,
        TEXT,
        doc="The sender's name; the organisation's name (else Åtgärdsplanen) when left out.",
    )
    outbox_dir: Path = key(
        Path("outbox"),
        'en mapp, t.ex. "outbox"',
        strict=False,
        validate_default=True,
        doc="The folder of the file backend.",
    )
    smtp_host: str = key("localhost", TEXT, doc="The SMTP relay.")
    smtp_port: int = key(587, "ett portnummer 1–65535", ge=1, le=65535, doc="The relay's port.")
    smtp_security: Literal["starttls", "tls", "none"] = key(
        "starttls",
        'ett av "starttls", "tls", "none"',
        doc=(
            '`"none"` with a `smtp_username` is refused at start: the password would go in clear, '
            'on any host (use `"starttls"` or `"tls"`, or an unauthenticated local relay).'
        ),
    )
    smtp_username: str | None = key(None, TEXT, doc="The login at the relay, if it needs one.")
    smtp_password_env: str | None = key(
        None,
        "namnet på en miljövariabel",
        doc=(
            "The environment variable that holds the SMTP password (UTF-8 passwords work); it must "
            "be set when the backend is smtp."
        ),
    )
    timeout_seconds: int = key(
        30,
        "ett antal sekunder 1–600",
        ge=1,
        le=600,
        doc="How long a connection to the relay may wait for it.",
    )
    smtp_ca_file: Path | None = key(
        None,
        "en fil med CA-certifikat (PEM)",
        strict=False,
        doc="A private CA to trust for the relay; certificates are always verified.",
    )
    _smtp_password: str | None = PrivateAttr(None)

    @property
    def smtp_password(self) -> str | None:
        return self._smtp_password

    @field_validator("outbox_dir", "smtp_ca_file", mode="before")
    @classmethod
    def _text_path(cls, value: object) -> object:
        if value is not None and not isinstance(value, str | Path):
            raise ValueError("not a path")
        return value

    @field_validator("outbox_dir", "smtp_ca_file")
    @classmethod
    def _relative_to_the_file(cls, path: Path | None, info: ValidationInfo) -> Path | None:
        return None if path is None else (_base_dir(info) / path).resolve()

    @model_validator(mode="after")
    def _from_the_environment(self, info: ValidationInfo) -> EmailSection:
        if self.smtp_security == "none" and self.smtp_username:
            # A login over a plain connection sends the password in clear, whatever the host.
            raise rule(
                '«email.smtp_security» = "none" med «email.smtp_username»: lösenordet skulle '
                'skickas okrypterat. Välj "starttls" eller "tls", eller ta bort smtp_username.'
            )
        if self.smtp_ca_file is not None and not self.smtp_ca_file.is_file():
            raise rule(f"«email.smtp_ca_file»: filen {self.smtp_ca_file} finns inte.")
        if self.smtp_password_env:
            self._smtp_password = _environ(info).get(self.smtp_password_env)
            if self._smtp_password is None and self.backend == "smtp":
                raise rule(
                    f"«email.smtp_password_env» pekar på miljövariabeln {self.smtp_password_env}, "
                    "som inte är satt."
                )
        return self


class Reminders(Section):
    """The reminder emails: when they go, and how the dispatcher sends them."""

    meeting_days: Days = key(
        (14, 2),
        DAYS,
        doc=(
            "Days before a meeting that its reminders go; per measure `schedule.reminder_days` in "
            "the plan file."
        ),
    )
    task_long_days: Days = key(
        (28, 0), DAYS, doc="Days before a long task's due day (see `long_period_days`)."
    )
    task_short_days: Days = key((7, 0), DAYS, doc="Days before a short task's due day.")
    long_period_days: int = key(
        45,
        "ett antal dagar 1–366",
        ge=1,
        le=366,
        doc="A task whose series repeats less often than this is long.",
    )
    send_time: Clock = key(time(8, 0), CLOCK, doc="When in the day reminders are sent.")
    held_question: bool = key(
        True, FLAG, doc="Ask the convener after each meeting whether it was held."
    )
    overdue_days: int = key(
        1,
        "ett antal dagar 0–60",
        ge=0,
        le=60,
        doc="The nudge about a task with no report, this many days after its due day.",
    )
    digest: Literal["off", "also", "instead"] = key(
        "off",
        'ett av "off", "also", "instead"',
        doc='`"also"` (beside the single reminders) or `"instead"` sends each role a Monday digest.',
    )
    digest_weeks: int = key(
        3, "ett antal veckor 1–12", ge=1, le=12, doc="The weeks a digest covers, from its Monday."
    )
    max_per_pass: int = key(
        20,
        "ett heltal 1–10000",
        ge=1,
        le=10_000,
        doc=(
            "The bounded rate: sends per dispatcher pass (`serve` goes again at once after a full "
            "pass; `remind run-due` is one pass)."
        ),
    )
    retry_minutes: Minutes = key(
        (2, 10, 30, 120, 480),
        "en lista med minuter 0–1440, t.ex. [2, 10, 30]",
        doc=(
            "The delays before each retry of a failed send, after which it has failed; `[]` "
            "retries once, after five minutes."
        ),
    )
    claim_minutes: int = key(
        10,
        "ett antal minuter 1–1440",
        ge=1,
        le=24 * 60,
        doc="The claim lease: a claim older than this is taken to be a crashed dispatcher's.",
    )
    link_days: int = key(
        30,
        "ett antal dagar 1–365",
        ge=1,
        le=365,
        doc="How long answer links live after the meeting.",
    )
    horizon_weeks: int = key(
        8,
        "ett antal veckor 2–104",
        ge=2,
        le=104,
        doc=(
            "Reminders are stored this far ahead (to the Monday after), topped up by `remind "
            "run-due` and `serve`."
        ),
    )
    keep_sent_days: int = key(
        400,
        "ett antal dagar 1–3650",
        ge=1,
        le=3650,
        doc=(
            "How long the text of a sent email (headers, text, HTML, .ics) is kept for "
            "`/paminnelser`; older copies are pruned at each dispatcher pass."
        ),
    )


_FOLLOWUP_DAY = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


def _followup_day(raw: object) -> MonthDayPair:
    if isinstance(raw, tuple):
        return raw[0], raw[1]
    # 29 February is refused: most plan years have none.
    if isinstance(raw, str) and _FOLLOWUP_DAY.match(raw) and raw != "02-29":
        return _month_day(raw)
    raise ValueError("not MM-DD")


FollowupDay = Annotated[MonthDayPair, PlainValidator(_followup_day), _json(_day_text)]


class Followup(Section):
    """The year-end follow-up campaign: each convener is asked, on a form, how their measures
    went."""

    start: FollowupDay = key(
        (11, 15),
        'en dag "MM-DD", t.ex. "11-15"',
        doc="The day of the plan's year the campaign starts.",
    )
    deadline: FollowupDay = key(
        (12, 15), 'en dag "MM-DD", t.ex. "12-15"', doc="The campaign's last day, after `start`."
    )
    nudge_days: int = key(
        7,
        "ett antal dagar 1–60",
        ge=1,
        le=60,
        doc="Days between nudges to those who have not answered.",
    )
    link_grace_days: int = key(
        14,
        "ett antal dagar 0–365",
        ge=0,
        le=365,
        doc="The form can be opened (read only) this long after the deadline.",
    )
    max_text: int = key(
        5000, "ett antal tecken 100–100000", ge=100, le=100_000, doc="Characters per answer."
    )

    @model_validator(mode="after")
    def _deadline_after_start(self) -> Followup:
        if self.deadline <= self.start:
            raise rule("«followup.deadline» måste ligga efter «followup.start» under året.")
        return self


# The end of each tertial ("tertial 1" is the end of April): when plans and reports are due.
TERTIAL_ENDS: Final = {1: (4, 30), 2: (8, 31), 3: (12, 31)}
_TERTIAL = re.compile(r"^\s*tertial\s*([123])\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class HandIn:
    """When the plan is handed in: a day of its year, and how the plan's instructions name it."""

    month: int
    day: int
    tertial: int | None = None  # "tertial 1": the plan goes in with tertialrapport 1


def _hand_in(raw: object) -> HandIn | None:
    if raw is False or raw is None:
        return None
    if isinstance(raw, HandIn):
        return raw
    if isinstance(raw, str):
        tertial = _TERTIAL.match(raw)
        if tertial:
            number = int(tertial.group(1))
            return HandIn(*TERTIAL_ENDS[number], tertial=number)
        if _FOLLOWUP_DAY.match(raw.strip()) and raw.strip() != "02-29":
            month, day = _month_day(raw)
            return HandIn(month, day)
    raise ValueError("not a hand-in day")


def _hand_in_text(day: HandIn | None) -> str | bool:
    if day is None:
        return False
    return f"tertial {day.tertial}" if day.tertial else _day_text((day.month, day.day))


HandInDay = Annotated[HandIn | None, PlainValidator(_hand_in), _json(_hand_in_text)]


class PlanCycle(Section):
    """The plan's own year: it is handed in on `hand_in`, then followed up at the year's end
    (`[followup]`)."""

    hand_in: HandInDay = key(
        HandIn(4, 30, tertial=1),
        '"tertial 1" (30 april), "tertial 2", "tertial 3", en dag "MM-DD" eller false',
        doc=(
            "When the plan is handed in (a task for the coordinator, with reminders): "
            '`"tertial 1"` (30 April, with tertialrapport 1) to `"tertial 3"`, a day, or false '
            "for none."
        ),
    )


# Excel holds at most 32,767 characters in a cell; a longer text could not be exported.
EXCEL_MAX_CELL_CHARS: Final = 32_767


class Limits(Section):
    """How much of a plan file is read before it is refused, and how large a plan may be: what
    one district's plan may cost the installation every district shares. A plan over a limit is
    refused in one Swedish line naming the key, and nothing is changed."""

    max_rows_per_sheet: int = key(
        5_000,
        "ett heltal 10–1048576",
        ge=10,
        le=1_048_576,
        doc="Rows a sheet of a workbook lists, empty ones too.",
    )
    max_cells_per_sheet: int = key(
        100_000,
        "ett heltal 1000–10000000",
        ge=1_000,
        le=10_000_000,
        doc="Cells a sheet lists, empty (only formatted) ones too: a plan has a few hundred.",
    )
    max_text_chars: int = key(
        10_000,
        f"ett heltal 100–{EXCEL_MAX_CELL_CHARS}",
        ge=100,
        le=EXCEL_MAX_CELL_CHARS,
        doc="Characters per cell and per text field (xlsx and TOML); at most Excel's limit.",
    )
    max_uncompressed_mb: int = key(
        25, "ett heltal 1–2000", ge=1, le=2_000, doc="An .xlsx unpacked, or a .toml file, in MB."
    )
    max_measures_per_plan: int = key(
        1_500,
        "ett heltal 1–100000",
        ge=1,
        le=100_000,
        doc=(
            "Measures in one plan, counted as soon as the file is read. Real plans have a few dozen "
            "(the seed 23); the benchmark's largest has 1,000."
        ),
    )
    max_occurrences_per_plan: int = key(
        20_000,
        "ett heltal 10–1000000",
        ge=10,
        le=1_000_000,
        doc=(
            "Dated meetings and tasks of one plan in its year, counted as its measures are placed: "
            "the seed has 72, the benchmark's 1,000-measure plan 9,877."
        ),
    )
    max_nesting: int = key(
        10,
        "ett heltal 5–100",
        ge=5,
        le=100,
        doc=(
            "Levels of tables and lists inside one another in a .toml plan file (`scheduler export` "
            "writes five); config.toml itself is held to the default."
        ),
    )


class Server(Section):
    """`scheduler serve`: where it listens, the workspace's sign-in and sessions, and the limits
    on a request at the edge."""

    host: str = key("127.0.0.1", TEXT, doc="The address the server listens on.")
    port: int = key(8000, "ett portnummer 1–65535", ge=1, le=65535, doc="The port it listens on.")
    secret_key: str | None = key(
        None,
        TEXT,
        doc=(
            "The key that signs links; without it one is made once and kept in the database, shared "
            "by every process."
        ),
    )
    session_hours: int = key(
        8,
        "ett heltal 1–168",
        ge=1,
        le=168,
        doc="How long a coordinator's sign-in to the workspace lasts.",
    )
    session_idle_minutes: int = key(
        30,
        "ett antal minuter 1–1440",
        ge=1,
        le=24 * 60,
        doc="A session unused this long ends (OWASP ASVS 3.3.2).",
    )
    trusted_proxies: Texts = key(
        ("127.0.0.1",),
        'en lista med adresser, t.ex. ["127.0.0.1"]',
        doc=(
            "The proxies whose `X-Forwarded-For` names the client (uvicorn's "
            "`forwarded_allow_ips`), for the per-address sign-in throttle: addresses or networks "
            'such as `"10.0.0.0/8"`; `[]` trusts none, `["*"]` any (only when nothing else can '
            "reach the server)."
        ),
    )
    signin_free_attempts: int = key(
        5,
        "ett heltal 1–100",
        ge=1,
        le=100,
        doc="Sign-in attempts counted per username before a delay.",
    )
    signin_address_attempts: int = key(
        20,
        "ett heltal 1–100000",
        ge=1,
        le=100_000,
        doc="Sign-in attempts counted per client address before a delay.",
    )
    signin_delay_seconds: int = key(
        30,
        "ett antal sekunder 1–3600",
        ge=1,
        le=3600,
        doc="The first delay, doubling with each further attempt up to the longest.",
    )
    signin_longest_delay_minutes: int = key(
        60, "ett antal minuter 1–1440", ge=1, le=24 * 60, doc="The longest delay."
    )
    signin_record_hours: int = key(
        24,
        "ett antal timmar 1–8760",
        ge=1,
        le=8760,
        doc="Counted attempts are forgotten this long after the last one.",
    )
    signin_record_rows: int = key(
        10_000,
        "ett heltal 100–10000000",
        ge=100,
        le=10_000_000,
        doc="At most this many counted attempts are kept, the oldest unlocked ones leaving first.",
    )
    signin_threads: int = key(
        4,
        "ett heltal 1–64",
        ge=1,
        le=64,
        doc=(
            "Threads (and pooled database connections) sign-in's database steps use at once: a "
            "flood of sign-ins leaves the rest to the other pages and `/healthz`."
        ),
    )
    password_checks_at_once: int = key(
        2,
        "ett heltal 1–64",
        ge=1,
        le=64,
        doc="Passwords checked at once (each takes `password_hash_memory_kib` of memory).",
    )
    password_hash_memory_kib: int = key(
        65_536,
        "ett antal KiB 19456–4194304",
        ge=19_456,
        le=4_194_304,
        doc=(
            "argon2id's memory per password hash and check, in KiB: RFC 9106's 64 MiB by "
            "default; the least allowed is OWASP's minimum (19 MiB with 2 passes). A hash keeps "
            "the cost it was made with: a changed value holds for passwords set after it."
        ),
    )
    password_hash_passes: int = key(
        3,
        "ett heltal 2–16",
        ge=2,
        le=16,
        doc="argon2id's passes over that memory (time cost): RFC 9106's 3 by default.",
    )
    password_check_queue: int = key(
        8,
        "ett heltal 0–10000",
        ge=0,
        le=10_000,
        doc="How many more checks may wait for a turn; beyond that 503 with `Retry-After`.",
    )
    password_min_score: int = key(
        3,
        "ett heltal 3–4",
        ge=3,
        le=4,
        doc='zxcvbn\'s score a new password needs: 3 "safely unguessable", 4 "very unguessable".',
    )
    # Request limits at the edge (scheduler.web.request_limits), before uvicorn reads a request.
    max_header_bytes: int = key(
        16_384,
        "ett heltal 1024–1048576",
        ge=1024,
        le=1_048_576,
        doc="A request's header lines in bytes, trailers included; over it 431.",
    )
    max_url_bytes: int = key(
        8_192,
        "ett heltal 256–1048576",
        ge=256,
        le=1_048_576,
        doc="A request's URL in bytes; over it 414.",
    )
    max_headers: int = key(
        100, "ett heltal 10–1000", ge=10, le=1000, doc="A request's header lines; over them 431."
    )
    header_timeout_seconds: int = key(
        10,
        "ett heltal 1–300",
        ge=1,
        le=300,
        doc=(
            "Seconds for a request's head to arrive (from the connection's opening, for the first "
            "request); else 408."
        ),
    )


@dataclass(frozen=True)
class RoleConfig:
    """A configured role as the plan's readers use it: the key, a display name, the address."""

    key: str  # the name as written in config.toml, e.g. "trygghetssamordnare"
    name: str  # display name, e.g. "Trygghetssamordnare"
    person: str | None = None
    email: str | None = None
    aliases: tuple[str, ...] = ()


def section(model: type[Section], name: str) -> Any:
    """A table of the root: left out, it is its model's defaults."""
    return Field(default_factory=model, description=f"en tabell ([{name}])")


class Settings(Section):
    """The whole config.toml, validated; built once at start (`load_settings`) and passed on."""

    organisation: Organisation = section(Organisation, "organisation")
    organisations: dict[str, OrganisationEntry] = key(
        {},
        "en tabell per organisation ([organisations.<kort namn>])",
        strict=False,
        doc="Several districts in one installation: one table each, by a short name.",
    )
    database: Database = section(Database, "database")
    roles: dict[str, Role] = key(
        {},
        "en tabell per roll ([roles.<namn>])",
        strict=False,
        doc="The plan's roles, one table each.",
    )
    calendar: Calendar = section(Calendar, "calendar")
    feeds: Feeds = section(Feeds, "feeds")
    email: EmailSection = section(EmailSection, "email")
    reminders: Reminders = section(Reminders, "reminders")
    followup: Followup = section(Followup, "followup")
    plan_cycle: PlanCycle = section(PlanCycle, "plan_cycle")
    server: Server = section(Server, "server")
    limits: Limits = section(Limits, "limits")
    oidc: Oidc | None = key(
        None,
        "en tabell ([oidc])",
        doc="The one district's identity provider; with several, each has its own.",
    )
    audit: Audit = section(Audit, "audit")
    # Where the settings came from: None when there was no file (all defaults).
    _path: Path | None = PrivateAttr(None)

    @model_validator(mode="after")
    def _one_way_to_name_organisations(self) -> Settings:
        if not self.organisations:
            if self.oidc is not None and not self.organisation.name:
                raise rule(
                    "[oidc] behöver «organisation.name»: inloggningen skapar konton i "
                    "organisationen med det namnet."
                )
            return self
        if self.oidc is not None:
            raise rule(
                "[oidc] går inte ihop med «organisations»: med flera organisationer har varje "
                "[organisations.<kort namn>.oidc] sin egen identitetsleverantör."
            )
        if self.roles or self.organisation.name or self.organisation.coordinator_role:
            raise rule(
                "«organisations» och «organisation.name», «organisation.coordinator_role» eller "
                "[roles] går inte ihop: med flera organisationer har varje "
                "[organisations.<kort namn>] sitt namn, sin samordnare och sina roller."
            )
        seen: dict[str, str] = {}
        for short, entry in self.organisations.items():
            for handle in (short.casefold(), entry.name.casefold()):
                if seen.get(handle, short) != short:
                    raise rule(
                        f"«organisations.{quoted_key(short)}» och "
                        f"«organisations.{quoted_key(seen[handle])}» har samma namn: "
                        "varje organisation behöver ett eget."
                    )
                seen[handle] = short
        return self

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def several_organisations(self) -> bool:
        return bool(self.organisations)

    @property
    def organisation_names(self) -> tuple[str, ...]:
        """The organisations configured by name: every district's, or the one district's."""
        if self.organisations:
            return tuple(entry.name for entry in self.organisations.values())
        return (self.organisation.name,) if self.organisation.name else ()

    def find_organisation(self, handle: str) -> str | None:
        """The configured organisation's full name for a short name or a full name, any case."""
        wanted = handle.strip().casefold()
        for short, entry in self.organisations.items():
            if wanted in {short.casefold(), entry.name.casefold()}:
                return entry.name
        name = self.organisation.name
        if not self.organisations and name and wanted == name.casefold():
            return name
        return None

    def for_organisation(self, name: str) -> Settings:
        """The settings as one organisation sees them: its name, coordinator, roles and address
        in [organisation] and [roles], and no other organisation's. With one district configured
        that is these settings, for a plan of its name (or any plan when no name is given); a
        plan of another name sees no roles, so no address of this district is ever used for it.
        """
        if not self.organisations:
            if self.organisation.name in (None, name):
                return self
            return self.model_copy(update={
                "organisation": self.organisation.model_copy(update={"name": name, "coordinator_role": None}),
                "roles": {},
            })  # fmt: skip
        full = self.find_organisation(name)
        entry = next((e for e in self.organisations.values() if e.name == full), None)
        if entry is None:
            return self.model_copy(update={
                "organisation": self.organisation.model_copy(update={"name": name}),
                "organisations": {},
            })  # fmt: skip
        return self.model_copy(update={
            "organisation": self.organisation.model_copy(update={
                "name": entry.name, "coordinator_role": entry.coordinator_role,
                "email": entry.email or self.organisation.email,
            }),
            "roles": entry.roles,
            "organisations": {},
            "plan_cycle": _over(self.plan_cycle, entry.plan_cycle),
            "followup": _over(self.followup, entry.followup),
        })  # fmt: skip

    @property
    def identity_providers(self) -> dict[str, Oidc]:
        """Each organisation that signs in through its own provider: its full name -> [oidc]."""
        if not self.organisations:
            name = self.organisation.name
            return {name: self.oidc} if self.oidc is not None and name else {}
        return {e.name: e.oidc for e in self.organisations.values() if e.oidc is not None}

    @property
    def database_url(self) -> str:
        return self.database.url

    @property
    def base_url(self) -> str:
        return self.organisation.base_url

    @property
    def all_roles(self) -> tuple[RoleConfig, ...]:
        return tuple(
            RoleConfig(key=name, name=role.name or name[:1].upper() + name[1:],
                       person=role.person, email=role.email, aliases=role.aliases)
            for name, role in self.roles.items()
        )  # fmt: skip

    def role(self, name: str) -> RoleConfig | None:
        wanted = name.casefold()
        for role in self.all_roles:
            if wanted in {role.key.casefold(), role.name.casefold()}:
                return role
        return None


_S = TypeVar("_S", bound=Section)


def _over(shared: _S, own: _S | None) -> _S:
    """A district's table over the shared one: the keys it gives, the shared values elsewhere."""
    if own is None:
        return shared
    return shared.model_copy(update={name: getattr(own, name) for name in own.model_fields_set})
