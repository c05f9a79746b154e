"""The speed patches of bot/server.py against stock Rasa 3.6. The patches run in the Rasa venv, so
each case is a short run of tests/bot/server_cases.py there (started early: tests/bot/conftest.py)."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.stack import RASA_VENV, ROOT

CASES_SCRIPT = "server_cases.py"
CASES = ["reply_check_decides_as_the_schema", "graph_runner_and_rule_matching_decide_as_stock",
         "kept_states_and_skipped_copies_decide_as_stock", "sentence_row_classifies_as_stock"]


@pytest.mark.parametrize("case", CASES)
def test_patch_decides_as_stock(case, case_run):
    assert case_run.returncode == 0 and case_run.stdout.strip().endswith("ok"), \
        case_run.stdout[-2000:] + case_run.stderr[-4000:]


def test_patched_rasa_answers_and_stores_as_stock(stack):
    """bot.server.patch_rasa end to end, against the session's real action server (see the case)."""
    done = subprocess.run([str(RASA_VENV / "python"), str(ROOT / "tests" / "bot" / CASES_SCRIPT),
                           "conversations_as_stock"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "ACTION_URL": stack.actions_url,
                               "SERVICE_TOKEN": stack.service_token})
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout[-2000:] + done.stderr[-4000:]
