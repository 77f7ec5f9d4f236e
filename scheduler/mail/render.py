"""The one email pipeline: templates/emails/<name>.subject.txt, <name>.txt and <name>.html
rendered with Jinja2 into a MIME message (text and HTML parts, optional .ics attachment).

Rendering is pure and separate from sending. A header value with a line break is refused, so a
role name, a title or an address cannot inject headers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.charset import Charset
from email.encoders import encode_base64
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from typing import Any

from scheduler.base.addresses import parse_address
from scheduler.base.errors import ConfigError
from scheduler.base.templating import environment
from scheduler.base.text import one_line
from scheduler.model.mail import RenderedEmail


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "text"
    subtype: str = "calendar"
    # charset: strict MIME readers take text without one as US-ASCII and garble å, ä, ö.
    # method: as the attached VCALENDAR's METHOD (RFC 6047).
    params: tuple[tuple[str, str], ...] = (("charset", "utf-8"), ("method", "PUBLISH"))


def render_email(name: str, context: dict[str, Any]) -> RenderedEmail:
    env = environment("emails")
    subject = env.get_template(f"{name}.subject.txt").render(context)
    return RenderedEmail(
        subject=one_line(subject),
        text=env.get_template(f"{name}.txt").render(context),
        html=env.get_template(f"{name}.html").render(context),
    )


def render_subject(name: str, context: dict[str, Any]) -> str:
    """The subject alone, one line: what is planned ahead, without the bodies."""
    return one_line(environment("emails").get_template(f"{name}.subject.txt").render(context))


def address(email: str, display_name: str = "") -> Address:
    """A validated address; a malformed one is a configuration error, named."""
    parsed = parse_address(email, display_name)
    if parsed is None:
        raise ConfigError(f"Ogiltig e-postadress {email!r}: skriv den som namn@exempel.se.")
    return parsed


def message_id(key: str, domain: str) -> str:
    """Deterministic per reminder: a resend after a crash carries the same Message-ID, so mail
    clients and servers can tell it is the same message."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def build_message(
    rendered: RenderedEmail,
    *,
    sender: Address,
    recipient: Address,
    key: str,
    date: datetime,
    attachments: tuple[Attachment, ...] = (),
) -> Message:
    """The MIME message: text and HTML alternatives (base64, UTF-8), then the attachments.

    Built with the stdlib's `email.mime` classes, which cost a third of `EmailMessage`'s header
    registry per message (the dispatcher builds one per reminder). Their header safety is not
    the registry's, so it is checked here: a line break in any header value is refused."""
    headers: dict[str, str | Header] = {
        "From": _mailbox(sender),
        "To": _mailbox(recipient),
        "Subject": rendered.subject if rendered.subject.isascii() else Header(rendered.subject, _UTF8),
        "Date": format_datetime(date),
        "Message-ID": message_id(key, sender.domain),
        "Auto-Submitted": "auto-generated",  # RFC 3834: no out-of-office replies, please
    }  # fmt: skip
    for name, value in headers.items():
        if any(c in str(value) for c in "\r\n"):
            raise ValueError(f"a line break in the {name} header")
    body = MIMEMultipart("alternative", policy=_WIRE)
    body.attach(_text(rendered.text, "plain"))
    body.attach(_text(rendered.html, "html"))
    message: Message = body
    if attachments:
        message = MIMEMultipart("mixed", policy=_WIRE)
        _inner(body)
        message.attach(body)
        for attachment in attachments:
            message.attach(_attached(attachment))
    for name, value in headers.items():
        message[name] = value  # type: ignore[assignment]  # a Header is a value too
    return message


class _Wire(Compat32):
    """compat32 with lines ending in CRLF (on the wire and in the .eml files alike), and a short
    way for the usual header: ASCII, one line, short enough not to fold is written as it is
    (what the Header class would write too, after a fifth of a millisecond's work)."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        short = (
            isinstance(value, str) and value.isascii() and len(name) + len(value) + 2 <= _FOLD_AT
        )
        if short and "\r" not in value and "\n" not in value:
            return f"{name}: {value}\r\n".encode("ascii")
        return super().fold_binary(name, value)


_FOLD_AT = 78
_WIRE = _Wire(linesep="\r\n")
_UTF8 = Charset("utf-8")  # headers: the shorter of Q and B encoding; bodies: base64


def _mailbox(address: Address) -> str:
    """ "Name <user@domain>", the name RFC 2047-encoded when it is not ASCII."""
    try:
        return formataddr((address.display_name, address.addr_spec), charset=_UTF8)
    except UnicodeEncodeError:  # an address (not a name) outside ASCII: SMTPUTF8 is not used
        raise ConfigError(
            f"Ogiltig e-postadress {address.addr_spec!r}: adressen får bara innehålla ASCII-tecken."
        ) from None


def _inner(part: Message) -> Message:
    """A part inside another: MIME-Version belongs to the message's own header only."""
    del part["MIME-Version"]
    return part


def _text(content: str, subtype: str) -> Message:
    return _inner(MIMEText(content, subtype, _UTF8, policy=_WIRE))  # type: ignore[arg-type]


def _attached(attachment: Attachment) -> Message:
    params = dict(attachment.params)
    part: Message
    if attachment.maintype == "text":
        charset = params.pop("charset", "utf-8")
        part = MIMEText(
            attachment.content.decode(charset), attachment.subtype, charset, policy=_WIRE
        )
    else:
        part = MIMEBase(attachment.maintype, attachment.subtype, policy=_WIRE)
        part.set_payload(attachment.content)
        encode_base64(part)
    for name, value in params.items():
        part.set_param(name, value)
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return _inner(part)
