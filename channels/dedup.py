"""The retry ledger: each WeChat message is answered once, however often WeChat sends it.

WeChat resends a message it got no answer to within 5 seconds, twice, 5 seconds apart — possibly to
another replica. The first request to claim a message's key runs the dialogue; every later copy
waits for that answer instead of running the dialogue again. States: `pending` (claimed, being
answered), `answered` (text ready, kept for a retry that may still come), `delivered` (sent through the
customer-service API, so a retry just gets "success").
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Optional

from channels.state_store import StateStore

PENDING, ANSWERED, DELIVERED = "pending", "answered", "delivered"


@dataclass(frozen=True)
class Outcome:
    state: str
    text: Optional[str] = None


class MessageLedger:
    # A claim outlives WeChat's whole retry window (~15 s) with room for a slow dialogue; if the
    # claiming process dies, the claim expires and a later copy may answer.
    PENDING_TTL_S = 60.0
    # Answers are kept a little longer than any retry can arrive.
    DONE_TTL_S = 600.0
    POLL_S = 0.05

    def __init__(self, store: StateStore) -> None:
        self._store = store

    @staticmethod
    def _key(message_key: str) -> str:
        return f"msg:{message_key}"

    async def claim(self, message_key: str) -> bool:
        """True for exactly one caller per message key (per process, or across replicas with Redis)."""
        # The claim carries a token of its own: if a retried SET NX finds the key taken, it may be
        # this very claim, written by the first attempt whose reply was lost.
        token = uuid.uuid4().hex
        if await self._store.set_if_absent(self._key(message_key), json.dumps({"state": PENDING, "claim": token}),
                                           self.PENDING_TTL_S):
            return True
        raw = await self._store.get(self._key(message_key))
        return raw is not None and json.loads(raw).get("claim") == token

    async def answered(self, message_key: str, text: Optional[str]) -> None:
        await self._store.set(self._key(message_key), json.dumps({"state": ANSWERED, "text": text},
                                                                  ensure_ascii=False), self.DONE_TTL_S)

    async def delivered(self, message_key: str) -> None:
        await self._store.set(self._key(message_key), json.dumps({"state": DELIVERED}), self.DONE_TTL_S)

    async def outcome(self, message_key: str) -> Optional[Outcome]:
        raw = await self._store.get(self._key(message_key))
        if raw is None:
            return None
        data = json.loads(raw)
        return Outcome(data["state"], data.get("text"))

    async def wait(self, message_key: str, timeout_s: float) -> Optional[Outcome]:
        """The finished outcome, or None if the message is still pending when timeout_s runs out.

        Polls, because the answer may be produced by another replica.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            outcome = await self.outcome(message_key)
            if outcome is not None and outcome.state != PENDING:
                return outcome
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            await asyncio.sleep(min(self.POLL_S, remaining))
