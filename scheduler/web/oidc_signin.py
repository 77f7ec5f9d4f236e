"""Signing in with the organisation's own identity provider: a POST to /logga-in/oidc (the
"Logga in med …" button of /logga-in, with the sign-in form's CSRF token) sends the browser to the
provider, /logga-in/oidc/svar takes its answer (scheduler.services.oidc does the protocol). A GET
of /logga-in/oidc is the sign-in page itself: no GET begins anything.

The state travels to the provider and back in the URL, and stays here in an HttpOnly cookie as
well: an answer is taken only in the browser that began the sign-in. A refusal is a Swedish page
that says what to do, and goes into the audit record with the reason (never on the page).
"""

from __future__ import annotations

import logging
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from scheduler.base.links import same_token
from scheduler.services.audit import FAILED_SIGN_IN, SIGN_IN, record
from scheduler.services.oidc import (
    CALLBACK_PATH,
    EXPIRED,
    INVALID,
    OIDC_SESSION,
    OUTSIDER,
    PROVIDER,
    SIGN_IN_TIME,
    STOPPED,
    SignInRefused,
    begin_sign_in,
    finish_sign_in,
)
from scheduler.settings.model import Settings
from scheduler.web.deps import ClockDep, ConfigDep, EngineDep, IdentityProvidersDep
from scheduler.web.layout import HOME
from scheduler.web.pages import PAGE_METHODS, PostedForm, posted_form, render
from scheduler.web.session import client_address, login_csrf_matches, start_session

log = logging.getLogger(__name__)
router = APIRouter()

STATE_COOKIE: Final = "inloggning-oidc"
START_PATH: Final = "/logga-in/oidc"


def provider_buttons(config: Settings) -> list[tuple[str, str]]:
    """The sign-in page's "Logga in med …" buttons: (organisation, text), one per organisation
    that has a provider; with several organisations each says whose it is."""
    buttons: list[tuple[str, str]] = []
    providers = config.identity_providers
    for organisation, provider in providers.items():
        text = f"Logga in med {provider.shown_name}"
        if config.several_organisations:
            text += f" ({organisation})"
        buttons.append((organisation, text))
    return buttons


def passwords_offered(config: Settings) -> bool:
    """The password form is shown unless every organisation has switched passwords off."""
    names = config.organisation_names or ("",)
    providers = config.identity_providers
    return any(name not in providers or providers[name].local_passwords for name in names)


def _shown_name(config: Settings, organisation: str | None) -> str:
    provider = config.identity_providers.get(organisation or "")
    return provider.shown_name if provider is not None else "identitetsleverantören"


REFUSALS: Final = {
    OUTSIDER: (403, "Du har inte behörighet",
               "Du loggade in hos {provider}, men ditt konto ger ingen behörighet till "
               "arbetsytan för {organisation}. Be samordnaren eller kommunens IT-avdelning att "
               "lägga till dig i rätt grupp, och logga sedan in igen."),
    EXPIRED: (400, "Inloggningen kunde inte slutföras",
              "Inloggningen hade gått ut, redan använts eller påbörjats i en annan webbläsare. "
              "Ingen inloggning gjordes. Börja om från inloggningssidan."),
    STOPPED: (400, "Inloggningen avbröts",
              "Inloggningen hos {provider} avbröts eller nekades, så ingen inloggning gjordes. "
              "Börja om från inloggningssidan."),
    INVALID: (400, "Inloggningen kunde inte godkännas",
              "Svaret från {provider} kunde inte kontrolleras, så ingen inloggning gjordes. "
              "Försök igen från inloggningssidan; händer det igen, kontakta den som driver "
              "tjänsten."),
    PROVIDER: (502, "Inloggningstjänsten svarar inte",
               "{provider} gick inte att nå eller godtog inte inloggningen. Ingen inloggning "
               "gjordes. Försök igen om en stund."),
}  # fmt: skip


def refusal_page(config: Settings, refused: SignInRefused) -> HTMLResponse:
    status, title, text = REFUSALS[refused.reason]
    text = text.format(provider=_shown_name(config, refused.organisation),
                       organisation=refused.organisation or "organisationen")  # fmt: skip
    response = render("sign_in_refused.html", status, title=title, text=text)
    response.delete_cookie(STATE_COOKIE, path="/")
    return response


@router.post(START_PATH, response_class=HTMLResponse)
def start(request: Request, form: Annotated[PostedForm, Depends(posted_form)], engine: EngineDep,
          config: ConfigDep, clock: ClockDep, providers: IdentityProvidersDep) -> Response:  # fmt: skip
    if form.fields is None or not login_csrf_matches(request, form.fields.get("csrf"),
                                                     engine=engine, config=config):  # fmt: skip
        return RedirectResponse("/logga-in", status_code=303)  # a page from before: anew
    asked = form.text("organisation")
    configured = config.identity_providers
    organisation = config.find_organisation(asked) if asked else None
    if organisation is None and not asked and len(configured) == 1:
        organisation = next(iter(configured))
    if organisation is None or organisation not in configured:
        return RedirectResponse("/logga-in", status_code=303)  # the page lists the choices
    try:
        url, state = begin_sign_in(engine, config, providers, organisation=organisation,
                                   now=clock())  # fmt: skip
    except SignInRefused as refused:
        log.warning("OIDC sign-in for %s could not begin: %s", organisation, refused.detail)
        return refusal_page(config, refused)
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(STATE_COOKIE, state, max_age=int(SIGN_IN_TIME.total_seconds()),
                        path="/", httponly=True, samesite="lax",
                        secure=config.base_url.lower().startswith("https://"))  # fmt: skip
    return response


@router.api_route(CALLBACK_PATH, methods=PAGE_METHODS, response_class=HTMLResponse)
def answer(request: Request, engine: EngineDep, config: ConfigDep, clock: ClockDep,
           providers: IdentityProvidersDep) -> Response:  # fmt: skip
    now = clock()
    address = client_address(request)
    state = request.query_params.get("state", "")
    code = request.query_params.get("code", "")
    try:
        if not state or not same_token(request.cookies.get(STATE_COOKIE, ""), state):
            raise SignInRefused(EXPIRED, detail="state not this browser's")
        # No code: the provider's own refusal (error=access_denied …), said in the record.
        finished = finish_sign_in(engine, config, providers, state=state, code=code, now=now,
                                  error=request.query_params.get("error", "")[:100])  # fmt: skip
    except SignInRefused as refused:
        log.info("OIDC sign-in refused (%s): %s", refused.reason, refused.detail)
        record(engine, config, organisation=refused.organisation or "", actor="", address=address,
               action=FAILED_SIGN_IN, detail=f"{refused.reason}: {refused.detail}"[:500], now=now)  # fmt: skip
        return refusal_page(config, refused)
    account = finished.account
    record(engine, config, organisation=account.organisation, actor=account.username,
           address=address, action=SIGN_IN,
           detail=f"{finished.name} via {_shown_name(config, account.organisation)} "
                  f"som {'läsare' if account.reader else 'samordnare'}", now=now)  # fmt: skip
    response = RedirectResponse(HOME, status_code=303)
    start_session(request, response, account, engine=engine, config=config, now=now,
                  longest=OIDC_SESSION)  # fmt: skip
    response.delete_cookie(STATE_COOKIE, path="/")
    return response
