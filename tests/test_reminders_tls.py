"""SMTP as municipal relays run it: STARTTLS or implicit TLS, certificates verified (a private CA
named in config), login with the password from an environment variable. Real aiosmtpd servers
with a certificate made for the test."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from scheduler.mail.delivery import DeliveryError, SmtpDelivery
from scheduler.mail.render import address, build_message
from scheduler.mail.settings import EmailSettings
from scheduler.model.mail import RenderedEmail
from scheduler.settings.config import load_settings
from tests.support.cli import write_config
from tests.support.helpers import free_port

USER, PASSWORD = "schemalaggare", "hemligt-lösenord"


@dataclass
class Recorder:
    subjects: list[str] = field(default_factory=list)
    peers: list[tuple[str, int]] = field(default_factory=list)  # per message: its connection
    drop_after: int = 0  # messages per connection; the next MAIL finds the connection closed

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.subjects.append(
            str(message_from_bytes(envelope.original_content, policy=default)["Subject"])
        )
        self.peers.append(tuple(session.peer))
        return "250 OK"

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if self.drop_after and self.peers.count(tuple(session.peer)) >= self.drop_after:
            server.transport.close()  # dropped: the client reads the end of the stream
            return "250 OK"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "relay.pem", folder / "relay.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return Certificate(cert, key)


@pytest.fixture
def starttls_server(certificate: Certificate) -> Iterator[tuple[Recorder, int]]:
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, tls_context=certificate.server_context(),
                            require_starttls=True, auth_required=True, authenticator=authenticate)  # fmt: skip
    controller.start()
    yield recorder, port
    controller.stop()


@pytest.fixture
def tls_server(certificate: Certificate) -> Iterator[tuple[Recorder, int]]:
    recorder, port = Recorder(), free_port()
    # aiosmtpd 1.4 only offers AUTH over STARTTLS unless told the implicit TLS link is secure too.
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ssl_context=certificate.server_context(),
                            auth_required=True, auth_require_tls=False, authenticator=authenticate)  # fmt: skip
    controller.start()
    yield recorder, port
    controller.stop()


def settings(
    tmp_path: Path, port: int, security: str, ca_file: Path | None, password: str = PASSWORD
) -> EmailSettings:
    extra = (f'[email]\nbackend = "smtp"\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\n'
             f'smtp_security = "{security}"\nsmtp_username = "{USER}"\nsmtp_password_env = "SMTP_PASSWORD"\n')  # fmt: skip
    if ca_file:
        extra += f'smtp_ca_file = "{ca_file}"\n'
    config = load_settings(
        str(write_config(tmp_path / "config.toml", "sqlite://", extra=extra)),
        environ={"SMTP_PASSWORD": password},
    )
    return EmailSettings.from_settings(config)


def message(subject: str):
    return build_message(RenderedEmail(subject, "text", "<p>html</p>"), sender=address("a@example.org", "A"),
                         recipient=address("b@example.org", "B"), key=subject, date=datetime.now(UTC))  # fmt: skip


def test_starttls_with_login_delivers(tmp_path: Path, starttls_server: tuple[Recorder, int],
                                      certificate: Certificate) -> None:  # fmt: skip
    recorder, port = starttls_server
    SmtpDelivery(settings(tmp_path, port, "starttls", certificate.cert)).send(
        message("Påminnelse via STARTTLS")
    )
    assert recorder.subjects == ["Påminnelse via STARTTLS"]


@pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS"
)  # the link is TLS from the start
def test_implicit_tls_with_login_delivers(tmp_path: Path, tls_server: tuple[Recorder, int],
                                          certificate: Certificate) -> None:  # fmt: skip
    recorder, port = tls_server
    SmtpDelivery(settings(tmp_path, port, "tls", certificate.cert)).send(
        message("Påminnelse via TLS")
    )
    assert recorder.subjects == ["Påminnelse via TLS"]


def test_a_session_keeps_one_starttls_connection_logged_in(
    tmp_path: Path, starttls_server: tuple[Recorder, int], certificate: Certificate
) -> None:
    """The server refuses MAIL before STARTTLS and login: every message accepted over the one
    connection shows both still hold for it."""
    recorder, port = starttls_server
    with SmtpDelivery(settings(tmp_path, port, "starttls", certificate.cert)).session() as session:
        for n in range(3):
            session.send(message(f"Påminnelse {n} via STARTTLS"))
    assert recorder.subjects == [f"Påminnelse {n} via STARTTLS" for n in range(3)]
    assert len(set(recorder.peers)) == 1


def test_a_dropped_starttls_connection_is_opened_again_with_tls_and_login(
    tmp_path: Path, starttls_server: tuple[Recorder, int], certificate: Certificate
) -> None:
    recorder, port = starttls_server
    recorder.drop_after = 2
    with SmtpDelivery(settings(tmp_path, port, "starttls", certificate.cert)).session() as session:
        for n in range(5):
            session.send(message(f"Påminnelse {n}"))
    assert recorder.subjects == [f"Påminnelse {n}" for n in range(5)]  # each once, in order
    assert len(set(recorder.peers)) == 3


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_a_session_keeps_one_implicit_tls_connection_logged_in(
    tmp_path: Path, tls_server: tuple[Recorder, int], certificate: Certificate
) -> None:
    recorder, port = tls_server
    with SmtpDelivery(settings(tmp_path, port, "tls", certificate.cert)).session() as session:
        for n in range(3):
            session.send(message(f"Påminnelse {n} via TLS"))
    assert recorder.subjects == [f"Påminnelse {n} via TLS" for n in range(3)]
    assert len(set(recorder.peers)) == 1


def test_a_wrong_password_is_a_permanent_failure_with_the_servers_answer(
    tmp_path: Path, starttls_server: tuple[Recorder, int], certificate: Certificate
) -> None:
    recorder, port = starttls_server
    with pytest.raises(DeliveryError) as failure:
        SmtpDelivery(settings(tmp_path, port, "starttls", certificate.cert, password="fel")).send(
            message("x")
        )
    assert failure.value.permanent and "535" in str(failure.value)
    assert recorder.subjects == []


def test_an_untrusted_certificate_is_refused_not_ignored(
    tmp_path: Path, starttls_server: tuple[Recorder, int]
) -> None:
    recorder, port = starttls_server
    with pytest.raises(DeliveryError) as failure:
        SmtpDelivery(settings(tmp_path, port, "starttls", None)).send(message("x"))
    assert (
        "CERTIFICATE_VERIFY_FAILED" in str(failure.value)
        or "certificate" in str(failure.value).lower()
    )
    assert recorder.subjects == []


def test_a_missing_ca_file_is_reported_at_start(tmp_path: Path) -> None:
    from scheduler.base.errors import ConfigError

    with pytest.raises(ConfigError, match="smtp_ca_file"):
        settings(tmp_path, 25, "starttls", tmp_path / "saknas.pem")
