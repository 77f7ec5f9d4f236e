"""Delivery backends: SMTP (STARTTLS, TLS or plain, with login) and a file outbox (one .eml per
message in a folder, what the embedded default uses so `make run` shows real messages).

A failed delivery says whether trying again may help: temporary (4xx, connection trouble) or
permanent (5xx), with the server's own answer.
"""

from __future__ import annotations

import base64
import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

from scheduler.mail.settings import EmailSettings


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Delivery(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class FileDelivery:
    """Writes each message to `<folder>/<message-id>.eml`, atomically; the same message twice
    (a resend after a crash) overwrites itself rather than piling up."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        try:
            self._write(message)
        except OSError as exc:  # a folder that is a file, not writable, a full disk: retried later
            reason = exc.strerror or exc.__class__.__name__
            raise DeliveryError(
                f"Utkorgen {self.folder} går inte att skriva till: {reason}.", permanent=False
            ) from None

    def _write(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = str(message["Message-ID"]).strip("<>").split("@")[0] + ".eml"
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".eml")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(bytes(message))
            os.replace(temporary, self.folder / name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class SmtpDelivery:
    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings

    def _tls(self) -> ssl.SSLContext:
        # Certificates are always verified; a relay with a private CA names it in smtp_ca_file.
        return ssl.create_default_context(
            cafile=str(self.settings.smtp_ca_file) if self.settings.smtp_ca_file else None
        )

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_security == "tls":
            return smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.timeout_seconds, context=self._tls()
            )
        client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds)
        if s.smtp_security == "starttls":
            client.starttls(context=self._tls())
        return client

    def _login(self, client: smtplib.SMTP) -> None:
        user, password = self.settings.smtp_username or "", self.settings.smtp_password or ""
        if (user + password).isascii():
            client.login(user, password)
            return
        # smtplib encodes credentials as ASCII and fails on "hemligt-lösenord"; AUTH PLAIN carries
        # UTF-8 (RFC 4616), so send it by hand.
        client.ehlo_or_helo_if_needed()
        if not client.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("SMTP AUTH extension not supported by server.")
        token = base64.b64encode(
            b"\0" + user.encode("utf-8") + b"\0" + password.encode("utf-8")
        ).decode("ascii")
        code, answer = client.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, answer)

    def send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as client:
                if self.settings.smtp_username:
                    self._login(client)
                refused = client.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, answer = next(iter(exc.recipients.values()))
            raise DeliveryError(
                f"{code} {answer.decode(errors='replace')}", permanent=code >= 500
            ) from None
        except smtplib.SMTPResponseException as exc:
            text = (
                exc.smtp_error.decode(errors="replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise DeliveryError(f"{exc.smtp_code} {text}", permanent=exc.smtp_code >= 500) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{exc.__class__.__name__}: {exc}", permanent=False) from None
        if refused:
            code, answer = next(iter(refused.values()))
            raise DeliveryError(f"{code} {answer.decode(errors='replace')}", permanent=code >= 500)


def delivery_for(settings: EmailSettings) -> Delivery:
    if settings.backend == "smtp":
        return SmtpDelivery(settings)
    return FileDelivery(settings.outbox_dir)
