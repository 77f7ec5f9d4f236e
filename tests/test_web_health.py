"""`GET /healthz` on SQLite and PostgreSQL: database reachable, migrations current, the last
dispatcher pass (recorded in the database by every pass), due and failed reminders; 200 when the
database is reachable and current, 503 otherwise; nothing secret in it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from scheduler.model.mail import OutboxStatus
from scheduler.store.engine import normalise_url
from scheduler.web.app import create_app
from tests.support.smtp_server import SmtpServer, World, make_world, smtp_server

MORNING = datetime.fromisoformat("2024-01-09T08:30:00+01:00")
KEYS = {"status", "database", "migrations_current", "last_dispatcher_pass", "due_reminders",
        "failed_reminders"}  # fmt: skip


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def world(tmp_path: Path, store_url: str, smtp: SmtpServer) -> World:
    return make_world(tmp_path, store_url, smtp)


def client(world: World, now: datetime) -> TestClient:
    return TestClient(create_app(world.engine, world.config, clock=lambda: now))


def test_healthz_reports_the_last_dispatcher_pass_and_due_and_failed_reminders(
    world: World, smtp: SmtpServer, store_url: str
) -> None:
    before = client(world, MORNING).get("/healthz")
    assert before.status_code == 200 and before.headers["cache-control"] == "no-store"
    due_rows = [r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= MORNING]
    due = len(due_rows)
    assert before.json() == {"status": "ok", "database": True, "migrations_current": True,
                             "last_dispatcher_pass": None, "due_reminders": due,
                             "failed_reminders": 0}  # fmt: skip

    for row in due_rows:  # every address refused for good: those rows fail
        smtp.handler.refuse_recipients[row.recipient] = "550 5.1.1 Ingen sådan mottagare"
    result = world.run(MORNING)
    assert result.failed >= 1
    later = MORNING + timedelta(days=30)
    report = client(world, later).get("/healthz")
    assert report.status_code == 200
    body = report.json()
    assert set(body) == KEYS and body["status"] == "ok"
    assert datetime.fromisoformat(body["last_dispatcher_pass"]) == MORNING
    assert body["failed_reminders"] == len(world.outbox(OutboxStatus.FAILED)) == result.failed
    assert (
        body["due_reminders"]
        == len([r for r in world.outbox(OutboxStatus.PENDING) if r.due_at <= later])
        > 0
    )
    # Nothing secret: no database URL, no address, no host name.
    assert "@" not in report.text and "sqlite" not in report.text and "postgres" not in report.text
    assert store_url not in report.text


def test_healthz_is_503_when_the_migrations_are_not_current(world: World) -> None:
    with world.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    report = client(world, MORNING).get("/healthz")
    assert report.status_code == 503
    assert report.json() == {"status": "fel", "database": True, "migrations_current": False,
                             "last_dispatcher_pass": None, "due_reminders": None,
                             "failed_reminders": None}  # fmt: skip


def test_healthz_is_503_when_the_database_cannot_be_reached(
    world: World, store_url: str, tmp_path: Path
) -> None:
    if store_url.startswith("sqlite"):
        (tmp_path / "ingen-mapp").write_text("en fil", encoding="utf-8")
        away = create_engine(f"sqlite:///{tmp_path / 'ingen-mapp' / 'db.sqlite3'}")
    else:  # nothing listens on port 1
        away = create_engine(
            normalise_url(store_url).replace("@127.0.0.1:5432", "@127.0.0.1:1"),
            connect_args={"connect_timeout": 5},
        )
    app = create_app(world.engine, world.config, clock=lambda: MORNING)
    app.state.engine = away
    report = TestClient(app).get("/healthz")
    assert report.status_code == 503
    assert report.json()["status"] == "fel" and report.json()["database"] is False
    assert str(tmp_path) not in report.text and "127.0.0.1" not in report.text
