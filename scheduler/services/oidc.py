"""Signing in through the organisation's own identity provider, over OpenID Connect (Authlib).

The authorization-code flow with PKCE (S256), a state and a nonce: `begin_sign_in` keeps what the
answer must match (scheduler.store.oidc_sign_ins, by the state's hash, for one use) and gives the
provider's authorization URL; `finish_sign_in` takes that back by the state the answer carries,
exchanges the code at the provider's token endpoint (the client authenticating with
client_secret_basic) and validates the ID token: its signature against the provider's JWKS
(fetched again once when the token names a key not in it, as after a key rotation), its issuer
(the organisation's configured issuer, the one the sign-in was begun for), its audience (the
organisation's client id), its expiry and issue time by the app's clock, and its nonce. The
claims decide the role at every sign-in; the account is made at the first one.

A sign-in therefore ends in the organisation it was begun for, and only when that organisation's
provider issued the token.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import Engine

from scheduler.base.errors import UsageError
from scheduler.model.account import COORDINATOR, READER, Account, Role
from scheduler.services.usernames import MAX_USERNAME_CHARS, check_username
from scheduler.settings.model import Oidc, Settings
from scheduler.store.accounts import ProviderPerson, signed_in_through_provider, username_taken
from scheduler.store.oidc_sign_ins import PendingSignIn, add_sign_in, take_sign_in

CALLBACK_PATH: Final = "/logga-in/oidc/svar"
# How long a begun sign-in may take at the provider (typing a password, a second factor), and
# how many may be under way at once (a flood of begun sign-ins pushes out the oldest).
SIGN_IN_TIME: Final = timedelta(minutes=15)
SIGN_INS_UNDER_WAY: Final = 10_000
# An OIDC session ends within this, whatever server.session_hours says: a person taken out of
# the group at the provider is out within the hour.
OIDC_SESSION: Final = timedelta(hours=1)
# The clocks of the provider and this server may differ this much (iat, exp).
CLOCK_SKEW_SECONDS: Final = 300
# The signature algorithms accepted: asymmetric only (the keys are the provider's JWKS).
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA")  # fmt: skip
HTTP_TIMEOUT_SECONDS: Final = 10.0


class SignInRefused(Exception):
    """The sign-in did not give an account; `reason` says which page the person gets."""

    def __init__(self, reason: str, organisation: str | None = None, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.organisation = organisation
        self.detail = detail  # for the audit record and the log, never for the page


# The reasons, as the pages name them.
EXPIRED: Final = "avbruten"  # no such sign-in under way: replayed, too old, or another browser's
PROVIDER: Final = "leverantor"  # the provider could not be reached or refused the code
INVALID: Final = "ogiltig"  # the ID token failed validation
OUTSIDER: Final = "behorighet"  # valid, but the claims give no role here
STOPPED: Final = "nekad"  # the provider answered with an error instead of a code


def callback_url(config: Settings) -> str:
    return config.base_url + CALLBACK_PATH


class IdentityProviders:
    """Each issuer's discovery document and JWKS, fetched when first needed and kept; the JWKS
    is fetched again when a token names a key it does not have. One per app, shared by threads."""

    def __init__(self, timeout: float = HTTP_TIMEOUT_SECONDS) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._metadata: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, KeySet] = {}

    def _get(self, url: str) -> dict[str, Any]:
        response = requests.get(url, timeout=self._timeout)
        response.raise_for_status()
        found = response.json()
        if not isinstance(found, dict):
            raise ValueError(f"{url}: not a JSON object")
        return found

    def metadata(self, issuer: str) -> dict[str, Any]:
        with self._lock:
            known = self._metadata.get(issuer)
        if known is not None:
            return known
        found = self._get(issuer.rstrip("/") + "/.well-known/openid-configuration")
        # The document must name the issuer configured (OpenID Connect Discovery 4.3).
        if found.get("issuer") != issuer:
            raise ValueError(f"discovery names issuer {found.get('issuer')!r}, not {issuer!r}")
        with self._lock:
            self._metadata[issuer] = found
        return found

    def key_set(self, issuer: str, *, fresh: bool = False) -> KeySet:
        with self._lock:
            known = None if fresh else self._keys.get(issuer)
        if known is not None:
            return known
        keys = KeySet.import_key_set(self._get(str(self.metadata(issuer)["jwks_uri"])))  # type: ignore[arg-type]
        with self._lock:
            self._keys[issuer] = keys
        return keys


def _client(provider: Oidc, config: Settings) -> OAuth2Session:
    return OAuth2Session(
        client_id=provider.client_id, client_secret=provider.client_secret,
        scope=" ".join(provider.scopes), redirect_uri=callback_url(config),
        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
    )  # fmt: skip


def state_hash(state: str) -> str:
    return hashlib.sha256(state.encode("utf-8", "surrogatepass")).hexdigest()


def begin_sign_in(engine: Engine, config: Settings, providers: IdentityProviders, *,
                  organisation: str, now: datetime) -> tuple[str, str]:  # fmt: skip
    """The provider's authorization URL for `organisation`, and the state the browser must bring
    back (the route keeps it in a cookie too, so only this browser can finish the sign-in)."""
    provider = config.identity_providers[organisation]
    try:
        endpoint = str(providers.metadata(provider.issuer)["authorization_endpoint"])
    except (requests.RequestException, ValueError, KeyError) as error:
        raise SignInRefused(PROVIDER, organisation, f"discovery: {error}") from None
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 asks for 43–128
    with _client(provider, config) as client:
        url, _ = client.create_authorization_url(endpoint, state=state, nonce=nonce,
                                                 code_verifier=verifier)  # fmt: skip
    add_sign_in(engine, state_hash=state_hash(state),
                pending=PendingSignIn(organisation, nonce, verifier, now),
                forget_before=now - SIGN_IN_TIME, keep_at_most=SIGN_INS_UNDER_WAY)  # fmt: skip
    return str(url), state


def _decoded(providers: IdentityProviders, issuer: str, id_token: str, algorithms: list[str]) -> jwt.Token:  # fmt: skip
    try:
        return jwt.decode(id_token, providers.key_set(issuer), algorithms=algorithms)
    except InvalidKeyIdError:  # a key the provider has rolled over to since: its JWKS again
        return jwt.decode(id_token, providers.key_set(issuer, fresh=True), algorithms=algorithms)


def validated_claims(providers: IdentityProviders, provider: Oidc, token: Mapping[str, Any], *,
                     nonce: str, now: datetime) -> dict[str, Any]:  # fmt: skip
    """The ID token's claims, after its signature, issuer, audience, times and nonce."""
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused(INVALID, detail="no id_token in the token response")
    offered = providers.metadata(provider.issuer).get("id_token_signing_alg_values_supported")
    algorithms = [a for a in (offered or ["RS256"]) if a in ASYMMETRIC]
    try:
        decoded = _decoded(providers, provider.issuer, id_token, algorithms)
        claims = CodeIDToken(
            decoded.claims, decoded.header,
            {"iss": {"essential": True, "value": provider.issuer},
             "aud": {"essential": True, "value": provider.client_id}},
            {"nonce": nonce, "client_id": provider.client_id,
             "access_token": token.get("access_token")},
        )  # fmt: skip
        claims.validate(now=int(now.timestamp()), leeway=CLOCK_SKEW_SECONDS)
    except (JoseError, AuthlibBaseError, ValueError, requests.RequestException) as error:
        raise SignInRefused(INVALID, detail=f"id_token: {error}") from None
    return dict(claims)


def role_of(provider: Oidc, claims: Mapping[str, Any]) -> Role | None:
    """The role the claims give: coordinator before reader; None for neither."""
    raw = claims.get(provider.role_claim)
    values = {raw} if isinstance(raw, str) else {v for v in raw if isinstance(v, str)} if isinstance(raw, list) else set()  # fmt: skip
    if values & set(provider.coordinator_values):
        return COORDINATOR
    if values & set(provider.reader_values):
        return READER
    return None


def _text_claim(claims: Mapping[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


def new_username(engine: Engine, person: ProviderPerson, claims: Mapping[str, Any]) -> str:
    """The account's name at its first sign-in: the provider's username or address when it is a
    valid one nobody has, else one made from the person's identity at the provider."""
    for claim in ("preferred_username", "email", "upn"):
        wanted = _text_claim(claims, claim)
        if wanted is None or len(wanted) > MAX_USERNAME_CHARS:
            continue
        try:
            name = check_username(wanted)
        except UsageError:  # not a valid username here (a space, a sign): the next claim
            continue
        if not username_taken(engine, name):
            return name
    identity = f"{person.organisation}\n{person.issuer}\n{person.subject}".encode()
    return "oidc-" + hashlib.sha256(identity).hexdigest()[:16]


@dataclass(frozen=True)
class FinishedSignIn:
    account: Account
    name: str  # what the audit record and the page call the person


def finish_sign_in(engine: Engine, config: Settings, providers: IdentityProviders, *,
                   state: str, code: str, now: datetime, error: str = "") -> FinishedSignIn:  # fmt: skip
    """The account the provider's answer (`code`, or its `error`) signs in to; else
    SignInRefused. The sign-in under way is used up either way."""
    pending = take_sign_in(engine, state_hash(state)) if state else None
    if pending is None or now - pending.created_at > SIGN_IN_TIME:
        raise SignInRefused(EXPIRED, None if pending is None else pending.organisation)
    organisation = pending.organisation
    provider = config.identity_providers.get(organisation)
    if provider is None:  # the organisation's provider left the configuration meanwhile
        raise SignInRefused(EXPIRED, organisation)
    if not code:
        raise SignInRefused(STOPPED, organisation, f"the provider answered {error or 'no code'}")
    try:
        endpoint = str(providers.metadata(provider.issuer)["token_endpoint"])
        with _client(provider, config) as client:
            token = client.fetch_token(endpoint, grant_type="authorization_code", code=code,
                                       code_verifier=pending.code_verifier,
                                       redirect_uri=callback_url(config),
                                       timeout=HTTP_TIMEOUT_SECONDS)  # fmt: skip
    except (AuthlibBaseError, requests.RequestException, ValueError, KeyError) as error:
        raise SignInRefused(PROVIDER, organisation, f"token endpoint: {error}") from None
    try:
        claims = validated_claims(providers, provider, token, nonce=pending.nonce, now=now)
    except SignInRefused as refused:
        raise SignInRefused(refused.reason, organisation, refused.detail) from None
    subject = str(claims["sub"])
    name = _text_claim(claims, "name") or _text_claim(claims, "email") or subject
    role = role_of(provider, claims)
    if role is None:
        raise SignInRefused(OUTSIDER, organisation, f"{name}: no role in {provider.role_claim}")
    person = ProviderPerson(issuer=provider.issuer, subject=subject, organisation=organisation,
                            role=role, display_name=_text_claim(claims, "name"),
                            email=_text_claim(claims, "email"))  # fmt: skip
    account = signed_in_through_provider(engine, person, username=new_username(engine, person, claims),
                                         now=now)  # fmt: skip
    return FinishedSignIn(account, name)
