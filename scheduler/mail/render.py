"""The one email pipeline: templates/emails/<name>.subject.txt, <name>.txt and <name>.html
rendered with Jinja2 into a MIME message (text and HTML parts, optional .ics attachment).

Rendering is pure and separate from sending. Header values are built with the stdlib's header
registry, which refuses line breaks, so a role name, a title or an address cannot inject headers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from functools import cache
from typing import Any

from jinja2 import Template, meta, nodes

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
    """The subject alone, one line: what is planned ahead, without the bodies.

    An import plans tens of thousands of reminders, each with its subject, and Jinja copies the
    whole context into each render: the template gets only the names it reads."""
    template, reads = _subject_template(name)
    used = context if reads is None else {key: context[key] for key in reads if key in context}
    return one_line(template.render(used))


@cache
def _subject_template(name: str) -> tuple[Template, frozenset[str] | None]:
    """The subject template and the context names it reads (None: it includes or extends
    another template, whose names are not counted here, so it gets the whole context)."""
    env = environment("emails")
    filename = f"{name}.subject.txt"
    assert env.loader is not None
    source = env.loader.get_source(env, filename)[0]
    parsed = env.parse(source)
    if any(parsed.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends))):
        return env.get_template(filename), None
    return env.get_template(filename), frozenset(meta.find_undeclared_variables(parsed))


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
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id(key, sender.domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies, please
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    for attachment in attachments:
        message.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=attachment.filename,
            params=dict(attachment.params),
        )
    return message
