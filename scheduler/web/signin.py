"""Signing in to the coordinator's workspace (/logga-in) and out (/logga-ut).

A sign-in is three steps (scheduler.services.signin): the attempt is counted against the username
and the client address (a throttled one gets 429 with Retry-After, checked no further); the
password is checked, a few at once, through the gate (scheduler.web.password_gate: a full queue
gets 503 with Retry-After at once); the result is settled and a session started. The route is a
coroutine so that waiting for a turn at the gate ties up no thread: the database steps and the
pages run in the thread pool, the check in the gate's own worker threads.

A wrong password and an unknown username get the same answer, after the same work. Both go into
the audit record, as does every sign-in. An organisation that has switched local passwords off
(`local_passwords = false` in its [oidc]) is signed in to only through its provider: its right
password is refused with a page that says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine

from scheduler.services.audit import FAILED_SIGN_IN, SIGN_IN, record
from scheduler.services.signin import Admitted, SignInPolicy, admit, settle
from scheduler.services.usernames import MAX_USERNAME_CHARS
from scheduler.settings.model import Settings
from scheduler.web.deps import (
    AppClock,
    ClockDep,
    ConfigDep,
    EngineDep,
    PasswordGateDep,
    SignInPolicyDep,
    SignInThreadsDep,
)
from scheduler.web.layout import HOME
from scheduler.web.oidc_signin import passwords_offered, provider_buttons
from scheduler.web.pages import PAGE_METHODS, PostedForm, posted_form, render
from scheduler.web.password_gate import GateFull, PasswordGate
from scheduler.web.session import (
    Coordinator,
    client_address,
    current_coordinator,
    end_session,
    keep_login_nonce,
    login_csrf,
    login_csrf_matches,
    login_nonce,
    signed_form,
    start_session,
)

router = APIRouter()

REASONS = {
    "inloggning": ("info", "Logga in för att se sidan."),
    "utgangen": ("info", "Din inloggning har gått ut. Logga in igen för att fortsätta."),
    "utloggad": ("ok", "Du är utloggad."),
}
WRONG = "Fel användarnamn eller lösenord. Kontrollera stavningen och försök igen."
STALE_FORM = ("Inloggningen kunde inte göras eftersom sidan var för gammal eller öppnades på "
              "annat sätt. Sidan är laddad på nytt: fyll i användarnamn och lösenord igen.")  # fmt: skip
EMPTY = "Fyll i både användarnamn och lösenord."
TOO_LONG = (f"Användarnamnet är för långt: ett användarnamn har högst {MAX_USERNAME_CHARS} "
            "tecken. Kontrollera att rätt text kom i fältet och försök igen.")  # fmt: skip
PROVIDER_ONLY = "Lösenord används inte för {organisation}: logga in med {provider} i stället."
BUSY = ("Servern har många inloggningar att kontrollera just nu. Vänta några sekunder och "
        "försök sedan igen.")  # fmt: skip
# How long a request refused at the full gate is asked to wait: a few checks' time.
BUSY_RETRY_SECONDS = 5


def gate_of(config: Settings) -> PasswordGate:
    """The app's gate, sized by [server]: one per app, shared by its requests."""
    return PasswordGate(at_once=config.server.password_checks_at_once,
                        queue=config.server.password_check_queue)  # fmt: skip


def threads_of(config: Settings) -> anyio.CapacityLimiter:
    """The threads sign-in's database steps may use at once (server.signin_threads)."""
    return anyio.CapacityLimiter(config.server.signin_threads)


@dataclass(frozen=True)
class SignInInputs:
    """What signing in works with: the store, the installation's settings, the app's clock and
    how attempts are throttled."""

    engine: Engine
    config: Settings
    clock: AppClock
    policy: SignInPolicy


async def sign_in_inputs(engine: EngineDep, config: ConfigDep, clock: ClockDep,
                         policy: SignInPolicyDep) -> SignInInputs:  # fmt: skip
    return SignInInputs(engine, config, clock, policy)


SignInInputsDep = Annotated[SignInInputs, Depends(sign_in_inputs)]


def _wait_text(wait: timedelta) -> str:
    seconds = max(1, math.ceil(wait.total_seconds()))
    if seconds < 120:
        return f"{seconds} sekunder"
    return f"{math.ceil(seconds / 60)} minuter"


def login_page(request: Request, inputs: SignInInputs, *, status: int = 200,
               error: str | None = None, username: str = "", headers: dict[str, str] | None = None,
               csrf: str | None = None) -> Response:  # fmt: skip
    """The sign-in page; `csrf` the token just checked (no database work), else made anew."""
    reason = REASONS.get(request.query_params.get("orsak", ""))
    nonce = login_nonce(request)
    # What was typed is given back, but never more than a username can be.
    response = render("login.html", status, error=error, notice=None if error else reason,
                      username=username[:MAX_USERNAME_CHARS],
                      csrf=csrf or login_csrf(inputs.engine, inputs.config, nonce),
                      providers=provider_buttons(inputs.config),
                      passwords=passwords_offered(inputs.config))  # fmt: skip
    response.headers.update(headers or {})
    keep_login_nonce(inputs.config, response, nonce)
    return response


@router.api_route("/logga-in", methods=PAGE_METHODS, response_class=HTMLResponse)
@router.api_route("/logga-in/oidc", methods=PAGE_METHODS, response_class=HTMLResponse)
def login_form(request: Request, inputs: SignInInputsDep) -> Response:
    return login_page(request, inputs)


@dataclass(frozen=True)
class _Typed:
    username: str
    password: str
    csrf: str


def _counted(request: Request, inputs: SignInInputs, form: PostedForm) -> Response | tuple[_Typed, Admitted]:  # fmt: skip
    """The form checked and the attempt counted (in a thread: it is database work); a page when
    the attempt stops here."""
    username = form.text("username").strip()
    if form.fields is None or not login_csrf_matches(
        request, form.fields.get("csrf"), engine=inputs.engine, config=inputs.config
    ):
        return login_page(request, inputs, status=403, error=STALE_FORM, username=username)
    password = form.text("password")
    if not username or not password:
        return login_page(request, inputs, status=400, error=EMPTY, username=username)
    attempt = admit(inputs.engine, inputs.policy, username=username,
                    address=client_address(request), now=inputs.clock())  # fmt: skip
    if not isinstance(attempt, Admitted):
        whose = "från din adress" if attempt.per_address else "med det här användarnamnet"
        text = (f"För många felaktiga försök {whose}. Vänta {_wait_text(attempt.wait)} och "
                "försök sedan igen.")  # fmt: skip
        retry = str(max(1, math.ceil(attempt.wait.total_seconds())))
        return login_page(request, inputs, status=429, error=text, username=username,
                          headers={"Retry-After": retry})  # fmt: skip
    if len(username) > MAX_USERNAME_CHARS:  # no account has it: counted, and not checked
        return login_page(request, inputs, status=400, error=TOO_LONG, username=username)
    return _Typed(username, password, form.text("csrf")), attempt


def _organisation_of(config: Settings, attempt: Admitted) -> str:
    """Whose record a failed attempt goes in: the account's organisation, else the one
    district's; an unknown name in an installation of several is nobody's ("")."""
    if attempt.account is not None:
        return attempt.account.organisation
    names = config.organisation_names
    return names[0] if len(names) == 1 else ""


def _settled(request: Request, inputs: SignInInputs, typed: _Typed, attempt: Admitted, right: bool) -> Response:  # fmt: skip
    account = settle(inputs.engine, inputs.policy, attempt, right=right)
    now, address = inputs.clock(), client_address(request)
    if account is None:
        record(inputs.engine, inputs.config, organisation=_organisation_of(inputs.config, attempt),
               actor=typed.username, address=address, action=FAILED_SIGN_IN,
               detail="fel användarnamn eller lösenord", now=now)  # fmt: skip
        return login_page(request, inputs, status=401, error=WRONG, username=typed.username)
    provider = inputs.config.identity_providers.get(account.organisation)
    if provider is not None and not provider.local_passwords:
        record(inputs.engine, inputs.config, organisation=account.organisation,
               actor=account.username, address=address, action=FAILED_SIGN_IN,
               detail="lösenord avstängda för organisationen", now=now)  # fmt: skip
        text = PROVIDER_ONLY.format(organisation=account.organisation, provider=provider.shown_name)
        return login_page(request, inputs, status=403, error=text, username=typed.username)
    record(inputs.engine, inputs.config, organisation=account.organisation, actor=account.username,
           address=address, action=SIGN_IN, detail="med lösenord", now=now)  # fmt: skip
    response = RedirectResponse(HOME, status_code=303)
    start_session(request, response, account, engine=inputs.engine, config=inputs.config,
                  now=inputs.clock())  # fmt: skip
    return response


@router.post("/logga-in", response_class=HTMLResponse)
async def login(request: Request, form: Annotated[PostedForm, Depends(posted_form)],
                inputs: SignInInputsDep, gate: PasswordGateDep, threads: SignInThreadsDep) -> Response:  # fmt: skip
    # The database steps in threads of sign-in's own limiter (server.signin_threads): a flood
    # waits for them here, on the event loop, and leaves the server's thread pool and its
    # pooled connections to the other pages and /healthz.
    counted = await anyio.to_thread.run_sync(_counted, request, inputs, form, limiter=threads)
    if isinstance(counted, Response):
        return counted
    typed, attempt = counted
    try:
        right = await gate.run(lambda: attempt.check(typed.password))
    except GateFull:  # answered at once: the page needs no database work
        return login_page(request, inputs, status=503, error=BUSY, username=typed.username,
                          headers={"Retry-After": str(BUSY_RETRY_SECONDS)}, csrf=typed.csrf)  # fmt: skip
    return await anyio.to_thread.run_sync(_settled, request, inputs, typed, attempt, right,
                                          limiter=threads)  # fmt: skip


@router.post("/logga-ut", response_class=HTMLResponse)
def logout(
    request: Request,
    coordinator: Annotated[Coordinator, Depends(current_coordinator)],
    form: Annotated[PostedForm, Depends(signed_form)],
    engine: EngineDep,
) -> Response:
    response = RedirectResponse("/logga-in?orsak=utloggad", status_code=303)
    end_session(request, response, engine)
    return response
