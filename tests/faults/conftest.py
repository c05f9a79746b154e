"""One scaled layout per test session (two Rasa replicas on PostgreSQL + Redis, see scaled_stack.py),
shared by the fault tests: each test restores what it breaks in a `finally`."""
from __future__ import annotations

import pytest

from tests.faults.scaled_stack import ScaledStack


@pytest.fixture(scope="session")
def scaled(tmp_path_factory) -> ScaledStack:
    stack = ScaledStack(tmp_path_factory.mktemp("scaled"))
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
