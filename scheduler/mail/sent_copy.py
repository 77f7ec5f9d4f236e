"""The copy of a sent email that the outbox keeps, and that copy read back into what a person
looks at: its headers, its text and HTML parts and its attachments (the .ics).

A reminder's bodies are rendered when it is claimed, from the meeting as it is then, so the only
faithful record of what went out is the message itself, kept as the bytes the mail server got.
"""

from __future__ import annotations

import email
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message

# The headers shown, in this order; the rest (MIME plumbing) is in the downloadable message.
SHOWN_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted")


@dataclass(frozen=True)
class SentAttachment:
    filename: str
    content_type: str
    text: str


@dataclass(frozen=True)
class SentCopy:
    """A sent message as kept: `raw` is what went to the mail server, the rest read from it."""

    raw: str
    headers: tuple[tuple[str, str], ...]  # (name, decoded value), in SHOWN_HEADERS' order
    text: str
    html: str
    attachments: tuple[SentAttachment, ...]

    def attachment(self, filename: str) -> SentAttachment | None:
        return next((a for a in self.attachments if a.filename == filename), None)


def wire_text(message: Message) -> str:
    """The message as `smtplib` writes it to the server (its own policy: CRLF line ends). Every
    header is ASCII (RFC 2047) and every body base64, so the bytes are ASCII text."""
    return message.as_bytes().decode("ascii", errors="replace")


def read_sent(raw: str) -> SentCopy:
    """The kept message, its parts decoded (UTF-8 as they were written)."""
    message = email.message_from_string(raw)
    headers = tuple(
        (name, _decoded(message[name])) for name in SHOWN_HEADERS if message[name] is not None
    )
    text = html = ""
    attachments: list[SentAttachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content = _content(part)
        filename = part.get_filename()
        if filename:
            attachments.append(SentAttachment(filename, part.get_content_type(), content))
        elif part.get_content_type() == "text/plain" and not text:
            text = content
        elif part.get_content_type() == "text/html" and not html:
            html = content
    return SentCopy(raw, headers, text, html, tuple(attachments))


def _decoded(value: object) -> str:
    return str(make_header(decode_header(str(value))))


def _content(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
