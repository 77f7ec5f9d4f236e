"""Calendar links, as `scheduler feeds create|list|revoke` and the workspace's /lankar handle
them: made for an audience (every calendar of its organisation, or one, stored under the name that
outlives the year), listed per organisation, revoked (its feeds then answer 404).

The link's secret is returned once, when it is made: only its SHA-256 is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from scheduler.model.feed_link import FeedLink
from scheduler.store.feed_tokens import create_token, list_tokens, revoke_token


def link_organisations(organisation: str | None, *, unbound: bool = False) -> tuple[str, ...] | None:  # fmt: skip
    """Whose links `organisation` sees, replaces or revokes: its own; with `unbound` also those
    that belong to none (made before there could be several and not bound to one by migration
    0011: they open nothing, so any district may list and revoke them). None: every link (one
    district configured without a name)."""
    if organisation is None:
        return None
    return (organisation, "") if unbound else (organisation,)


def list_feed_links(engine: Engine, *, organisations: tuple[str, ...] | None) -> list[FeedLink]:
    """The links of `organisations` (`link_organisations`), oldest first; None: every link."""
    return list_tokens(engine, organisations=organisations)


def create_link(
    engine: Engine, *, audience: str, scope: str, organisation: str, now: datetime
) -> tuple[FeedLink, str]:
    """A new link of `organisation` for `audience`, to every calendar (`scope` "") or to the one
    `scope` names; with its secret, which is not kept."""
    return create_token(engine, audience=audience, scope=scope, organisation=organisation, now=now)


def replace_links(
    engine: Engine, audience: str, *, organisations: tuple[str, ...] | None, now: datetime
) -> int:
    """The audience's active links of `organisations` revoked, before it gets a new one (`feeds
    create --replace`). Returns how many."""
    revoked = 0
    for old in list_feed_links(engine, organisations=organisations):
        if old.audience == audience and old.revoked_at is None:
            revoke_token(engine, old.id, now=now)
            revoked += 1
    return revoked


def revoke_link(engine: Engine, link_id: int, *, now: datetime) -> FeedLink:
    """The link revoked (a revoked one stays as it was); NotFoundError when there is none."""
    return revoke_token(engine, link_id, now=now)
