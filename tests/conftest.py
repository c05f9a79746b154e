"""Session fixtures: the real assistant (knowledge service, action server, Rasa) started once."""
from __future__ import annotations

import gc
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.stack import ADMIN_PASSWORD, Stack, login, password_for

POSTGRES = "host=127.0.0.1 port=5432 user=postgres"

STAFF_ACCOUNTS = {"reviewer1": "reviewer", "editor1": "editor", "staff1": "staff"}

# Fixtures that start real processes (the stacks of tests/stack.py, Chromium, the scaled layout, and the
# modules' own stacks). A test that uses one, directly or through another fixture, is marked `stack`;
# the fast layer (`make test-fast`, `scripts/test.sh --fast`) is everything else.
STACK_FIXTURES = {"knowledge_stack", "stack", "staff_stack", "scaled", "browser", "state_stack", "privacy_stack",
                  "replicas", "replicas_sharing_redis"}


def pytest_configure(config: pytest.Config) -> None:
    # Collecting imports the whole service and its libraries (~400k objects kept for the session); the garbage
    # collector would walk them all again each time they grew by a quarter (~2 s of CPU). Paused meanwhile,
    # on again for the tests themselves.
    gc.disable()


def pytest_collection_finish(session: pytest.Session) -> None:
    gc.enable()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if STACK_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.stack)


@pytest.fixture(scope="session")
def knowledge_stack(tmp_path_factory) -> Stack:
    """The knowledge service alone (real model, real index) on a free port."""
    stack = Stack(tmp_path_factory.mktemp("knowledge")).start(with_rasa=False)
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    """The whole assistant: knowledge service + action server + Rasa with the trained model."""
    stack = Stack(tmp_path_factory.mktemp("stack")).start(with_rasa=True)
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def staff_stack(tmp_path_factory) -> Stack:
    """The knowledge service alone, with its own database and one account per role.

    `admin` (password tests.stack.ADMIN_PASSWORD) and reviewer1 / editor1 / staff1, each with the
    password tests.stack.password_for(username), created through the admin API.
    """
    workdir = tmp_path_factory.mktemp("staff")
    # Its own copy of the passage-vector cache, so a test can break the cache folder (an index update
    # that fails for real) without touching the developer's cache.
    cache = workdir / "cache"
    cache.mkdir()
    shared = Path(os.environ.get("CACHE_DIR", Path.home() / ".cache" / "approval-navigator"))
    for f in shared.glob("vectors-*.npz"):
        shutil.copy(f, cache)
    stack = Stack(workdir, knowledge_env={"CACHE_DIR": str(cache)}).start(with_rasa=False)
    try:
        with login(stack.knowledge_url, "admin", ADMIN_PASSWORD) as admin:
            for username, role in STAFF_ACCOUNTS.items():
                resp = admin.post("/api/users", json={"username": username, "password": password_for(username),
                                                      "role": role})
                assert resp.status_code == 201, resp.text
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[Callable[[], str]]:
    """Makes throwaway PostgreSQL databases (navigator_test_<random>) on 127.0.0.1:5432, dropped at the end.

    Call it for a fresh database's SQLAlchemy URL. Tests skip, saying why, only if PostgreSQL is unreachable.
    """
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(f"{POSTGRES} dbname=postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL is not reachable at 127.0.0.1:5432 as user postgres: {exc}")
    created: list[str] = []

    def make() -> str:
        name = f"navigator_test_{uuid.uuid4().hex[:12]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

    try:
        yield make
    finally:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _signed_in(stack: Stack, username: str, password: str):
    # Generous: the first gap report after start-up encodes its reference questions once.
    with login(stack.knowledge_url, username, password, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def editor(staff_stack: Stack):
    """An HTTP client signed in to the staff stack as editor1."""
    yield from _signed_in(staff_stack, "editor1", password_for("editor1"))


@pytest.fixture(scope="module")
def reviewer(staff_stack: Stack):
    yield from _signed_in(staff_stack, "reviewer1", password_for("reviewer1"))


@pytest.fixture(scope="module")
def admin(staff_stack: Stack):
    yield from _signed_in(staff_stack, "admin", ADMIN_PASSWORD)
