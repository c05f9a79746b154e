"""Session fixtures: the real assistant (knowledge service, action server, Rasa) started once."""
from __future__ import annotations

import pytest

from tests.stack import Stack


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
