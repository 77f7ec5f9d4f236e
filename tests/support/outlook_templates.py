"""Does an RRULE fit one of Outlook's recurrence templates? ([MS-OXCICAL] section 2.1.3.2.2)

Written from the specification's ABNF, apart from the scheduler's own code, so that the tests
hold what the feeds write to what Outlook maps, not to themselves
(https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxcical/2b9345c9-6cd6-494e-9b28-473d61ac44e4):

    common-parts   = [interval-part] [byhour-part] [byminute-part] [(until-part / count-part)]
                     [wkst-part]
    count-part     = ";COUNT=" 1*3DIGIT
    bymonthday-part= ";BYMONTHDAY=" ["-"]1*2DIGIT
    bysetpos-part  = ";BYSETPOS=" weeknum          ; weeknum = "-1" / "1" / "2" / "3" / "4"
    2.1.3.2.2.1 daily-template      = "FREQ=DAILY" [common-parts]
    2.1.3.2.2.2 weekly-template     = "FREQ=WEEKLY" [byday-part] [common-parts]
                                      ; BYDAY "MUST be week independent": no ordinals
    2.1.3.2.2.3 monthly-template    = "FREQ=MONTHLY" [bymonthday-part] [common-parts]
    2.1.3.2.2.4 monthlynth-template = "FREQ=MONTHLY" byday-nth-part bysetpos-part [common-parts]
    2.1.3.2.2.5 yearly-template     = "FREQ=YEARLY" bymonthday-part bymonth-part [common-parts]
    2.1.3.2.2.6 yearlynth-template  = "FREQ=YEARLY" byday-nth-part bysetpos-part bymonth-part
                                      [common-parts]

RFC 5545 lets a rule's parts come in any order, so they are compared as a set of names. The nth
templates are held to one weekday ("the 2nd Tuesday"), the form issue 27 asks for; the
specification would also take a set ("the last weekday").
"""

from __future__ import annotations

import re

WEEKDAY = r"(?:SU|MO|TU|WE|TH|FR|SA)"
_VALUES = {
    "INTERVAL": r"[1-9]\d*",
    "BYHOUR": r"\d{1,2}",
    "BYMINUTE": r"\d{1,2}",
    "COUNT": r"\d{1,3}",
    "UNTIL": r"\d{8}(?:T\d{6}Z?)?",
    "WKST": WEEKDAY,
    "BYMONTHDAY": r"-?\d{1,2}",
    "BYMONTH": r"\d{1,2}",
    "BYSETPOS": r"-1|[1-4]",
}
_COMMON = {"INTERVAL", "BYHOUR", "BYMINUTE", "COUNT", "UNTIL", "WKST"}
# (name, frequency, parts it must have, parts it may have besides the common ones, BYDAY form)
_TEMPLATES: tuple[tuple[str, str, set[str], set[str], str | None], ...] = (
    ("2.1.3.2.2.1 daily", "DAILY", set(), set(), None),
    ("2.1.3.2.2.2 weekly", "WEEKLY", set(), {"BYDAY"}, rf"{WEEKDAY}(?:,{WEEKDAY})*"),
    ("2.1.3.2.2.3 monthly", "MONTHLY", set(), {"BYMONTHDAY"}, None),
    ("2.1.3.2.2.4 monthly nth", "MONTHLY", {"BYDAY", "BYSETPOS"}, set(), WEEKDAY),
    ("2.1.3.2.2.5 yearly", "YEARLY", {"BYMONTHDAY", "BYMONTH"}, set(), None),
    ("2.1.3.2.2.6 yearly nth", "YEARLY", {"BYDAY", "BYSETPOS", "BYMONTH"}, set(), WEEKDAY),
)


def outlook_template(rrule: str) -> str | None:
    """The template `rrule` (without "RRULE:") fits, or None."""
    parts: dict[str, str] = {}
    for part in rrule.strip().split(";"):
        name, sep, value = part.partition("=")
        if not sep or name.upper() in parts:
            return None
        parts[name.upper()] = value.upper()
    frequency = parts.pop("FREQ", None)
    if "COUNT" in parts and "UNTIL" in parts:
        return None
    for name, wanted, needed, allowed, byday in _TEMPLATES:
        if frequency != wanted or not needed <= set(parts) <= needed | allowed | _COMMON:
            continue
        if all(_fits(key, value, byday) for key, value in parts.items()):
            return name
    return None


def _fits(name: str, value: str, byday: str | None) -> bool:
    if name == "BYDAY":
        return byday is not None and re.fullmatch(byday, value) is not None
    pattern = _VALUES.get(name)
    if pattern is None or re.fullmatch(pattern, value) is None:
        return False
    limits = {"BYMONTHDAY": (-1, 31), "BYMONTH": (1, 12), "BYHOUR": (0, 23), "BYMINUTE": (0, 59)}
    if name not in limits:
        return True
    low, high = limits[name]
    return low <= int(value) <= high and not (name == "BYMONTHDAY" and int(value) == 0)
