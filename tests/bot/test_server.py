"""The speed patches of bot/server.py against stock Rasa 3.6. The patches run in the Rasa venv, so
each case is a short run of tests/bot/server_cases.py there."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.stack import RASA_VENV, ROOT

CASES = ["reply_check_decides_as_the_schema", "graph_runner_and_rule_matching_decide_as_stock"]


@pytest.mark.parametrize("case", CASES)
def test_patch_decides_as_stock(case):
    done = subprocess.run([str(RASA_VENV / "python"), str(ROOT / "tests" / "bot" / "server_cases.py"), case],
                          cwd=ROOT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout[-2000:] + done.stderr[-4000:]
