"""The coordinator's sign-in: a signed, expiring session cookie, and the CSRF token bound to it.

The cookie carries the account's id, a random session id and its expiry, signed with the link key
under a purpose of its own (a link or form token is never a session). It is HttpOnly and
SameSite=Lax, and Secure when the site is served over https. Whatever the browser does with it,
the server refuses it after `server.session_hours`, by the app's clock, and when the account is
removed or its password changed.

Every workspace form carries a token bound to the session id (an HMAC with the link key), so a
page of another site cannot post in the coordinator's name. The sign-in form, before there is a
session, binds its token to a random nonce in a cookie of its own.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from scheduler.base.links import LinkError, LinkSigner, bound_token, same_token
from scheduler.services.refresh import link_secret
from scheduler.settings.model import Settings
from scheduler.store.accounts import get_account
from scheduler.store.tables import AccountRow
from scheduler.web.pages import PostedForm, posted_form

SESSION_COOKIE = "arbetsyta"
LOGIN_COOKIE = "inloggning"
SESSION_PURPOSE = "workspace-session"
CSRF_PURPOSE = "workspace-csrf"
LOGIN_CSRF_PURPOSE = "workspace-login-csrf"


class SignInNeeded(Exception):
    """No valid session: the page sends the browser to /logga-in, saying why (`reason`)."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "")
        self.reason = reason


@dataclass(frozen=True)
class Coordinator:
    """The signed-in coordinator: the account, and the settings as its organisation sees them."""

    account_id: int
    username: str
    organisation: str
    csrf: str
    config: Settings


def _secret(request: Request) -> str:
    app = request.app
    return link_secret(app.state.engine, app.state.config)


def _signer(request: Request) -> LinkSigner:
    return LinkSigner(_secret(request), purpose=SESSION_PURPOSE)


def _password_mark(account: AccountRow) -> str:
    """Changes with the password: a session made before a new password is set is refused."""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def _secure(request: Request) -> bool:
    config: Settings = request.app.state.config
    return config.base_url.lower().startswith("https://")


def _cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=_secure(request))  # fmt: skip


def session_lifetime(request: Request) -> timedelta:
    config: Settings = request.app.state.config
    return timedelta(hours=config.server.session_hours)


def start_session(request: Request, response: Response, account: AccountRow) -> None:
    """Signs `account` in on `response`: a new session id each time (no fixation)."""
    lifetime = session_lifetime(request)
    payload = {"a": account.id, "s": secrets.token_urlsafe(16), "p": _password_mark(account)}
    token = _signer(request).sign(payload, expires=request.app.state.clock() + lifetime)
    _cookie(request, response, SESSION_COOKIE, token, int(lifetime.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def _payload(request: Request) -> dict[str, Any]:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInNeeded()
    try:
        return _signer(request).verify(token, now=request.app.state.clock())
    except LinkError as exc:
        raise SignInNeeded("utgangen" if exc.expired else None) from None


def current_coordinator(request: Request) -> Coordinator:
    """The signed-in coordinator, as a FastAPI dependency; else SignInNeeded."""
    payload = _payload(request)
    account_id, session_id = payload.get("a"), payload.get("s")
    if not isinstance(account_id, int) or not isinstance(session_id, str):
        raise SignInNeeded()
    account = get_account(request.app.state.engine, account_id)
    if account is None or payload.get("p") != _password_mark(account):
        raise SignInNeeded()
    config: Settings = request.app.state.config
    organisation = config.find_organisation(account.organisation)
    if organisation is None:  # the district left the config: its account opens nothing
        raise SignInNeeded()
    csrf = bound_token(_secret(request), purpose=CSRF_PURPOSE, value=session_id)
    return Coordinator(account_id, account.username, organisation, csrf,
                       config.for_organisation(organisation))  # fmt: skip


def own_organisation(request: Request, coordinator: Coordinator) -> None:
    """A page asked for another organisation (`?organisation=`) answers 404, as a page that does
    not exist: nothing says whether that organisation, or its plan, is here."""
    asked = request.query_params.get("organisation")
    if asked is None:
        return
    config: Settings = request.app.state.config
    if config.find_organisation(asked) != coordinator.organisation:
        raise HTTPException(404)


def workspace_coordinator(
    request: Request, coordinator: Annotated[Coordinator, Depends(current_coordinator)]
) -> Coordinator:
    """The signed-in coordinator of a workspace page, as a FastAPI dependency: a page of another
    organisation is a 404 (`own_organisation`) before the page does anything."""
    own_organisation(request, coordinator)
    return coordinator


class StaleForm(Exception):
    """A workspace form posted without its CSRF token: the app answers with the Swedish
    "ladda om sidan" page (`layout.stale_form`) and nothing changes."""

    def __init__(self, coordinator: Coordinator) -> None:
        super().__init__("stale form")
        self.coordinator = coordinator


def csrf_matches(coordinator: Coordinator, form: PostedForm) -> bool:
    """The posted form carries the session's CSRF token (a form that could not be read does not)."""
    return form.fields is not None and same_token(coordinator.csrf, form.fields.get("csrf"))


def checked_form(
    coordinator: Annotated[Coordinator, Depends(current_coordinator)],
    form: Annotated[PostedForm, Depends(posted_form)],
) -> PostedForm:
    """A workspace form, as a FastAPI dependency, after its CSRF token: else StaleForm."""
    if not csrf_matches(coordinator, form):
        raise StaleForm(coordinator)
    assert form.fields is not None  # csrf_matches read the token from them
    return form


def login_nonce(request: Request) -> str:
    """The sign-in form's nonce: the cookie's, else a new one (set by `keep_login_nonce`)."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)


def login_csrf(request: Request, nonce: str) -> str:
    return bound_token(_secret(request), purpose=LOGIN_CSRF_PURPOSE, value=nonce)


def keep_login_nonce(request: Request, response: Response, nonce: str) -> None:
    _cookie(request, response, LOGIN_COOKIE, nonce, 3600)


def login_csrf_matches(request: Request, given: object) -> bool:
    nonce = request.cookies.get(LOGIN_COOKIE)
    return bool(nonce) and same_token(login_csrf(request, nonce or ""), given)
