"""Delivery backends: SMTP (STARTTLS, TLS or plain, with login) and a file outbox (one .eml per
message in a folder, what the embedded default uses so `make run` shows real messages). A
dispatcher pass sends through one session: for SMTP, one connection for all its messages.

A failed delivery says whether trying again may help: temporary (4xx, connection trouble) or
permanent (5xx), with the server's own answer.
"""

from __future__ import annotations

import base64
import os
import smtplib
import ssl
import tempfile
from contextlib import AbstractContextManager, nullcontext
from email.message import Message
from pathlib import Path
from typing import Protocol, runtime_checkable

from scheduler.mail.settings import EmailSettings


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class Delivery(Protocol):
    def send(self, message: Message) -> None: ...


@runtime_checkable
class SessionDelivery(Delivery, Protocol):
    """A backend that can keep what it needs (an SMTP connection) over many messages."""

    def session(self) -> AbstractContextManager[Delivery]: ...


def pass_session(delivery: Delivery) -> AbstractContextManager[Delivery]:
    """What a dispatcher pass sends through: the backend's session where it has one, else the
    backend itself, message by message."""
    return delivery.session() if isinstance(delivery, SessionDelivery) else nullcontext(delivery)


class FileDelivery:
    """Writes each message to `<folder>/<message-id>.eml`, atomically; the same message twice
    (a resend after a crash) overwrites itself rather than piling up."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def session(self) -> AbstractContextManager[Delivery]:
        return nullcontext(self)  # nothing to keep between files

    def send(self, message: Message) -> None:
        try:
            self._write(message)
        except OSError as exc:  # a folder that is a file, not writable, a full disk: retried later
            reason = exc.strerror or exc.__class__.__name__
            raise DeliveryError(
                f"Utkorgen {self.folder} går inte att skriva till: {reason}.", permanent=False
            ) from None

    def _write(self, message: Message) -> None:
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
    """SMTP with STARTTLS, TLS or none, and login. `send` is one connection for one message;
    `session()` is one connection for many (a dispatcher pass)."""

    def __init__(self, settings: EmailSettings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        with self.session() as session:
            session.send(message)

    def session(self) -> SmtpSession:
        return SmtpSession(self)

    def _tls(self) -> ssl.SSLContext:
        # Certificates are always verified; a relay with a private CA names it in smtp_ca_file.
        return ssl.create_default_context(
            cafile=str(self.settings.smtp_ca_file) if self.settings.smtp_ca_file else None
        )

    def connect(self) -> smtplib.SMTP:
        """A connection ready for messages: greeted, EHLO said, TLS on, logged in. Anything the
        server refuses on the way raises here, not with the first message."""
        s = self.settings
        if s.smtp_security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=s.timeout_seconds, context=self._tls()
            )
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds)
        try:
            if s.smtp_security == "starttls":
                client.starttls(context=self._tls())
            if s.smtp_username:
                self._login(client)
            client.ehlo_or_helo_if_needed()
        except BaseException:
            client.close()
            raise
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


class _Dropped(Exception):
    """The connection is gone (closed by the server, a broken socket, a 421): `error` says how."""

    def __init__(self, error: DeliveryError) -> None:
        super().__init__(str(error))
        self.error = error


class SmtpSession:
    """One SMTP connection for many messages: opened at the first message, kept, and closed with
    QUIT when the session ends.

    A connection that has carried a message may be dropped before the next (an idle timeout, a
    restart, a "421 too many messages"): it is opened again once and the message sent over the new
    one. A message that fails after that fails as it would alone (retried later, or failed for
    good). When no connection can be opened, every later message of the session fails at once with
    the same error instead of each waiting for the server again (and is retried later, or failed
    when the error is permanent, such as a wrong password, as it would be alone).
    """

    def __init__(self, delivery: SmtpDelivery) -> None:
        self._delivery = delivery
        self._client: smtplib.SMTP | None = None
        self._unreachable: DeliveryError | None = None

    def __enter__(self) -> SmtpSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):  # already gone: nothing left to say goodbye to
            client.close()

    def send(self, message: Message) -> None:
        if self._unreachable is not None:
            raise DeliveryError(str(self._unreachable), permanent=self._unreachable.permanent)
        if self._client is not None:  # kept from an earlier message: it may have been dropped
            try:
                self._transmit(self._client, message)
                return
            except _Dropped:
                self._client = None
        self._client = self._open()
        try:
            self._transmit(self._client, message)
        except _Dropped as dropped:  # dropped on a fresh connection too: this message's failure
            self._client = None
            raise dropped.error from None

    def _open(self) -> smtplib.SMTP:
        try:
            return self._delivery.connect()
        except (smtplib.SMTPException, OSError) as exc:
            error = delivery_error(exc)
            self._unreachable = error
            raise error from None

    def _transmit(self, client: smtplib.SMTP, message: Message) -> None:
        try:
            refused = client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            error = delivery_error(exc)
            if client.sock is None or _connection_lost(exc):  # smtplib closes on 421
                client.close()
                raise _Dropped(error) from None
            self._reset(client)
            raise error from None
        except BaseException:  # not the server's doing (a bug): no transaction left half open
            self._reset(client)
            raise
        if refused:
            code, answer = next(iter(refused.values()))
            self._reset(client)
            raise DeliveryError(f"{code} {answer.decode(errors='replace')}", permanent=code >= 500)

    def _reset(self, client: smtplib.SMTP) -> None:
        """After a refusal the connection stays for the next message, without this one's
        transaction: smtplib resets after most refusals, RSET again is harmless. A connection
        that cannot even do that is closed; the next message opens a new one."""
        try:
            client.rset()
        except (smtplib.SMTPException, OSError):
            client.close()
            self._client = None


def _connection_lost(exc: OSError) -> bool:
    """The connection is gone, not the message refused (every SMTPException is an OSError)."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or not isinstance(
        exc, smtplib.SMTPException
    )


def delivery_error(exc: Exception) -> DeliveryError:
    """The server's answer (5xx permanent, 4xx temporary) or the trouble reaching it (temporary:
    refused, timed out, a certificate that does not verify)."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, answer = next(iter(exc.recipients.values()))
        return DeliveryError(f"{code} {answer.decode(errors='replace')}", permanent=code >= 500)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return DeliveryError(f"{exc.smtp_code} {text}", permanent=exc.smtp_code >= 500)
    return DeliveryError(f"{exc.__class__.__name__}: {exc}", permanent=False)


def delivery_for(settings: EmailSettings) -> Delivery:
    if settings.backend == "smtp":
        return SmtpDelivery(settings)
    return FileDelivery(settings.outbox_dir)
