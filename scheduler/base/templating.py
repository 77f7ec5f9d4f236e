"""Jinja2 environments for the web pages, the emails and the reports, from the package's
templates/ folder (loaded as package data, so a normal install has them)."""

from __future__ import annotations

from datetime import date, datetime
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from scheduler.base.caches import memo
from scheduler.base.markdown_text import markdown_block, markdown_inline
from scheduler.base.swedish import MONTH_WORDS, WEEKDAY_WORDS, count, noun
from scheduler.base.time import STOCKHOLM

# Package data: a normal (not editable) install has the templates too.
TEMPLATES = files("scheduler") / "templates"


def swedish_date(value: object) -> str:
    """ "tisdag 10 september 2024" """
    if isinstance(value, datetime):  # a naive one is taken as local time
        value = value.astimezone(STOCKHOLM).date()
    if not isinstance(value, date):
        return str(value)
    return _date_words(value)


def swedish_time(value: object) -> str:
    if isinstance(value, datetime):
        return _clock(value)
    return str(value)


def _date_words(day: date) -> str:
    return f"{WEEKDAY_WORDS[day.weekday()]} {day.day} {MONTH_WORDS[day.month - 1]} {day.year}"


def _clock(moment: datetime) -> str:
    """Stockholm's clock at an aware moment; a naive one is taken as local time."""
    return moment.astimezone(STOCKHOLM).strftime("%H:%M")


@memo("templates.environment")
def environment(kind: str) -> Environment:
    """`kind` is a folder under templates/: "web" or "emails". HTML is escaped; text is not."""
    env = Environment(
        loader=PackageLoader("scheduler", f"templates/{kind}"),
        autoescape=select_autoescape(
            enabled_extensions=("html",), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # The templates are package data and do not change while a process runs: no stat of
        # the file at every use (an import plans tens of thousands of subjects).
        auto_reload=False,
    )
    env.filters["datum"] = swedish_date
    env.filters["tid"] = swedish_time
    env.filters["md"] = markdown_inline  # plan and answer text in a Markdown line
    env.filters["md_block"] = markdown_block  # ... as Markdown paragraphs
    # Agreement with a count: {{ n|antal("åtgärd") }} → "1 åtgärd" / "2 åtgärder";
    # {{ n|form("inskickad", "inskickade") }} → the word alone.
    env.filters["antal"] = count
    env.filters["form"] = noun
    return env
