"""What every response of the web server shares: Swedish error pages, security headers, a limit on
request bodies, HEAD wherever GET is answered, and reading a posted form without English errors.

Calendar URLs (`….ics`) are read by calendar clients, not people: their errors stay short plain
text. Everything else is an HTML page in the site's layout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.datastructures import FormData, Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scheduler.base.errors import NotFoundError, SchedulerError, UnboundLinkError
from scheduler.base.templating import environment
from scheduler.settings.model import Settings
from scheduler.web.deps import MaxBodyBytesDep

# Every page answers HEAD as GET without the body (Starlette's responses leave it out for HEAD);
# FastAPI's @get does not add HEAD, so page routes name both.
PAGE_METHODS = ["GET", "HEAD"]

# The largest request body read (a follow-up form of many measures at the longest text is well
# under this); anything larger is refused with 413 before it is read.
MAX_BODY_BYTES = 2 * 1024 * 1024

# Scripts only as files from the site itself (/static/copy.js), never inline: a text that slipped
# through escaping still could not run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}
# A browser that has seen the site over https goes there only over https for a year. Sent only
# when the site is reached over https (organisation.base_url): over http it would be meaningless
# (browsers ignore it there) and a site moved back to http would lock its users out.
STRICT_TRANSPORT_SECURITY = ("Strict-Transport-Security", "max-age=31536000")
# Pages carry personal links (answer links, follow-up forms, feed tokens): no cache may keep them.
# A response that sets its own Cache-Control (feeds, the style sheet) keeps it.
DEFAULT_CACHE_CONTROL = "no-store"

NOT_FOUND_TEXT = "Hittades inte."
ERROR_TEXTS = {
    400: ("Felaktig begäran", "Sidan kunde inte visas eftersom begäran var felaktig. Kontrollera "
          "att hela länken kom med och försök igen."),
    404: ("Sidan finns inte", "Adressen leder inte till någon sida här. Kontrollera att hela "
          "länken kom med. En kalenderlänk som har slutat fungera kan ha dragits tillbaka eller "
          "bytts ut: be den som gav dig länken, oftast kommunens trygghetssamordnare, om en ny."),
    405: ("Det går inte att göra så här", "Sidan tar inte emot den sortens begäran. Öppna "
          "länken i webbläsaren som vanligt."),
    410: ("Kalenderlänken gäller inte längre", "Länken har slutat gälla. Be den som gav dig "
          "länken, oftast kommunens trygghetssamordnare, om en ny."),
    413: ("För mycket skickades", "Det som skickades är större än servern tar emot, och inget "
          "sparades. Gå tillbaka i webbläsaren, där din text finns kvar, korta den och försök igen."),
    500: ("Något gick fel", "Ett oväntat fel uppstod i servern. Försök igen om en stund; "
          "kvarstår felet, kontakta samordnaren."),
    503: ("Databasen är upptagen", "Databasen är upptagen just nu med något annat, och inget "
          "ändrades. Försök igen om en stund: gå tillbaka i webbläsaren, där det du skrev finns "
          "kvar, och skicka igen."),
}  # fmt: skip


def render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(
        environment("web").get_template(template).render(**context), status_code=status
    )


def error_page(status: int, text: str | None = None, headers: dict[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    title, default = ERROR_TEXTS.get(status, ("Något gick fel", ERROR_TEXTS[500][1]))
    response = render("error.html", status, title=title, text=text or default, code=status)
    response.headers.update(headers or {})
    return response


@dataclass(frozen=True)
class Refusal:
    """Why a link's page cannot be shown (forged, expired, nothing behind it). For a POST the page
    also gives back what was typed, to copy: nothing of it was stored."""

    title: str
    text: str
    status: int

    def page(self, typed: Sequence[str] = ()) -> HTMLResponse:
        return render("message.html", self.status, title=self.title, text=self.text, kind="error",
                      typed=[text for text in typed if text.strip()])  # fmt: skip


def _is_feed(request: Request) -> bool:
    return request.url.path.endswith(".ics")


def _http_error(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if _is_feed(request):
        text = NOT_FOUND_TEXT if exc.status_code == 404 else f"Fel {exc.status_code}."
        return PlainTextResponse(text, status_code=exc.status_code, headers=headers)
    return error_page(exc.status_code, headers=headers)


def security_headers(config: Settings) -> dict[str, str]:
    """The headers every response of the site carries: HSTS too when it is reached over https."""
    if not config.base_url.lower().startswith("https://"):
        return dict(SECURITY_HEADERS)
    name, value = STRICT_TRANSPORT_SECURITY
    return {**SECURITY_HEADERS, name: value}


def install(app: FastAPI, *, security: Mapping[str, str], max_body_bytes: int = MAX_BODY_BYTES) -> None:  # fmt: skip
    """Error handlers and middleware for `app`; `security`: `security_headers` of its config."""
    app.state.max_body_bytes = max_body_bytes

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _http_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError) -> Response:
        return _http_error(request, HTTPException(400))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, _exc: NotFoundError) -> Response:
        # An unknown or revoked token learns nothing: the same 404 as any missing page.
        return _http_error(request, HTTPException(404))

    @app.exception_handler(UnboundLinkError)
    async def unbound(request: Request, exc: UnboundLinkError) -> Response:
        # A link from before the districts: gone for good, and saying so (a client that honours
        # 410 stops polling), never served as whichever district config.toml lists first.
        if _is_feed(request):
            return PlainTextResponse(f"{exc}", status_code=410)
        return error_page(410, f"{exc}")

    @app.exception_handler(SchedulerError)
    async def bad_request(request: Request, exc: SchedulerError) -> Response:
        if _is_feed(request):
            return PlainTextResponse(f"Fel: {exc}", status_code=400)
        return error_page(400, f"{exc}")

    @app.exception_handler(Exception)
    async def server_error(_request: Request, _exc: Exception) -> Response:
        # Runs in Starlette's outermost middleware, outside SecurityHeaders: set them here. The
        # middleware raises the exception again after this page is sent, so the server logs it.
        response = error_page(500)
        response.headers.update({**security, "Cache-Control": DEFAULT_CACHE_CONTROL})
        return response

    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.add_middleware(SecurityHeaders, security=security)  # outermost: reaches every response


def secure(headers: MutableHeaders, security: Mapping[str, str]) -> None:
    """The security headers, and `Cache-Control: no-store` unless the response set its own."""
    for name, value in security.items():
        headers[name] = value
    if "cache-control" not in headers:
        headers["Cache-Control"] = DEFAULT_CACHE_CONTROL


class SecurityHeaders:
    """Adds the security headers, and `Cache-Control: no-store` unless the response set its own."""

    def __init__(self, app: ASGIApp, *, security: Mapping[str, str]) -> None:
        self.app = app
        self.security = security

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                secure(MutableHeaders(scope=message), self.security)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimit:
    """Refuses a request body over `limit` bytes with 413: at once when Content-Length says so,
    else as soon as the streamed body passes it (then the route's form reading raises)."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.limit:
            response = error_page(413)
            response.headers["Connection"] = "close"
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise HTTPException(413)
            return message

        await self.app(scope, limited_receive, send)


@dataclass(frozen=True)
class PostedForm:
    """A posted form's fields, or None when the body could not be read as a form at all."""

    fields: FormData | None

    def text(self, name: str) -> str:
        """A text field, line breaks as "\\n" (browsers send a textarea's as CRLF, HTML spec)."""
        value = self.fields.get(name) if self.fields is not None else None
        return (value if isinstance(value, str) else "").replace("\r\n", "\n").replace("\r", "\n")

    def typed(self) -> list[str]:
        """Every free text of the form (a note, an answer's text), in the order sent."""
        names = [] if self.fields is None else list(dict.fromkeys(self.fields.keys()))
        return [self.text(name) for name in names if name == "note" or name.startswith("text-")]


async def posted_form(request: Request, max_body_bytes: MaxBodyBytesDep) -> PostedForm:
    """The form of a POST, as a FastAPI dependency: read on the event loop (it is I/O), so the
    route itself can be a plain function that FastAPI runs in a thread.

    A field may be as large as the whole body limit: what is too long for the page is refused by
    the page, with the typed text given back, not by the parser with an English 400."""
    try:
        fields = await request.form(max_part_size=max_body_bytes)
    except HTTPException as exc:
        if exc.status_code != 400:
            raise
        return PostedForm(None)
    return PostedForm(fields)
