"""A real OpenID provider for the sign-in tests: the npm package oidc-provider, run by node
(`tests/clients/oidc_provider.mjs`) on a free loopback port, with the test's clients, users and
signing keys.

`start_provider` gives a `Provider` that can be restarted with a new signing key (the old one
still published beside it), as a provider rotates its keys, and that can be told to re-sign its
next ID token with some claims changed (`next_id_token`), for the tests of tokens it would never
issue (another audience, expired, another issuer).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.support.helpers import free_port

CLIENTS = Path(__file__).parent.parent / "clients"
SCRIPT = CLIENTS / "oidc_provider.mjs"

# The test users: login name -> claims. Groups as Entra ID sends them (object ids).
COORDINATORS_GROUP = "3f2b8c1e-0000-4000-8000-00000000c00d"
READERS_GROUP = "3f2b8c1e-0000-4000-8000-0000000read"
USERS: dict[str, dict[str, Any]] = {
    "karin": {"name": "Karin Samordnare", "email": "karin@kungsholmen.example.se",
              "groups": [COORDINATORS_GROUP]},
    "polis": {"name": "Per Kommunpolis", "email": "per.kommunpolis@polisen.example.se",
              "groups": [READERS_GROUP]},
    "utomstaende": {"name": "Olle Utomstående", "email": "olle@example.se",
                    "groups": ["a-group-of-no-concern"]},
}  # fmt: skip


def signing_key() -> dict[str, Any]:
    key = RSAKey.generate_key(2048, parameters={"alg": "RS256", "use": "sig",
                                                "kid": secrets.token_hex(8)}, private=True)  # fmt: skip
    return dict(key.as_dict(private=True))


@dataclass(frozen=True)
class Client:
    client_id: str
    client_secret: str


@dataclass
class Provider:
    """A running provider; `issuer` is its URL."""

    port: int
    folder: Path
    clients: list[Client]
    redirect_uris: list[str]
    keys: list[dict[str, Any]] = field(default_factory=lambda: [signing_key()])
    process: subprocess.Popen[str] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def kid(self) -> str:
        """The key id the provider signs with now."""
        return str(self.keys[0]["kid"])

    def start(self) -> None:
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "keys": self.keys,
            "clients": [{"client_id": c.client_id, "client_secret": c.client_secret,
                         "redirect_uris": self.redirect_uris} for c in self.clients],
            "users": USERS,
        }  # fmt: skip
        path = self.folder / f"provider-{self.port}.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        node = shutil.which("node") or shutil.which("nodejs") or "node"
        self.process = subprocess.Popen(
            [node, str(SCRIPT), str(path)], cwd=CLIENTS, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True, env={**os.environ, "NODE_ENV": "development"},
        )  # fmt: skip
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the one wait: until it listens
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"the OpenID provider did not start: {line!r}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def rotate_key(self) -> None:
        """A new signing key, the old one still published (as providers roll keys over): the
        provider restarts on the same port and signs with the new key from then on."""
        self.stop()
        self.keys = [signing_key(), *self.keys]
        self.start()

    def next_id_token(self, **claims: Any) -> None:
        """The next ID token the provider issues is re-signed with these claims changed."""
        response = httpx.post(f"{self.issuer}/test/next-id-token", json=claims)
        assert response.status_code == 204


def node_ready() -> bool:
    return (CLIENTS / "node_modules" / "oidc-provider").is_dir()


@contextmanager
def start_provider(folder: Path, clients: list[Client], redirect_uris: list[str]) -> Iterator[Provider]:  # fmt: skip
    """A provider with `clients`, each allowed `redirect_uris`; a skip (a failure in CI) when
    the node packages are not installed."""
    if not node_ready():
        message = "oidc-provider missing: run `bash tests/clients/install.sh`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    provider = Provider(free_port(), folder, clients, redirect_uris)
    provider.start()
    try:
        yield provider
    finally:
        provider.stop()
