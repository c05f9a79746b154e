"""What the channel remembers about each WeChat user between messages: the choices last offered
(so a reply "2" becomes the second button's payload) and the unread pages of a long answer.

Kept in the shared state store, so the next message may reach any replica.
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional

from channels.state_store import StateStore

# Like Rasa's session (bot/domain.yml: 120 minutes): an old offer should not capture a digit.
CONTEXT_TTL_S = 2 * 60 * 60


class UserContext:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    async def payload_for(self, user: str, number: str) -> Optional[str]:
        raw = await self._store.get(f"choices:{user}")
        return json.loads(raw).get(number) if raw else None

    async def next_page(self, user: str) -> Optional[str]:
        raw = await self._store.get(f"pages:{user}")
        if not raw:
            return None
        pages: List[str] = json.loads(raw)
        if len(pages) > 1:
            await self._store.set(f"pages:{user}", json.dumps(pages[1:], ensure_ascii=False), CONTEXT_TTL_S)
        else:
            await self._store.delete(f"pages:{user}")
        return pages[0]

    async def remember(self, user: str, choices: Dict[str, str], unread_pages: List[str]) -> None:
        """Replaces what the previous answer left: a new answer makes older choices and pages stale."""
        if choices:
            await self._store.set(f"choices:{user}", json.dumps(choices, ensure_ascii=False), CONTEXT_TTL_S)
        else:
            await self._store.delete(f"choices:{user}")
        if unread_pages:
            await self._store.set(f"pages:{user}", json.dumps(unread_pages, ensure_ascii=False), CONTEXT_TTL_S)
        else:
            await self._store.delete(f"pages:{user}")
