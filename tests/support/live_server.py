"""The real web server (uvicorn) in a thread on a free loopback port, for browser tests, with a
clock the test moves by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp


@contextmanager
def serving(app: ASGIApp, port: int) -> Iterator[str]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    with running(config):
        yield f"http://127.0.0.1:{port}"


@contextmanager
def running(config: uvicorn.Config) -> Iterator[uvicorn.Server]:
    """A uvicorn server with `config` in a thread, from listening until the block ends."""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:  # waiting for a server to listen is the one wait a test cannot avoid
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test web server did not start")
        time.sleep(0.02)
    try:
        yield server
    finally:
        server.should_exit = True
        thread.join(timeout=10)
