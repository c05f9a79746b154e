"""bot/lock_store.py called directly by two store objects on the machine's Redis, each case a short run
of tests/bot/lock_store_cases.py in the Rasa venv. Run a case there with `stock` to see Rasa's own
RedisLockStore fail it: the deterministic case loses the waiting replica's ticket, the race loses turns."""
from __future__ import annotations

import pytest

CASES_SCRIPT = "lock_store_cases.py"
CASES = ["a_ticket_taken_while_the_holder_finishes_is_kept", "two_replicas_take_turns_one_at_a_time"]
# A process of the Rasa venv per case, and the machine's Redis: not part of the fast layer.
pytestmark = pytest.mark.stack


@pytest.mark.parametrize("case", CASES)
def test_lock_store(case, case_run):
    assert case_run.returncode == 0 and case_run.stdout.strip().endswith("ok"), \
        case_run.stdout[-2000:] + case_run.stderr[-4000:]
