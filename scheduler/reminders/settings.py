"""[reminders] and [email] in config.toml, validated at start (a bad address fails here, not at
the first send)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path

from scheduler.base.errors import ConfigError
from scheduler.mail.render import address
from scheduler.settings.config import Config
from scheduler.settings.spec import boolean, choice, clock, days_list, integer, read_table, text


@dataclass(frozen=True)
class ReminderSettings:
    meeting_days: tuple[int, ...] = (14, 2)
    task_long_days: tuple[int, ...] = (28, 0)
    task_short_days: tuple[int, ...] = (7, 0)
    long_period_days: int = 45  # a task whose series repeats less often than this is "long"
    send_time: time = time(8, 0)
    held_question: bool = True  # ask the convener after each meeting whether it was held
    overdue_days: int = 1  # the nudge after a task's due day
    digest: str = "off"  # "off", "also" (beside single reminders) or "instead"
    digest_weeks: int = 3
    max_per_pass: int = 20  # the bounded rate: at most this many sends per dispatcher pass
    retry_minutes: tuple[int, ...] = (2, 10, 30, 120, 480)
    claim_minutes: int = 10  # a claim older than this is taken to be a crashed dispatcher's
    link_days: int = 30  # how long an answer link stays valid after the meeting

    @classmethod
    def from_config(cls, config: Config) -> ReminderSettings:
        v = read_table(config.table("reminders"), "reminders", {
            "meeting_days": (days_list(), [14, 2]),
            "task_long_days": (days_list(), [28, 0]),
            "task_short_days": (days_list(), [7, 0]),
            "long_period_days": (integer(1, 366), 45),
            "send_time": (clock(), "08:00"),
            "held_question": (boolean(), True),
            "overdue_days": (integer(0, 60), 1),
            "digest": (choice("off", "also", "instead"), "off"),
            "digest_weeks": (integer(1, 12), 3),
            "max_per_pass": (integer(1, 10_000), 20),
            "retry_minutes": (days_list(), [2, 10, 30, 120, 480]),
            "claim_minutes": (integer(1, 24 * 60), 10),
            "link_days": (integer(1, 365), 30),
        })  # fmt: skip
        hours, minutes = (int(part) for part in v["send_time"].split(":"))
        return cls(
            meeting_days=tuple(v["meeting_days"]), task_long_days=tuple(v["task_long_days"]),
            task_short_days=tuple(v["task_short_days"]), long_period_days=v["long_period_days"],
            send_time=time(hours, minutes), held_question=v["held_question"],
            overdue_days=v["overdue_days"], digest=v["digest"], digest_weeks=v["digest_weeks"],
            max_per_pass=v["max_per_pass"], retry_minutes=tuple(v["retry_minutes"]) or (5,),
            claim_minutes=v["claim_minutes"], link_days=v["link_days"],
        )  # fmt: skip

    def retry_delay(self, attempts: int) -> timedelta:
        index = min(attempts, len(self.retry_minutes)) - 1
        return timedelta(minutes=self.retry_minutes[max(index, 0)])

    @property
    def max_attempts(self) -> int:
        return len(self.retry_minutes) + 1


@dataclass(frozen=True)
class EmailSettings:
    backend: str  # "file" or "smtp"
    sender: str
    sender_name: str
    outbox_dir: Path
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_security: str = "starttls"  # "starttls", "tls" or "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    timeout_seconds: int = 30
    smtp_ca_file: Path | None = None  # a private CA to trust, for an internal relay

    @classmethod
    def from_config(
        cls, config: Config, *, environ: Mapping[str, str] | None = None
    ) -> EmailSettings:
        env = os.environ if environ is None else environ
        v = read_table(config.table("email"), "email", {
            "backend": (choice("file", "smtp"), "file"),
            "from": (text(), None),
            "from_name": (text(), None),
            "outbox_dir": (text(), "outbox"),
            "smtp_host": (text(), "localhost"),
            "smtp_port": (integer(1, 65535), 587),
            "smtp_security": (choice("starttls", "tls", "none"), "starttls"),
            "smtp_username": (text(), None),
            "smtp_password_env": (text(), None),
            "timeout_seconds": (integer(1, 600), 30),
            "smtp_ca_file": (text(), None),
        })  # fmt: skip
        if v["smtp_security"] == "none" and v["smtp_username"]:
            # A login over a plain connection sends the password in clear, whatever the host.
            raise ConfigError(
                '«email.smtp_security» = "none" med «email.smtp_username»: lösenordet skulle '
                'skickas okrypterat. Välj "starttls" eller "tls", eller ta bort smtp_username.'
            )
        sender = v["from"] or config.email
        try:
            address(sender)  # a malformed sender is reported now, with its key
        except ConfigError:
            key = "email.from" if v["from"] else "organisation.email"
            raise ConfigError(f"«{key}» är ingen giltig e-postadress: {sender!r}.") from None
        password = None
        if v["smtp_password_env"]:
            password = env.get(v["smtp_password_env"])
            if password is None and v["backend"] == "smtp":
                raise ConfigError(
                    f"«email.smtp_password_env» pekar på miljövariabeln {v['smtp_password_env']}, som inte är satt."
                )
        base = config.path.parent if config.path else Path.cwd()
        ca_file = (base / v["smtp_ca_file"]).resolve() if v["smtp_ca_file"] else None
        if ca_file is not None and not ca_file.is_file():
            raise ConfigError(f"«email.smtp_ca_file»: filen {ca_file} finns inte.")
        return cls(
            backend=v["backend"], sender=sender,
            sender_name=v["from_name"] or config.organisation_name or "Åtgärdsplanen",
            outbox_dir=(base / v["outbox_dir"]).resolve(), smtp_host=v["smtp_host"],
            smtp_port=v["smtp_port"], smtp_security=v["smtp_security"],
            smtp_username=v["smtp_username"], smtp_password=password,
            timeout_seconds=v["timeout_seconds"], smtp_ca_file=ca_file,
        )  # fmt: skip


def check_role_addresses(config: Config) -> None:
    """Every configured address parses: a typo is reported at start, not at the first send."""
    for role in config.roles:
        if role.email:
            try:
                address(role.email, role.name)
            except ConfigError:
                raise ConfigError(
                    f"«roles.{role.key}.email» är ingen giltig e-postadress: {role.email!r}."
                ) from None
