"""Real calendar parsers for the feed tests: does a client read our .ics as we mean it?

Three readers, one result shape:

* ``icaljs_expand`` - ical.js (the parser in Thunderbird), through node and
  ``icaljs_expand.mjs``; ical.js is pinned in ``package.json`` and installed
  into ``tests/clients/node_modules`` by ``install.sh``;
* ``libical_expand`` - libical 3 (Evolution and other GNOME/KDE backends),
  through Debian's ``/usr/bin/python3`` with PyGObject and ``libical_expand.py``;
* ``python_expand`` - ``icalendar`` + ``recurring-ical-events`` from the venv,
  in process.

Each returns a :class:`ClientResult`: the parser's ``errors`` (an empty list
means it read the file without complaint), the event occurrences and the
to-dos inside the window, sorted by (start, uid). Rules shared by all three:

* an occurrence is listed iff ``start <= its start < end``; DATE values and
  floating times are compared as if they were UTC;
* ``start_utc``/``end_utc``/``due_utc`` are ``"YYYY-MM-DDTHH:MM:SSZ"`` for
  zoned and UTC times, ``"YYYY-MM-DD"`` for DATE values and
  ``"YYYY-MM-DDTHH:MM:SS"`` (no ``Z``) for floating times;
* a TZID that no VTIMEZONE of the file defines is an error (RFC 5545 3.2.19);
  clients then guess from their own zone database, or treat it as floating;
* a VTODO is listed once (its RRULE is not expanded) if its DUE (or DTSTART
  when it has no DUE) is in the window or it has neither.

Known differences between the readers (pinned by tests/test_clients_harness.py):

* ``python_expand`` ignores the file's VTIMEZONE for any TZID that zoneinfo
  knows (``Europe/Stockholm``): icalendar uses the system's tz database then,
  so only ical.js and libical show what a broken VTIMEZONE does;
* ``python_expand`` reports the highest SEQUENCE of a series on every
  occurrence (recurring-ical-events does so on purpose);
* ``libical_expand`` also runs libical's restriction check (RFC 5546 iTIP
  rules for the calendar's METHOD): with ``METHOD:PUBLISH`` every VEVENT needs
  DTSTAMP, DTSTART, ORGANIZER and UID, and every VTODO also needs PRIORITY,
  SUMMARY and DTSTART; without METHOD nothing is checked;
* ical.js is lenient: a value that is not a number in an INTEGER property
  (``SEQUENCE:two``) reads as 0 and a mismatched END is accepted silently;
* ical.js 2.2.1 rolls a yearly 29 February over to 1 March in other years
  (libical and recurring-ical-events skip those years, as RFC 5545 says);
* ical.js 2.2.1 reads only the first value of each RDATE property inside a
  VTIMEZONE observance and ignores the DTSTART of an observance that has
  RDATEs: the VTIMEZONE icalendar 7.3 writes (all changes on one RDATE line)
  loses every summer time after 1981 there. One RDATE per line, or RRULE.

A missing tool is an error of the run, not of the feed: the runners raise
:class:`ClientUnavailable` or :class:`ClientFailed`, with the tool's stderr.
Tests call :func:`require_clients` first: it skips with the reason outside
CI and fails under ``CI=true``. ``bash tests/clients/install.sh`` installs all.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "CLIENTS",
    "CLIENTS_DIR",
    "ClientEvent",
    "ClientFailed",
    "ClientResult",
    "ClientTodo",
    "ClientUnavailable",
    "available",
    "expand_all",
    "icaljs_expand",
    "icaljs_expand_many",
    "libical_expand",
    "libical_expand_many",
    "python_expand",
    "python_expand_many",
    "require_clients",
]

CLIENTS_DIR = Path(__file__).resolve().parent
ICALJS_SCRIPT = CLIENTS_DIR / "icaljs_expand.mjs"
LIBICAL_SCRIPT = CLIENTS_DIR / "libical_expand.py"
SYSTEM_PYTHON = "/usr/bin/python3"
INSTALL_HINT = "run `bash tests/clients/install.sh`"
CLIENTS = ("icaljs", "libical", "python")
# One call takes well under a second; the limit only catches a hung tool.
TIMEOUT_SECONDS = 60.0

Window = tuple[bytes | str, datetime | date, datetime | date]


class ClientUnavailable(RuntimeError):
    """The calendar client is not installed (see :func:`available`)."""


class ClientFailed(RuntimeError):
    """The calendar client crashed, hung or printed something that is not a result."""


@dataclass(frozen=True)
class ClientEvent:
    uid: str | None
    start_utc: str
    end_utc: str | None
    summary: str | None
    status: str | None
    sequence: int | None
    all_day: bool


@dataclass(frozen=True)
class ClientTodo:
    uid: str | None
    start_utc: str | None
    due_utc: str | None
    summary: str | None
    status: str | None
    sequence: int | None
    all_day: bool


@dataclass(frozen=True)
class ClientResult:
    client: str
    errors: list[str] = field(default_factory=list)
    events: list[ClientEvent] = field(default_factory=list)
    todos: list[ClientTodo] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def starts(self, uid: str | None = None) -> list[str]:
        """start_utc of every event occurrence (of one UID if given), in order."""
        return [e.start_utc for e in self.events if uid is None or e.uid == uid]

    def instants(self) -> list[tuple[str | None, str, str | None]]:
        """(uid, start_utc, end_utc) of every occurrence: what to compare across clients."""
        return [(e.uid, e.start_utc, e.end_utc) for e in self.events]

    @classmethod
    def from_json(cls, client: str, data: dict[str, Any]) -> ClientResult:
        return cls(
            client=client,
            errors=[str(e) for e in data["errors"]],
            events=[ClientEvent(**e) for e in data["events"]],
            todos=[ClientTodo(**t) for t in data["todos"]],
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------
# availability


def _icaljs_problem() -> str | None:
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        return f"node is not installed; {INSTALL_HINT}"
    installed = CLIENTS_DIR / "node_modules" / "ical.js" / "package.json"
    if not installed.is_file():
        return f"ical.js is not installed in {CLIENTS_DIR / 'node_modules'}; {INSTALL_HINT}"
    wanted = json.loads((CLIENTS_DIR / "package.json").read_text())["dependencies"]["ical.js"]
    have = json.loads(installed.read_text()).get("version")
    if have != wanted:
        return f"ical.js {have} is installed but package.json pins {wanted}; {INSTALL_HINT}"
    return None


def _libical_problem() -> str | None:
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        return f"{SYSTEM_PYTHON} is missing; {INSTALL_HINT}"
    probe = (
        "import gi; gi.require_version('ICalGLib', '3.0'); "
        "from gi.repository import ICalGLib; ICalGLib.Component.new_vcalendar()"
    )
    try:
        proc = subprocess.run(
            [SYSTEM_PYTHON, "-c", probe],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{SYSTEM_PYTHON} cannot run: {exc}"
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return (
            f"libical through PyGObject is not usable ({last}); needs Debian packages "
            f"libical3 gir1.2-ical-3.0 python3-gi; {INSTALL_HINT}"
        )
    return None


def _python_problem() -> str | None:
    try:
        import icalendar  # noqa: F401
        import recurring_ical_events  # noqa: F401
    except ImportError as exc:
        return f"{exc}; install the project's test extras into the venv"
    return None


@functools.cache
def available() -> dict[str, str | None]:
    """Client name -> None when usable, else why not. Cached for the session."""
    return {
        "icaljs": _icaljs_problem(),
        "libical": _libical_problem(),
        "python": _python_problem(),
    }


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_clients(*names: str) -> None:
    """Skip (outside CI) or fail (CI=true) the calling test unless the clients are usable.

    Without names, requires all of :data:`CLIENTS`.
    """
    import pytest

    wanted = names or CLIENTS
    unknown = [n for n in wanted if n not in CLIENTS]
    if unknown:
        raise ValueError(f"unknown clients {unknown}; known: {CLIENTS}")
    state = available()
    missing = {n: state[n] for n in wanted if state[n] is not None}
    if not missing:
        return
    reason = "calendar clients unavailable: " + "; ".join(
        f"{n}: {why}" for n, why in missing.items()
    )
    if _in_ci():
        pytest.fail(reason + " (CI=true: missing clients fail the run)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------
# running


def _utc_text(value: datetime | date) -> str:
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"window bound {value!r} must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(ics: bytes | str) -> str:
    return ics.decode("utf-8") if isinstance(ics, bytes) else ics


def _run_batch(client: str, argv: list[str], jobs: Sequence[Window]) -> list[ClientResult]:
    problem = available()[client]
    if problem is not None:
        raise ClientUnavailable(f"{client}: {problem}")
    payload = json.dumps(
        [{"ics": _text(ics), "start": _utc_text(s), "end": _utc_text(e)} for ics, s, e in jobs]
    )
    command = [*argv, "--batch"]
    try:
        proc = subprocess.run(
            command,
            input=payload.encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            cwd=CLIENTS_DIR,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ClientUnavailable(f"{client}: {exc}; {INSTALL_HINT}") from exc
    except subprocess.TimeoutExpired as exc:
        stderr = (exc.stderr or b"").decode("utf-8", "replace")
        raise ClientFailed(
            f"{client}: {' '.join(command)} did not finish in {TIMEOUT_SECONDS}s; stderr:\n{stderr}"
        ) from exc
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise ClientFailed(
            f"{client}: {' '.join(command)} exited {proc.returncode}; stderr:\n{stderr}"
        )
    try:
        data = json.loads(proc.stdout)
        results = [ClientResult.from_json(client, item) for item in data]
    except (ValueError, KeyError, TypeError) as exc:
        raise ClientFailed(
            f"{client}: unreadable output ({exc}): {proc.stdout[:2000]!r}; stderr:\n{stderr}"
        ) from exc
    if len(results) != len(jobs):
        raise ClientFailed(f"{client}: {len(results)} results for {len(jobs)} files")
    return results


def icaljs_expand_many(jobs: Iterable[Window]) -> list[ClientResult]:
    """ical.js on several (ics, start, end) at once: one node process."""
    jobs = list(jobs)
    node = shutil.which("node") or shutil.which("nodejs") or "node"
    return _run_batch("icaljs", [node, str(ICALJS_SCRIPT)], jobs) if jobs else []


def libical_expand_many(jobs: Iterable[Window]) -> list[ClientResult]:
    """libical on several (ics, start, end) at once: one /usr/bin/python3 process."""
    jobs = list(jobs)
    return _run_batch("libical", [SYSTEM_PYTHON, str(LIBICAL_SCRIPT)], jobs) if jobs else []


def icaljs_expand(ics: bytes | str, start: datetime | date, end: datetime | date) -> ClientResult:
    """What Thunderbird's parser (ical.js) reads from ics between start and end."""
    return icaljs_expand_many([(ics, start, end)])[0]


def libical_expand(ics: bytes | str, start: datetime | date, end: datetime | date) -> ClientResult:
    """What libical (Evolution) reads from ics between start and end."""
    return libical_expand_many([(ics, start, end)])[0]


# --------------------------------------------------------------------------
# icalendar + recurring-ical-events, in process


def _py_value(value: Any) -> datetime | date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo is not None else value
    if isinstance(value, date):
        return value
    raise TypeError(f"not a DATE or DATE-TIME: {value!r}")


def _py_key(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return (
            value.replace(tzinfo=None)
            if value.tzinfo is None
            else value.astimezone(UTC).replace(tzinfo=None)
        )
    return datetime(value.year, value.month, value.day)


def _py_fmt(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if value.tzinfo else "")
    return value.isoformat()


def _py_label(comp: Any) -> str:
    text = f"{comp.name} {comp.get('UID', '(no UID)')}"
    if "RECURRENCE-ID" in comp:
        text += f" RECURRENCE-ID={comp['RECURRENCE-ID'].to_ical().decode()}"
    return text


def _py_fields(comp: Any) -> dict[str, Any]:
    status = comp.get("STATUS")
    sequence = comp.get("SEQUENCE")
    summary = comp.get("SUMMARY")
    uid = comp.get("UID")
    return {
        "uid": None if uid is None else str(uid),
        "summary": None if summary is None else str(summary),
        "status": None if status is None else str(status),
        "sequence": None if sequence is None else int(sequence),
    }


def _py_dt(comp: Any, name: str) -> datetime | date | None:
    prop = comp.get(name)
    return None if prop is None else _py_value(prop.dt)


def _py_missing_tzids(comp: Any, defined: set[str], errors: list[str]) -> None:
    for name, prop in comp.property_items(recursive=False):
        params = getattr(prop, "params", None)
        tzid = params.get("TZID") if params is not None else None
        if tzid and tzid not in defined:
            errors.append(f"{_py_label(comp)}: {name} TZID={tzid} has no VTIMEZONE")
    for sub in comp.subcomponents:
        _py_missing_tzids(sub, defined, errors)


def _python_one(ics: bytes | str, start: datetime | date, end: datetime | date) -> ClientResult:
    import icalendar
    import recurring_ical_events

    win_start = datetime.fromisoformat(_utc_text(start).replace("Z", "")).replace(tzinfo=None)
    win_end = datetime.fromisoformat(_utc_text(end).replace("Z", "")).replace(tzinfo=None)
    errors: list[str] = []
    events: list[ClientEvent] = []
    todos: list[ClientTodo] = []
    try:
        calendars = icalendar.Calendar.from_ical(ics, multiple=True)
    except Exception as exc:  # icalendar raises ValueError, KeyError, IndexError ...
        return ClientResult("python", [f"parse: {type(exc).__name__}: {exc}"])
    if not calendars:
        return ClientResult("python", ["parse: no component found"])

    def in_window(value: datetime | date) -> bool:
        return win_start <= _py_key(value) < win_end

    for cal in calendars:
        if cal.name != "VCALENDAR":
            errors.append(f"parse: top-level component is {cal.name}, not VCALENDAR")
            continue
        for comp in cal.walk():
            errors.extend(f"{_py_label(comp)}: {name}: {msg}" for name, msg in comp.errors)
        defined = {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE") if "TZID" in tz}
        _py_missing_tzids(cal, defined, errors)
        try:
            margin = timedelta(days=2)
            query = recurring_ical_events.of(cal)
            occurrences = query.between(
                (win_start - margin).replace(tzinfo=UTC),
                (win_end + margin).replace(tzinfo=UTC),
            )
            for occ in occurrences:
                occ_start = _py_dt(occ, "DTSTART")
                if occ_start is None or not in_window(occ_start):
                    continue
                occ_end = _py_dt(occ, "DTEND")
                if occ_end is None and "DURATION" in occ:
                    occ_end = occ_start + occ["DURATION"].dt
                events.append(
                    ClientEvent(
                        **_py_fields(occ),
                        start_utc=_py_fmt(occ_start) or "",
                        end_utc=_py_fmt(occ_end),
                        all_day=not isinstance(occ_start, datetime),
                    )
                )
        except Exception as exc:  # a bad series raises from deep inside the library
            errors.append(f"recurring-ical-events: {type(exc).__name__}: {exc}")
        for todo in cal.walk("VTODO"):
            try:
                t_start = _py_dt(todo, "DTSTART")
                t_due = _py_dt(todo, "DUE")
            except (TypeError, ValueError) as exc:
                errors.append(f"{_py_label(todo)}: {exc}")
                continue
            ref = t_due if t_due is not None else t_start
            if ref is not None and not in_window(ref):
                continue
            todos.append(
                ClientTodo(
                    **_py_fields(todo),
                    start_utc=_py_fmt(t_start),
                    due_utc=_py_fmt(t_due),
                    all_day=ref is not None and not isinstance(ref, datetime),
                )
            )
    events.sort(key=lambda e: (e.start_utc, e.uid or "", e.end_utc or ""))
    todos.sort(key=lambda t: (t.due_utc or "", t.start_utc or "", t.uid or ""))
    return ClientResult("python", errors, events, todos)


def python_expand(ics: bytes | str, start: datetime | date, end: datetime | date) -> ClientResult:
    """What icalendar + recurring-ical-events (the venv's Python stack) read from ics."""
    problem = available()["python"]
    if problem is not None:
        raise ClientUnavailable(f"python: {problem}")
    return _python_one(ics, start, end)


def python_expand_many(jobs: Iterable[Window]) -> list[ClientResult]:
    return [python_expand(ics, s, e) for ics, s, e in jobs]


_MANY = {
    "icaljs": icaljs_expand_many,
    "libical": libical_expand_many,
    "python": python_expand_many,
}


def expand_all(
    ics: bytes | str,
    start: datetime | date,
    end: datetime | date,
    clients: Sequence[str] = CLIENTS,
) -> dict[str, ClientResult]:
    """Every client's reading of one file: {client name: result}."""
    return {name: _MANY[name]([(ics, start, end)])[0] for name in clients}
