"""bot/tracker_store.py called directly on a temporary SQLite database. The store runs in the Rasa
venv, so each case is a short run of tests/bot/tracker_store_cases.py there (a few seconds each)."""
from __future__ import annotations

import os
import subprocess

import pytest

from tests.stack import RASA_VENV, ROOT

# Retention (the purge of old rows) is the knowledge service's: tests/knowledge/test_conversation_data.py.
CASES = ["window_is_equivalent_and_bounded", "save_appends_only_new_events",
         "a_new_session_starts_the_window_afresh", "kept_trackers_are_never_stale"]
# A process of the Rasa venv per case: not part of the fast layer.
pytestmark = pytest.mark.stack


@pytest.mark.parametrize("case", CASES)
def test_tracker_store(case):
    done = subprocess.run([str(RASA_VENV / "python"), str(ROOT / "tests" / "bot" / "tracker_store_cases.py"), case],
                          cwd=ROOT, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"}, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout[-2000:] + done.stderr[-4000:]
