"""How mail leaves: the delivery's view of [email] and [organisation], built from the validated
settings (scheduler.settings), so a bad address or a missing password fails at start."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scheduler.settings.model import Settings


@dataclass(frozen=True)
class EmailSettings:
    """The keys of [email] (their defaults and meaning: scheduler.settings.model.EmailSection)
    with the sender resolved, made only by `from_settings`."""

    backend: str  # "file" or "smtp"
    sender: str
    sender_name: str
    outbox_dir: Path
    smtp_host: str
    smtp_port: int
    smtp_security: str  # "starttls", "tls" or "none"
    smtp_username: str | None
    smtp_password: str | None
    timeout_seconds: int
    smtp_ca_file: Path | None  # a private CA to trust, for an internal relay

    @classmethod
    def from_settings(cls, settings: Settings) -> EmailSettings:
        email = settings.email
        return cls(
            backend=email.backend, sender=email.from_ or settings.organisation.email,
            sender_name=email.from_name or settings.organisation.name or "Åtgärdsplanen",
            outbox_dir=email.outbox_dir, smtp_host=email.smtp_host, smtp_port=email.smtp_port,
            smtp_security=email.smtp_security, smtp_username=email.smtp_username,
            smtp_password=email.smtp_password, timeout_seconds=email.timeout_seconds,
            smtp_ca_file=email.smtp_ca_file,
        )  # fmt: skip
