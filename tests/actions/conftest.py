"""The action tests run in the Rasa venv (rasa-sdk needs Python < 3.11) against a real knowledge
service process started here: actions are called directly on recorded Trackers, without Rasa."""
from __future__ import annotations

import os

import pytest

from tests.stack import knowledge_process


@pytest.fixture(scope="session")
def knowledge_url(tmp_path_factory) -> str:
    process = knowledge_process(tmp_path_factory.mktemp("actions-knowledge")).start()
    try:
        process.wait_healthy()
        url = process.health_url.removesuffix("/healthz")
        os.environ["KNOWLEDGE_URL"] = url
        from actions import knowledge_client
        knowledge_client.KNOWLEDGE_URL = url
        yield url
    finally:
        process.stop()
