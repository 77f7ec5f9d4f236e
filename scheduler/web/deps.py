"""What the routes share, as typed FastAPI dependencies (`Annotated[X, Depends(get_x)]`): the
store's engine, the installation's settings, the app's clock, the feed service, and what sign-in
and the follow-up form are sized by. `create_app` makes each once, at start, and keeps it on the
app; a route names what it needs in its signature, typed, instead of reading `app.state`.

Coroutines, so FastAPI calls them on the event loop: a plain function would be sent to the
thread pool, for nothing but an attribute read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, cast

import anyio
from fastapi import Depends, Request
from sqlalchemy import Engine

from scheduler.followup.settings import FollowupSettings
from scheduler.services.feeds import FeedService
from scheduler.services.oidc import IdentityProviders
from scheduler.services.signin import SignInPolicy
from scheduler.settings.model import Settings
from scheduler.web.password_gate import PasswordGate

AppClock = Callable[[], datetime]


async def get_engine(request: Request) -> Engine:
    return cast(Engine, request.app.state.engine)


async def get_config(request: Request) -> Settings:
    """The whole installation's settings, read once at start (a coordinator's page uses its
    organisation's: `Coordinator.config`)."""
    return cast(Settings, request.app.state.config)


async def get_clock(request: Request) -> AppClock:
    return cast(AppClock, request.app.state.clock)


async def get_feeds(request: Request) -> FeedService:
    return cast(FeedService, request.app.state.feeds)


async def get_followup_settings(request: Request) -> FollowupSettings:
    return cast(FollowupSettings, request.app.state.followup_settings)


async def get_signin_policy(request: Request) -> SignInPolicy:
    return cast(SignInPolicy, request.app.state.signin_policy)


async def get_password_gate(request: Request) -> PasswordGate:
    return cast(PasswordGate, request.app.state.password_gate)


async def get_max_body_bytes(request: Request) -> int:
    """The largest request body read (`pages.install`)."""
    return cast(int, request.app.state.max_body_bytes)


async def get_signin_threads(request: Request) -> anyio.CapacityLimiter:
    return cast(anyio.CapacityLimiter, request.app.state.signin_threads)


async def get_identity_providers(request: Request) -> IdentityProviders:
    return cast(IdentityProviders, request.app.state.identity_providers)


EngineDep = Annotated[Engine, Depends(get_engine)]
ConfigDep = Annotated[Settings, Depends(get_config)]
ClockDep = Annotated[AppClock, Depends(get_clock)]
FeedsDep = Annotated[FeedService, Depends(get_feeds)]
FollowupSettingsDep = Annotated[FollowupSettings, Depends(get_followup_settings)]
SignInPolicyDep = Annotated[SignInPolicy, Depends(get_signin_policy)]
PasswordGateDep = Annotated[PasswordGate, Depends(get_password_gate)]
SignInThreadsDep = Annotated[anyio.CapacityLimiter, Depends(get_signin_threads)]
MaxBodyBytesDep = Annotated[int, Depends(get_max_body_bytes)]
IdentityProvidersDep = Annotated[IdentityProviders, Depends(get_identity_providers)]
