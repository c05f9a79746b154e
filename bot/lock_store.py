"""Rasa's Redis lock store with atomic ticket updates, for replicas that share conversations.

Stock RedisLockStore changes a conversation's ticket queue by GET, change in Python, SET. Two
replicas doing that at once lose one of the writes (Rasa's reviewers called it "far from atomic" in
the ticket-lock pull request, RasaHQ/rasa#3933). The loss that hurts: replica A finishes its turn
and saves the queue without its ticket, overwriting replica B's freshly issued ticket; A then sees
nobody waiting and deletes the lock; B, woken from its wait, finds no lock and raises LockError.
The citizen's message is answered with the outage apology although Redis was up the whole time
(a fault test caught it on a loaded machine, tests/faults/test_scaled_faults.py).

Here every read-change-write of the queue runs as one optimistic Redis transaction (WATCH the key,
MULTI/EXEC, retried by redis-py when another replica wrote in between), and "delete the lock when
nobody waits" is decided inside the same transaction as removing one's own ticket. The queue
itself, its JSON and its keys are stock, so replicas of stock Rasa and of this store can share it.
"""
from __future__ import annotations

import json
from typing import Any, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig


class AtomicRedisLockStore(RedisLockStore):
    """Configured like Rasa's `type: redis` lock store (same keys), with `type:` naming this class."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def _read(self, pipe: Any, conversation_id: Text) -> Optional[TicketLock]:
        serialised = pipe.get(self._key(conversation_id))  # immediate while the pipeline WATCHes
        return TicketLock.from_dict(json.loads(serialised)) if serialised else None

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(pipe: Any) -> int:
            lock = self._read(pipe, conversation_id) or TicketLock(conversation_id)
            ticket = lock.issue_ticket(lock_lifetime)
            pipe.multi()
            pipe.set(self._key(conversation_id), lock.dumps())
            return ticket

        try:
            return self.red.transaction(issue, self._key(conversation_id), value_from_callable=True)
        except Exception as e:  # Rasa's contract: any failure to take a ticket is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(pipe: Any) -> None:
            lock = self._read(pipe, conversation_id)
            if lock is None:
                return
            lock.remove_expired_tickets()
            pipe.multi()
            pipe.set(self._key(conversation_id), lock.dumps())

        self.red.transaction(drop_expired, self._key(conversation_id))

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        # Rasa calls this only from cleanup; removing a ticket and deleting an empty lock must be one
        # transaction, so both names do the whole of it.
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(pipe: Any) -> None:
            lock = self._read(pipe, conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            pipe.multi()
            if lock.is_someone_waiting():
                pipe.set(self._key(conversation_id), lock.dumps())
            else:
                pipe.delete(self._key(conversation_id))

        self.red.transaction(finish, self._key(conversation_id))
