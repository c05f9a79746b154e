"""The speed patches of bot/server.py against stock Rasa 3.6. The patches run in the Rasa venv, so
each case is a short run of tests/bot/server_cases.py there (started early: tests/bot/conftest.py)."""
from __future__ import annotations

import pytest

CASES_SCRIPT = "server_cases.py"
CASES = ["reply_check_decides_as_the_schema", "graph_runner_and_rule_matching_decide_as_stock"]


@pytest.mark.parametrize("case", CASES)
def test_patch_decides_as_stock(case, case_run):
    assert case_run.returncode == 0 and case_run.stdout.strip().endswith("ok"), \
        case_run.stdout[-2000:] + case_run.stderr[-4000:]
