"""Rasa's own checks of the dialogue: the training data validates, and the trained policy predicts
every action of the test stories in bot/tests/test_stories.yml.

Both run the Rasa CLI of the Rasa venv as a subprocess from the project root, against the model
that `make test` prepared, so they test exactly what `make run` serves.
"""
from __future__ import annotations

import json
import os
import subprocess

import pytest
import yaml

from tests.stack import RASA_MODEL, RASA_VENV, ROOT

RASA = str(RASA_VENV / "rasa")
STORIES = ROOT / "bot" / "tests" / "test_stories.yml"
# No telemetry: CI has no network, and sentry retries only add seconds.
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
# The Rasa CLI in the Rasa venv: a minute of processes, so not part of the fast layer.
pytestmark = pytest.mark.stack


def run_rasa(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([RASA, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=timeout)


def test_training_data_validates():
    result = run_rasa("data", "validate", "--fail-on-warnings", "--domain", "bot/domain.yml",
                      "--data", "bot/data", "--config", "config.yml")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


@pytest.fixture(scope="module")
def core_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("rasa-test-core")
    result = run_rasa("test", "core", "--stories", str(STORIES), "--model", str(RASA_MODEL),
                      "--out", str(out), "--no-plot")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


def test_every_story_is_predicted(core_results):
    failed = yaml.safe_load((core_results / "failed_test_stories.yml").read_text(encoding="utf-8"))
    # Rasa writes a comment-only file ("None of the test stories failed") when all pass.
    assert not failed, (core_results / "failed_test_stories.yml").read_text(encoding="utf-8")
    report = json.loads((core_results / "story_report.json").read_text(encoding="utf-8"))
    conv = report["conversation_accuracy"]
    total = len(yaml.safe_load(STORIES.read_text(encoding="utf-8"))["stories"])
    assert conv["total"] == total and conv["correct"] == total, conv
    assert report["accuracy"] == 1.0


def test_no_prediction_warnings(core_results):
    warnings = yaml.safe_load((core_results / "stories_with_warnings.yml").read_text(encoding="utf-8"))
    assert not warnings, (core_results / "stories_with_warnings.yml").read_text(encoding="utf-8")
