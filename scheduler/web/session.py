"""The coordinator's sign-in: a server-side session whose random id the browser keeps in a cookie,
and the CSRF token bound to that id.

The cookie holds only the id (scheduler.services.sessions keeps the session, by the id's hash).
It is HttpOnly and SameSite=Lax, and Secure when the site is served over https. The server
refuses it once the session has ended: `server.session_hours` after sign-in or
`server.session_idle_minutes` unused, by the app's clock, at logout, or when the account's
password is changed or the account removed; the row is gone for every web process at once.

Every workspace form carries a token bound to the session id (an HMAC with the link key), so a
page of another site cannot post in the coordinator's name. The sign-in form, before there is a
session, binds its token to a random nonce in a cookie of its own.

A reader's session opens the same pages, but no form: `checked_form`, which every workspace
form goes through, refuses a reader's post before anything is read or changed (`ReadOnly`, a
403 page); only logging out (`signed_form`) is the reader's too. A form that passes notes who
posted what on the request (`AUDIT_STATE`), for the audit record
(scheduler.web.audit_trail) once the change has been made.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlalchemy import Engine
from starlette.exceptions import HTTPException

from scheduler.base.links import bound_token, same_token
from scheduler.model.account import COORDINATOR, READER, Account
from scheduler.services.refresh import link_secret
from scheduler.services.sessions import SessionRules, close_session, look_up, open_session
from scheduler.settings.model import Settings
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep
from scheduler.web.pages import PostedForm, posted_form

SESSION_COOKIE = "arbetsyta"
LOGIN_COOKIE = "inloggning"
CSRF_PURPOSE = "workspace-csrf"
LOGIN_CSRF_PURPOSE = "workspace-login-csrf"
# The ASGI client is missing only for a server that does not know it (not uvicorn).
UNKNOWN_CLIENT = "okänd"
# Where a checked form leaves who posted what, for the audit record after the change.
AUDIT_STATE = "audit_change"


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
    role: str = COORDINATOR

    @property
    def reader(self) -> bool:
        """Sees the plan, the agenda, the årshjul and the follow-up; changes nothing."""
        return self.role == READER


def client_address(request: Request) -> str:
    """The client's address as the server got it: uvicorn puts X-Forwarded-For's there only for
    the proxies `server.trusted_proxies` names."""
    return request.client.host if request.client is not None else UNKNOWN_CLIENT


def _rules(config: Settings) -> SessionRules:
    return SessionRules.from_section(config.server)


def _secure(config: Settings) -> bool:
    return config.base_url.lower().startswith("https://")


def _cookie(config: Settings, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=_secure(config))  # fmt: skip


def start_session(request: Request, response: Response, account: Account, *, engine: Engine,
                  config: Settings, now: datetime, longest: timedelta | None = None) -> None:  # fmt: skip
    """Signs `account` in on `response`: a new session, with a new id (no fixation); it ends
    after `longest` when that is sooner than `server.session_hours`."""
    rules = _rules(config)
    if longest is not None and longest < rules.lifetime:
        rules = SessionRules(longest, rules.idle)
    session_id = open_session(engine, rules, account_id=account.id,
                              client_address=client_address(request), now=now)  # fmt: skip
    _cookie(config, response, SESSION_COOKIE, session_id, int(rules.lifetime.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/")


def end_session(request: Request, response: Response, engine: Engine) -> None:
    """Ends the request's session in the store (for every copy of the cookie) and clears it."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        close_session(engine, session_id)
    forget_session_cookie(response)


def forget_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def current_coordinator(request: Request, engine: EngineDep, config: ConfigDep, clock: ClockDep) -> Coordinator:  # fmt: skip
    """The signed-in coordinator, as a FastAPI dependency; else SignInNeeded."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise SignInNeeded()
    found = look_up(engine, _rules(config), session_id, now=clock())
    if found.session is None:
        raise SignInNeeded("utgangen" if found.expired else None)
    organisation = config.find_organisation(found.session.organisation)
    if organisation is None:  # the district left the config: its account opens nothing
        raise SignInNeeded()
    csrf = bound_token(link_secret(engine, config), purpose=CSRF_PURPOSE, value=session_id)
    return Coordinator(found.session.account_id, found.session.username, organisation, csrf,
                       config.for_organisation(organisation), role=found.session.role)  # fmt: skip


def own_organisation(request: Request, coordinator: Coordinator, config: Settings) -> None:
    """A page asked for another organisation (`?organisation=`) answers 404, as a page that does
    not exist: nothing says whether that organisation, or its plan, is here. `config`: the whole
    installation's."""
    asked = request.query_params.get("organisation")
    if asked is None:
        return
    if config.find_organisation(asked) != coordinator.organisation:
        raise HTTPException(404)


def workspace_coordinator(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(current_coordinator)],
    config: ConfigDep,
) -> Coordinator:
    """The signed-in coordinator of a workspace page, as a FastAPI dependency: a page of another
    organisation is a 404 (`own_organisation`) before the page does anything."""
    own_organisation(request, coordinator, config)
    return coordinator


def coordinator_only(
    coordinator: Annotated[Coordinator, Depends(workspace_coordinator)],
) -> Coordinator:
    """A page only coordinators see (links, reminders, the audit record): a reader gets 403."""
    if coordinator.reader:
        raise ReadOnly(coordinator)
    return coordinator


class ReadOnly(Exception):
    """A reader asked for an action (any post but logging out) or a coordinator's page: the app
    answers 403 with a Swedish page (`layout.read_only`) and nothing changes."""

    def __init__(self, coordinator: Coordinator) -> None:
        super().__init__("read only")
        self.coordinator = coordinator


class StaleForm(Exception):
    """A workspace form posted without its CSRF token: the app answers with the Swedish
    "ladda om sidan" page (`layout.stale_form`) and nothing changes."""

    def __init__(self, coordinator: Coordinator) -> None:
        super().__init__("stale form")
        self.coordinator = coordinator


def csrf_matches(coordinator: Coordinator, form: PostedForm) -> bool:
    """The posted form carries the session's CSRF token (a form that could not be read does not)."""
    return form.fields is not None and same_token(coordinator.csrf, form.fields.get("csrf"))


def signed_form(
    coordinator: Annotated[Coordinator, Depends(current_coordinator)],
    form: Annotated[PostedForm, Depends(posted_form)],
) -> PostedForm:
    """A form of the signed-in person, as a FastAPI dependency, after its CSRF token: else
    StaleForm. Readers too (logging out)."""
    if not csrf_matches(coordinator, form):
        raise StaleForm(coordinator)
    assert form.fields is not None  # csrf_matches read the token from them
    return form


def checked_form(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(current_coordinator)],
    form: Annotated[PostedForm, Depends(posted_form)],
) -> PostedForm:
    """A workspace form that changes something, as a FastAPI dependency: a reader's is refused
    (ReadOnly) before its token is looked at; else after the CSRF token (StaleForm). Who posted
    what is noted for the audit record."""
    if coordinator.reader:
        raise ReadOnly(coordinator)
    checked = signed_form(coordinator, form)
    setattr(request.state, AUDIT_STATE, (coordinator, form))
    return checked


def nothing_changed(request: Request) -> None:
    """The checked form only previewed, or found nothing to change: no event in the audit record
    (a preview writes nothing, not even that)."""
    if hasattr(request.state, AUDIT_STATE):
        delattr(request.state, AUDIT_STATE)


def login_nonce(request: Request) -> str:
    """The sign-in form's nonce: the cookie's, else a new one (set by `keep_login_nonce`)."""
    return request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(16)


def login_csrf(engine: Engine, config: Settings, nonce: str) -> str:
    return bound_token(link_secret(engine, config), purpose=LOGIN_CSRF_PURPOSE, value=nonce)


def keep_login_nonce(config: Settings, response: Response, nonce: str) -> None:
    _cookie(config, response, LOGIN_COOKIE, nonce, 3600)


def login_csrf_matches(request: Request, given: object, *, engine: Engine, config: Settings) -> bool:  # fmt: skip
    nonce = request.cookies.get(LOGIN_COOKIE)
    return bool(nonce) and same_token(login_csrf(engine, config, nonce or ""), given)
