"""bot/tracker_store.py called directly on a temporary SQLite database. The store runs in the Rasa
venv, so each case is a short run of tests/bot/tracker_store_cases.py there (a few seconds each, started
early: tests/bot/conftest.py)."""
from __future__ import annotations

import pytest

CASES_SCRIPT = "tracker_store_cases.py"
# Retention (the purge of old rows) is the knowledge service's: tests/knowledge/test_conversation_data.py.
CASES = ["window_is_equivalent_and_bounded", "save_appends_only_new_events",
         "a_new_session_starts_the_window_afresh", "kept_trackers_are_never_stale"]
# A process of the Rasa venv per case: not part of the fast layer.
pytestmark = pytest.mark.stack


@pytest.mark.parametrize("case", CASES)
def test_tracker_store(case, case_run):
    assert case_run.returncode == 0 and case_run.stdout.strip().endswith("ok"), \
        case_run.stdout[-2000:] + case_run.stderr[-4000:]
