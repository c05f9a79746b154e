"""Cases for bot/lock_store.py, run in the Rasa venv by tests/bot/test_lock_store.py:

    .venv/rasa/bin/python tests/bot/lock_store_cases.py CASE [stock]

Two store objects on the machine's Redis (keys under a random prefix, deleted afterwards) play two
Rasa replicas. With `stock`, the same case runs on Rasa's own RedisLockStore, which is how the
tests show that each case catches the lost update it is about.
"""
from __future__ import annotations

import asyncio
import sys
import threading
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rasa.core.lock_store import LockError, RedisLockStore  # noqa: E402
from rasa.utils.endpoints import EndpointConfig  # noqa: E402

from bot.lock_store import AtomicRedisLockStore  # noqa: E402

PREFIX = f"lockcases{uuid.uuid4().hex[:8]}"
STOCK = sys.argv[2:] == ["stock"]


def replica() -> RedisLockStore:
    if STOCK:
        return RedisLockStore(host="127.0.0.1", port=6379, db=1, key_prefix=PREFIX)
    return AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=6379, db=1, key_prefix=PREFIX))


def case_a_ticket_taken_while_the_holder_finishes_is_kept() -> None:
    """Replica A ends its turn while replica B takes a ticket for the same conversation, B's write
    landing between A's read and A's write of the queue."""
    a, b, cid = replica(), replica(), "citizen"
    held = a.issue_ticket(cid, 20)
    read_queue = a._read if isinstance(a, AtomicRedisLockStore) else a.get_lock
    interleaved: list[int] = []

    def read_then_let_b_in(*args):
        lock = read_queue(*args)
        if not interleaved:
            interleaved.append(b.issue_ticket(cid, 20))
        return lock

    if isinstance(a, AtomicRedisLockStore):
        a._read = read_then_let_b_in  # type: ignore[method-assign]
    else:
        a.get_lock = read_then_let_b_in
    a.cleanup(cid, held)
    waiting = b.get_lock(cid)
    assert waiting is not None and [t.number for t in waiting.tickets] == interleaved, \
        f"B's ticket {interleaved} was lost: {waiting and waiting.dumps()}"
    acquired = asyncio.run(b._acquire_lock(cid, interleaved[0], 0.01))
    assert not acquired.is_locked(interleaved[0])
    b.cleanup(cid, interleaved[0])
    assert b.get_lock(cid) is None


def case_two_replicas_take_turns_one_at_a_time() -> None:
    """Two replicas race through 150 turns each of one conversation. Every turn must run alone (a
    read-then-write counter loses no increment) and none may fail to get the lock."""
    turns, cid = 150, "busy-citizen"
    counter = f"{PREFIX}:counter"
    failures: list[str] = []

    def replica_loop() -> None:
        store = replica()

        async def turn() -> None:
            async with store.lock(cid, lock_lifetime=20, wait_time_in_seconds=0.002):
                seen = int(store.red.get(counter) or 0)
                await asyncio.sleep(0.001)
                store.red.set(counter, seen + 1)

        async def run() -> None:
            for _ in range(turns):
                try:
                    await turn()
                except LockError as e:
                    failures.append(str(e).splitlines()[0])

        asyncio.run(run())

    threads = [threading.Thread(target=replica_loop) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = int(replica().red.get(counter) or 0)
    assert not failures and total == 2 * turns, f"{len(failures)} LockErrors, {total} of {2 * turns} turns counted"
    assert replica().get_lock(cid) is None


if __name__ == "__main__":
    try:
        globals()[f"case_{sys.argv[1]}"]()
    finally:
        red = replica().red
        for key in red.scan_iter(f"{PREFIX}:*"):
            red.delete(key)
    print("ok")
