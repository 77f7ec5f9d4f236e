"""argparse in Swedish: usage, section titles, help and every parse error.

argparse translates through the process-wide gettext domain, which would mean changing global
state for every library. Instead the parser translates what it shows: the usage prefix and the
section titles through its formatter and groups, and each error message at the one place argparse
reports it (`error`), with a catalog keyed by argparse's own message ids, like a .po file. A
message not in the catalog is shown as argparse wrote it.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from scheduler.base.errors import UsageError

# argparse's msgids (Python 3.11–3.13) → Swedish, with the same placeholders.
CATALOG: Mapping[str, str] = {
    "argument %(argument_name)s: %(message)s": "argumentet %(argument_name)s: %(message)s",
    "the following arguments are required: %s": "följande argument krävs: %s",
    "unrecognized arguments: %s": "okänt argument: %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "ogiltigt val: %(value)r (välj bland %(choices)s)",
    "invalid %(type)s value: %(value)r": "ogiltigt värde (%(type)s): %(value)r",
    "expected one argument": "ett värde behövs",
    "expected at most one argument": "högst ett värde",
    "expected at least one argument": "minst ett värde behövs",
    "expected %s argument": "%s värde behövs",
    "expected %s arguments": "%s värden behövs",
    "one of the arguments %s is required": "ett av argumenten %s krävs",
    "not allowed with argument %s": "går inte ihop med argumentet %s",
    "ignored explicit argument %r": "flaggan tar inget värde: %r",
    "ambiguous option: %(option)s could match %(matches)s":
        "flaggan %(option)s är tvetydig: den kan vara %(matches)s",
    "unexpected option string: %s": "oväntad flagga: %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "okänt kommando %(parser_name)r (välj bland %(choices)s)",
}  # fmt: skip

USAGE = "användning: "
POSITIONALS = "argument"
OPTIONALS = "flaggor"
HELP = "visa den här hjälpen och avsluta"

_PLACEHOLDER = re.compile(r"%\((\w+)\)[sr]|%[sr]")


def _compile(msgid: str) -> tuple[re.Pattern[str], list[str]]:
    """A pattern matching the formatted message, and its placeholders in order."""
    names: list[str] = []
    pattern = ""
    position = 0
    for match in _PLACEHOLDER.finditer(msgid):
        pattern += re.escape(msgid[position : match.start()])
        name = match.group(1) or f"_{len(names)}"
        names.append(name)
        pattern += f"(?P<{name}>.*?)"
        position = match.end()
    pattern += re.escape(msgid[position:])
    return re.compile(f"^{pattern}$", re.DOTALL), names


_COMPILED_CATALOG = [(_compile(msgid), msgstr) for msgid, msgstr in CATALOG.items()]


def translate(message: str) -> str:
    """argparse's English message in Swedish; an argument's inner message is translated too."""
    for (pattern, names), msgstr in _COMPILED_CATALOG:
        found = pattern.match(message)
        if found:
            values = {name: found.group(name) for name in names}
            if "message" in values:
                values["message"] = translate(values["message"])
            return _fill(msgstr, values)
    return message


def _fill(msgstr: str, values: Mapping[str, str]) -> str:
    """Placeholders replaced: named ones by name, `%s` ones in order (named `_0`, `_1`, …)."""
    positional = iter(value for name, value in values.items() if name.startswith("_"))
    return _PLACEHOLDER.sub(
        lambda m: values[m.group(1)] if m.group(1) else next(positional), msgstr
    )


class SwedishHelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class SwedishParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Swedish and reports errors as `UsageError` (exit code 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", SwedishHelpFormatter)
        add_help = kwargs.get("add_help", True)
        kwargs["add_help"] = False  # added below, with a Swedish help text
        super().__init__(*args, **kwargs)
        self._positionals.title = POSITIONALS
        self._optionals.title = OPTIONALS
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help=HELP)

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {translate(message)} (se «{self.prog} --help»)")
